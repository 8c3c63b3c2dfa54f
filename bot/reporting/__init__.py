"""Aggregate figures for program owners, never under 5 people."""
