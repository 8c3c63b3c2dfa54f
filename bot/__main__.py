"""``python -m bot``: the same as the ``mentor-bot`` command."""

from bot.cli import main

raise SystemExit(main())
