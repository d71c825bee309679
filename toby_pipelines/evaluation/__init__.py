"""Offline evaluation: what another policy would have scored, from Toby's logged choices."""
