"""Sharding: users mapped stably to shards, so a day's learning becomes independent runs."""
