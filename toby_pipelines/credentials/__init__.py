"""Secrets: brand tokens encrypted at rest, their refresh, and scrubbing secrets out of text."""
