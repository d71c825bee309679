"""Turning results into what people read: markdown tables for the UI, the demo report."""
