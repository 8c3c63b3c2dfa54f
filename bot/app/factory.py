"""The Bolt app factory."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.app import middleware
from bot.app.startup import Workspace
from bot.core.context import Context
from handlers import register_all


def create_app(ctx: Context, workspace: Workspace | None = None) -> App:
    """Build the Bolt app with its middleware and every handler registered.

    Over HTTP the edge (:func:`bot.app.wsgi.create_wsgi`) has checked every request's
    signature and shape before the app sees it; in Socket Mode Slack's connection is
    authenticated. With ``workspace`` (what ``auth.test`` said of the bot token), a
    request naming another workspace, organization or app is refused with 403.
    """
    secret = ctx.settings.signing_secret
    app = App(
        # Named, so that Bolt does not take the name from inspect.stack(), which reads the
        # source of every frame on the stack (most of the time building the app took).
        name="mentor-bot",
        signing_secret=secret.get_secret_value() if secret else "",
        client=ctx.slack.client,
        listener_executor=ctx.background.executor,
        process_before_response=True,
        # Over HTTP the edge checks the signature over the raw bytes and hands Bolt the
        # payload it read; over Socket Mode Slack's connection is trusted.
        request_verification_enabled=False,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("bot.bolt"),
    )
    app.error(middleware.database_outage)
    if workspace is not None:
        app.middleware(middleware.only(workspace))
    app.middleware(middleware.rate_limited_events)
    app.middleware(middleware.services(ctx))
    app.middleware(middleware.drop_redelivered_events)
    app.middleware(middleware.act_once_per_request)
    register_all(app)
    return app
