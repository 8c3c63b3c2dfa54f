"""``mentor-bot`` (also ``python -m bot``): run, dispatch, manifest, keygen, demo, db upgrade."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.app.startup import StartupError, check_database, check_slack
from bot.core.config import (
    ConfigError,
    database_url_from,
    has_slack_token,
    load_settings,
    read_environment,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentor-bot", description="A Slack app that runs reverse mentoring programs."
    )
    parser.add_argument("--env-file", default=".env", help="file with variables (default .env)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot, with the scheduler")
    dispatch = sub.add_parser("dispatch", help="send all work due at a time, once, then exit")
    dispatch.add_argument("--at", help="ISO-8601 time (default: now); e.g. 2026-12-01T09:00Z")
    manifest = sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument("--url", help="public base URL of the bot, e.g. https://bot.example.com")
    manifest.add_argument("--socket-mode", action="store_true", help="manifest for Socket Mode")
    sub.add_parser("keygen", help="print a new MENTOR_ENCRYPTION_KEY")
    demo = sub.add_parser(
        "demo", help="the demo workspace in the browser: the real bot, no Slack needed"
    )
    demo.add_argument("--port", type=int, help="port of the page (default: PORT, else 3000)")
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    demo.add_argument("--tour", action="store_true", help="play the guided tour")
    demo.add_argument(
        "--transcript", metavar="FILE", help="write what each person saw as HTML, then stop"
    )
    demo.add_argument("--reset", action="store_true", help="start the demo over")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_sub.add_parser("upgrade", help="bring the database schema up to date")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mentor-bot`` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "manifest":
            from bot.app.manifest import manifest_yaml

            sys.stdout.write(manifest_yaml(url=args.url, socket_mode=args.socket_mode))
            return 0
        if args.command == "keygen":
            from bot.core.crypto import generate_key

            print(generate_key())
            return 0
        env = read_environment(env_file=args.env_file)
        if args.command == "demo":
            return _demo(args, env)
        if args.command == "db":
            from storage.db import make_engine
            from storage.migrate import current_revision, upgrade

            engine = make_engine(database_url_from(env))
            check_database(engine)
            upgrade(engine)
            print(f"database schema is at revision {current_revision(engine)}")
            return 0
        settings = load_settings(env)
        from bot.app.kinds import build_outbox
        from bot.core.context import Context

        if args.command == "dispatch":
            return _dispatch(Context.create(settings, outbox=build_outbox()), args.at)
        from bot.app.server import run

        run(Context.create(settings, outbox=build_outbox()))
        return 0
    except ConfigError as error:
        print(f"mentor-bot: {error}", file=sys.stderr)
        return 2
    except StartupError as error:
        print(f"mentor-bot: {error}", file=sys.stderr)
        return 1


def _demo(args: argparse.Namespace, env: dict[str, str]) -> int:
    """The demo: never the configured database or Slack; its own folder and stand-in."""
    from pathlib import Path

    from bot.demo.server import serve, write_transcript
    from bot.demo.workspace import DEFAULT_FOLDER, DemoError

    # The demo's page is what a person follows: only problems and the tour's steps are
    # logged (not each migration, request or message).
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("bot.demo").setLevel(logging.INFO)
    if args.transcript:
        try:
            return write_transcript(
                DEFAULT_FOLDER, Path(args.transcript), tour=args.tour, reset=args.reset
            )
        except DemoError as error:
            print(f"mentor-bot: {error}", file=sys.stderr)
            return 1
    port = args.port
    if port is None:
        try:
            port = int(env.get("PORT") or 3000)
        except ValueError:
            raise ConfigError("PORT must be a port number, like 3000") from None
    note = (
        ""
        if has_slack_token(env)
        else f" — no Slack tokens in {args.env_file}; fill them in to connect to Slack"
    )
    return serve(host=args.host, port=port, tour=args.tour, reset=args.reset, note=note)


def _dispatch(ctx: object, at: str | None) -> int:
    from datetime import UTC, datetime

    from bot.core.context import Context
    from bot.cycle import prompts as cycle
    from bot.delivery import outbox
    from bot.journal import playbook
    from bot.sessions import planning as sessions
    from storage.migrate import upgrade

    assert isinstance(ctx, Context)
    when = None
    if at:
        try:
            when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            print(
                f"mentor-bot: --at must be an ISO-8601 time like 2026-12-01T09:00Z, not {at!r}",
                file=sys.stderr,
            )
            return 2
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    try:
        check_database(ctx.db.engine)
        check_slack(ctx.slack.client, ctx.settings.api_url)
        upgrade(ctx.db.engine)
        playbook.backfill_at_start(ctx)
        cycle.tick(ctx, when)
        sessions.plan(ctx, when)
        summary = outbox.dispatch(ctx, when)
    finally:
        ctx.close()
    print(summary.to_json())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
