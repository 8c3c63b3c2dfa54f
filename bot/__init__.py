"""Reverse mentoring for Slack: the program itself, free of Slack payload shapes."""
