"""What 'normal' looks like for a brand: rolling averages and the drift rule."""
