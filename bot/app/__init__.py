"""Assembling and running the bot: the Bolt app, the server, the scheduler, the CLI, the
manifest, start-up checks.
"""
