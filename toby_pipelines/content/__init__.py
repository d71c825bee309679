"""What Toby writes: a brand's Content DNA and the generators that turn a strategy into a post."""
