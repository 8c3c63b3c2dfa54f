"""A local stand-in for Slack: a fake Web API server and a driver that plays Slack's part.

``FakeSlack`` serves the Web API on loopback and records everything the app does;
``SlackDriver`` sends the app signed slash commands, interactions and events.
"""

from .blockkit import BlockKitError, Rejection, check_message, check_view, validate_blocks
from .driver import AppResponse, SlackDriver, state_from
from .records import Call, FileRecord, Message, RateLimits, Revision
from .server import ApiError, FakeSlack

__all__ = [
    "ApiError",
    "AppResponse",
    "BlockKitError",
    "Call",
    "FakeSlack",
    "FileRecord",
    "Message",
    "RateLimits",
    "Rejection",
    "Revision",
    "SlackDriver",
    "check_message",
    "check_view",
    "state_from",
    "validate_blocks",
]
