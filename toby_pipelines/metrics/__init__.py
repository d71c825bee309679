"""Measuring published posts: checkpoint ages and the validation of what platforms report."""
