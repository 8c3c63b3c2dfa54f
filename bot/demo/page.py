"""The demo page: a small web application that works like Slack for the bot's surfaces.

``GET /`` is the page (plain HTML, CSS and JavaScript from ``static/``, no build step);
its script asks ``GET /api/state`` what the chosen person sees, waiting there until
something changes (so the page updates without reloading), and turns what the person
does into ``POST /api/...`` calls on :class:`~bot.demo.workspace.Demo`. The page serves on
127.0.0.1 unless told otherwise; it has no accounts, so it must not face a network.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from bot.demo.cast import BY_ID, CAST
from bot.demo.tour import Tour
from bot.demo.transcript import transcript_html
from bot.demo.views import HOME, Viewer
from bot.demo.workspace import POLL_SECONDS, Demo, DemoError, Target

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
#: What a request body may hold at most (a modal's answers are a few kilobytes).
MAX_BODY = 256 * 1024
#: The names of this machine: where the page answers by default.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: Pages (browser tabs) whose newest question is remembered.
MAX_PAGES = 1000
_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/demo.js": ("demo.js", "text/javascript; charset=utf-8"),
    "/demo.css": ("demo.css", "text/css; charset=utf-8"),
}
_STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


class _Refusal(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


class DemoPage:
    """The WSGI application of the demo page."""

    def __init__(
        self, demo: Demo, tour: Tour | None = None, *, hosts: frozenset[str] | None = LOOPBACK
    ) -> None:
        """``hosts``: the names the page answers to (None: any; see :meth:`_refused`)."""
        self.demo = demo
        self.hosts = hosts
        self.tour = tour or Tour(demo)
        self._errors: dict[str, tuple[str, dict[str, str]]] = {}
        self._lock = threading.Lock()
        #: Set once someone does something on the page (a tour playing by itself stops).
        self.taken_over = threading.Event()
        self._closing = threading.Event()
        #: The newest question of each page (see :meth:`state`).
        self._asking: dict[str, int] = {}

    def close(self) -> None:
        """Answer the pages' waiting requests now (before the server stops)."""
        self._closing.set()
        self.demo.fake.touch()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO") or "/"
        try:
            self._refused(environ, method)
            if method == "GET" and path in _STATIC:
                name, kind = _STATIC[path]
                content = resources.files("bot.demo").joinpath("static", name).read_bytes()
                return _reply(start_response, "200 OK", content, kind)
            if method == "GET" and path.startswith("/files/"):
                return self._file(environ, start_response, path[len("/files/") :])
            if method == "GET" and path == "/transcript.html":
                content = transcript_html(self.demo).encode("utf-8")
                return _reply(
                    start_response,
                    "200 OK",
                    content,
                    "text/html; charset=utf-8",
                    ("Content-Disposition", 'attachment; filename="transcript.html"'),
                )
            if path.startswith("/api/"):
                answer = self._api(method, path[len("/api/") :], environ)
                return _json(start_response, "200 OK", answer)
            raise _Refusal("404 Not Found", "no such page")
        except _Refusal as refusal:
            return _json(start_response, refusal.status, {"error": str(refusal)})
        except DemoError as error:
            return _json(start_response, "400 Bad Request", {"error": str(error)})
        except Exception:
            logger.exception("the demo page failed on %s %s", method, path)
            failed = "Something went wrong in the demo; the details are in its log."
            return _json(start_response, "500 Internal Server Error", {"error": failed})

    def _refused(self, environ: Mapping[str, Any], method: str) -> None:
        """Only requests from the page itself: addressed to one of its own names (a site
        that points another name at this machine cannot read it), and for anything that
        changes the workspace, JSON from the page's own origin (a form or a script on
        another site cannot send that without the browser asking first)."""
        host = str(environ.get("HTTP_HOST") or "")
        if self.hosts is not None and host and _hostname(host) not in self.hosts:
            raise _Refusal("403 Forbidden", f"this demo answers only at {sorted(self.hosts)[0]}")
        if method != "POST":
            return
        origin = str(environ.get("HTTP_ORIGIN") or "")
        if origin and origin.split("://", 1)[-1] != host:
            raise _Refusal("403 Forbidden", "requests from other sites are refused")
        kind = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise _Refusal("415 Unsupported Media Type", "send JSON (application/json)")

    # -- the API --------------------------------------------------------------------------

    def _api(self, method: str, name: str, environ: Mapping[str, Any]) -> dict[str, Any]:
        if method == "GET" and name == "state":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            after = _one(query, "after", "-1") or "-1"
            if not re.fullmatch(r"-?[0-9]{1,18}", after):
                raise _Refusal("400 Bad Request", "after must be a whole number")
            return self.state(
                _one(query, "user", CAST[0].id),
                _one(query, "conversation", HOME),
                int(after),
                client=_one(query, "client", "")[:64],
            )
        if method == "GET" and name == "people":
            return {"people": [_person(p.id) for p in CAST]}
        if method != "POST":
            raise _Refusal("405 Method Not Allowed", "use POST")
        body = _body(environ)
        handler = getattr(self, f"_post_{name}", None)
        if handler is None:
            raise _Refusal("404 Not Found", f"no action {name}")
        if name != "home":  # looking on is not taking over; the tour's button is
            self.taken_over.set()
        result: dict[str, Any] = handler(body) or {}
        return {"ok": True, **result}

    def state(
        self, user_id: str, conversation: str, after: int, *, client: str = ""
    ) -> dict[str, Any]:
        """What ``user_id`` sees, once the workspace changed since version ``after``.

        A page asks again whenever the person switches people or conversations; the
        question it asked before (``client`` names the page) is then answered at once, so
        no request is left waiting for nobody, holding one of the server's threads.
        """
        if user_id not in BY_ID:
            raise _Refusal("404 Not Found", f"nobody has the id {user_id}")
        version = self._wait(client, after)
        with self.demo.lock:
            viewer = Viewer(self.demo.fake, user_id)
            modal = viewer.modal(self._modal_errors(user_id))
            content = (
                viewer.home_html() if conversation == HOME else viewer.messages_html(conversation)
            )
            return {
                "version": version,
                "now": self.demo.clock.now.isoformat(),
                "now_text": viewer.when(self.demo.clock.now, long=True),
                "zone": str(viewer.zone),
                "me": _person(user_id),
                "conversations": viewer.conversations(),
                "conversation": {
                    "id": conversation,
                    "label": viewer.label(conversation),
                    "html": content,
                },
                "modal": modal,
                "tour": self.tour.status(),
            }

    def _wait(self, client: str, after: int) -> int:
        with self._lock:
            ticket = self._asking.pop(client, 0) + 1
            self._asking[client] = ticket  # newest last, for the trim below
            while len(self._asking) > MAX_PAGES:
                del self._asking[next(iter(self._asking))]
        deadline = time.monotonic() + POLL_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            version = self.demo.fake.wait_changed(after, timeout=max(0.0, min(0.25, remaining)))
            superseded = client and self._asking.get(client) != ticket
            # Another version than the page knows (a reset or restart starts counting anew).
            if version != after or remaining <= 0 or superseded or self._closing.is_set():
                return version

    def _modal_errors(self, user_id: str) -> dict[str, str]:
        stack = self.demo.fake.modal_stack(user_id)
        with self._lock:
            saved = self._errors.get(user_id)
        if saved is None or not stack or stack[-1].get("hash") != saved[0]:
            return {}
        return saved[1]

    def _post_type(self, body: Mapping[str, Any]) -> None:
        user, conversation = _text(body, "user"), _text(body, "conversation")
        if conversation == HOME:
            conversation = self.demo.fake.ims_of(user)[0] if self.demo.fake.ims_of(user) else ""
        self.demo.type(user, conversation, _text(body, "text"))

    def _post_click(self, body: Mapping[str, Any]) -> None:
        target = Target(
            channel=body.get("channel") or None,
            ts=body.get("ts") or None,
            view_id=body.get("view_id") or None,
        )
        selected = body.get("selected")
        if selected is not None and not isinstance(selected, str | list):
            raise _Refusal("400 Bad Request", "selected must be a value or a list of values")
        value = body.get("value")
        self.demo.click(
            _text(body, "user"),
            target,
            _text(body, "action_id"),
            value=value if isinstance(value, str) else None,
            selected=selected,
        )

    def _post_submit(self, body: Mapping[str, Any]) -> dict[str, Any]:
        user, view_id = _text(body, "user"), _text(body, "view_id")
        values = body.get("values")
        if not isinstance(values, dict):
            raise _Refusal("400 Bad Request", "values must be an object")
        errors = self.demo.submit(user, view_id, values)
        stack = self.demo.fake.modal_stack(user)
        with self._lock:
            if errors and stack:
                self._errors[user] = (str(stack[-1].get("hash")), errors)
            else:
                self._errors.pop(user, None)
        return {"errors": errors}

    def _post_close(self, body: Mapping[str, Any]) -> None:
        self.demo.close_modal(_text(body, "user"))

    def _post_home(self, body: Mapping[str, Any]) -> None:
        self.demo.open_home(_text(body, "user"))

    def _post_advance(self, body: Mapping[str, Any]) -> dict[str, Any]:
        step = _STEPS.get(_text(body, "by"))
        if step is None:
            raise _Refusal("400 Bad Request", "by must be hour, day or week")
        return {"sent": self.demo.advance(step)}

    def _post_reset(self, body: Mapping[str, Any]) -> None:
        self.demo.reset()
        self.tour.restart()

    def _post_tour(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.tour.next()

    # -- files ----------------------------------------------------------------------------

    def _file(
        self, environ: Mapping[str, Any], start_response: StartResponse, path: str
    ) -> Iterable[bytes]:
        """A file the bot shared, for someone it reached (as Slack's file links are)."""
        user = _one(parse_qs(environ.get("QUERY_STRING", "")), "user", "")
        file_id = path.split("/", 1)[0]
        for message in Viewer(self.demo.fake, user).visible() if user in BY_ID else []:
            for record in message.files:
                if record.id == file_id and record.content is not None:
                    kind = (
                        "image/png"
                        if record.filename.endswith(".png")
                        else "application/octet-stream"
                    )
                    return _reply(
                        start_response,
                        "200 OK",
                        record.content,
                        kind,
                        ("Content-Disposition", f'attachment; filename="{record.filename}"'),
                    )
        raise _Refusal("404 Not Found", "no such file for this person")


def _person(user_id: str) -> dict[str, Any]:
    person = BY_ID[user_id]
    return {
        "id": person.id,
        "name": person.name,
        "title": person.title,
        "tz": person.tz,
        "locale": person.locale,
        "lang": person.lang,
        "role": person.role,
        "admin": person.admin,
    }


def _one(query: Mapping[str, list[str]], key: str, default: str) -> str:
    values = query.get(key)
    return values[0] if values else default


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise _Refusal("400 Bad Request", f"{key} is missing")
    return value


def _hostname(host: str) -> str:
    """``127.0.0.1:3000`` → ``127.0.0.1``; ``[::1]:3000`` → ``::1``."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _body(environ: Mapping[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise _Refusal("413 Payload Too Large", "request too large")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError) as error:
        raise _Refusal("400 Bad Request", "the body must be JSON") from error
    if not isinstance(body, dict):
        raise _Refusal("400 Bad Request", "the body must be a JSON object")
    return body


def _reply(
    start_response: StartResponse, status: str, content: bytes, kind: str, *extra: tuple[str, str]
) -> list[bytes]:
    headers = [
        ("Content-Type", kind),
        ("Content-Length", str(len(content))),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        (
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'self'; object-src 'none'",
        ),
        *extra,
    ]
    start_response(status, headers)
    return [content]


def _json(start_response: StartResponse, status: str, payload: Mapping[str, Any]) -> list[bytes]:
    return _reply(start_response, status, json.dumps(payload).encode("utf-8"), "application/json")
