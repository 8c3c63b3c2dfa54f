"""Proposing pairs (the matcher) and their consent (introductions, accept, decline)."""
