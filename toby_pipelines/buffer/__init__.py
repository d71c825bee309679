"""The content buffer: which posting slots lie ahead and how well they are covered."""
