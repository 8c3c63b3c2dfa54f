"""Foundations every feature builds on: configuration, the service context, encryption,
texts, people's profiles, background work.
"""
