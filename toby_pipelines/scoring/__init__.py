"""How a post's performance becomes a number: the Toby score, F/1K and engagement rate."""
