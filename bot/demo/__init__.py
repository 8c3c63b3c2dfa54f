"""The demo workspace: the real bot, a Slack stand-in and a page that works like Slack."""
