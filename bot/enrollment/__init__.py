"""Joining, status, cohorts, the welcome, and a person's rights over their data (export, forget)."""
