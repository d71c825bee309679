"""Toby's media: carousel slides and reels rendered in a post's visual style (plain modules)."""
