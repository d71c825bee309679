"""What Toby can choose for a post, and how it learns which choices work."""
