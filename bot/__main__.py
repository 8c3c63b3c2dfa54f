"""``python -m bot``: the same as the ``mentor-bot`` command."""

from bot.app.cli import main

raise SystemExit(main())
