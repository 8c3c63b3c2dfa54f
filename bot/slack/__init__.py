"""Talking to Slack: the Web API gateway, pacing under rate limits, ids, escaping, shared
Block Kit helpers.
"""
