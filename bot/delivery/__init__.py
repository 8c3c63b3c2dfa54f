"""The outbox: every message a person is owed, sent once."""
