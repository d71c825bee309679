"""Telling people when Toby is in trouble: incidents posted to a chat webhook."""
