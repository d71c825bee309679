"""The owner's side: the control API (spec section 5.8) and what it shows."""
