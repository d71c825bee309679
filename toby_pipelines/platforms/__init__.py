"""Where posts go out and metrics come back: the platform interface and its implementations."""
