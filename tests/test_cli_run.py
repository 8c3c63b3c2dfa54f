"""The `mentor-bot` command itself: run, serve, answer Slack, stop cleanly; db upgrade."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.core.crypto import generate_key
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from storage.migrate import head_revision


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the bot did not become healthy")


def test_run_serves_slack_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    with FakeSlack(bot_token="xoxb-cli") as fake:
        fake.add_user("UCLI", name="cli", locale="de-DE")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "SLACK_BOT_TOKEN": "xoxb-cli",
            "SLACK_SIGNING_SECRET": "cli-secret",
            "SLACK_API_URL": fake.api_url,
            "MENTOR_ENCRYPTION_KEY": generate_key(),
            "PORT": str(port),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            assert (tmp_path / "mentor.db").exists()  # the SQLite default, migrated at start
            driver = SlackDriver(url + "/slack/events", "cli-secret", fake)
            answer = driver.command("UCLI", "status")
            assert answer.status == 200
            assert "noch nicht angemeldet" in answer.json()["text"]
            assert driver.command("UCLI", "status", signing_secret="wrong").status == 401
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr


def test_db_upgrade_creates_and_reports_the_schema(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert f"revision {head_revision()}" in result.stdout
    assert (tmp_path / "fresh.db").exists()


def _env(**extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MENTOR_ENCRYPTION_KEY": generate_key(),
        **extra,
    }


def test_socket_mode_that_cannot_connect_says_what_to_check(tmp_path: Path) -> None:
    with FakeSlack(bot_token="xoxb-sock") as fake:
        env = _env(
            SLACK_BOT_TOKEN="xoxb-sock",
            SLACK_APP_TOKEN="xapp-1-bad",
            SLACK_API_URL=fake.api_url,
            PORT=str(free_port()),
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("mentor-bot: cannot connect to Slack in Socket Mode")
    assert "SLACK_APP_TOKEN" in last and "Traceback" not in result.stderr


def test_a_busy_port_says_so(tmp_path: Path) -> None:
    with socket.socket() as busy, FakeSlack(bot_token="xoxb-1") as fake:
        busy.bind(("0.0.0.0", 0))  # noqa: S104
        busy.listen()
        port = busy.getsockname()[1]
        env = _env(
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_SIGNING_SECRET="s",
            PORT=str(port),
            SLACK_API_URL=fake.api_url,
            MENTOR_SCHEDULER="off",
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"cannot listen on port {port}" in result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr


def test_the_example_values_are_refused(tmp_path: Path) -> None:
    env = _env(SLACK_BOT_TOKEN="xoxb-your-bot-token", SLACK_SIGNING_SECRET="x")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is still the example value" in result.stderr
