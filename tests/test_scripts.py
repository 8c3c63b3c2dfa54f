"""The set-up scripts: they install what the project needs, and only when it changed."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _project(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the project's set-up files with a .venv whose ``python`` logs every pip
    call (and pretends it worked) and runs everything else with the real interpreter."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "run", tmp_path / "scripts" / "run")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env.example")
    (tmp_path / ".env").write_text("")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "pip.log"
    python = bin_dir / "python"
    python.write_text(
        "#!/bin/sh\n"
        f'if [ "$1 $2" = "-m pip" ]; then echo "$@" >> {log}; exit 0; fi\n'
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    mentor_bot = bin_dir / "mentor-bot"
    mentor_bot.write_text(f'#!/bin/sh\nexec {sys.executable} -m bot "$@"\n')
    mentor_bot.chmod(mentor_bot.stat().st_mode | stat.S_IEXEC)
    return tmp_path, log


def _run(project: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(project / "scripts" / "run"), "keygen"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def _pip_calls(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_run_installs_once_and_again_only_when_the_project_changed(tmp_path: Path) -> None:
    project, log = _project(tmp_path)
    assert len(_run(project).strip()) == 44  # a Fernet key: the bot's command ran
    assert _pip_calls(log) == 1
    _run(project)  # e.g. a server without the package index: no pip at all
    assert _pip_calls(log) == 1
    with (project / "pyproject.toml").open("a") as toml:
        toml.write("\n# a new requirement\n")
    _run(project)
    assert _pip_calls(log) == 2


def test_run_without_arguments_starts_the_demo_until_a_slack_token_is_set(tmp_path: Path) -> None:
    project, _ = _project(tmp_path)
    shim = project / ".venv" / "bin" / "mentor-bot"
    shim.write_text('#!/bin/sh\necho "mentor-bot $*"\n')  # which command scripts/run picks
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["PYTHONPATH"] = str(ROOT)

    def chosen() -> str:
        done = subprocess.run(
            [str(project / "scripts" / "run")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    assert chosen() == "mentor-bot demo"  # a fresh machine: no tokens yet
    (project / ".env").write_text("SLACK_BOT_TOKEN=xoxb-your-bot-token\n")
    assert chosen() == "mentor-bot demo"  # the placeholder from .env.example is no token
    (project / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1234-5678-abcdef\n")
    assert chosen() == "mentor-bot run"
