"""Running Toby's real assets over simulated days: the demo and, later, user scenarios."""
