"""Limits for a shared server, in front of Gradio: uploads and login attempts.

:class:`Guard` is a small ASGI middleware that Gradio's FastAPI app runs first (it is passed
through ``launch(app_kwargs={"middleware": ...})``). It

* refuses every upload when the app does not accept notes (no ``--allow-ingest``, no auth),
  so nothing can be parked on the server and downloaded back;
* caps an upload request at :data:`MAX_REQUEST_BYTES` and accepts only the note types we read
  (:data:`NOTE_SUFFIXES`), before Gradio writes anything to disk (Gradio's own
  ``max_file_size`` caps each file as well);
* rate-limits logins per client address with a :class:`LoginLimiter`: after
  :data:`FREE_FAILURES` wrong passwords each further attempt waits twice as long as the one
  before (1 s, 2 s, 4 s ... up to :data:`MAX_LOCKOUT` s), answered with 429 and ``Retry-After``.

:func:`parse_logins` reads ``USER:PASS`` lines, for ``--auth-file`` and ``$KGQA_AUTH``.

>>> limiter = LoginLimiter(free=2, clock=lambda: 0.0)
>>> [limiter.failed("10.0.0.1") for _ in range(4)]
[0.0, 0.0, 1.0, 2.0]
>>> limiter.wait("10.0.0.1"), limiter.wait("10.0.0.2")
(2.0, 0.0)
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from kg.errors import InputError

__all__ = ["Guard", "LoginLimiter", "parse_logins", "NOTE_SUFFIXES", "MAX_REQUEST_BYTES", "FREE_FAILURES",
           "MAX_LOCKOUT"]

NOTE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
MAX_FILES = 10
MAX_REQUEST_BYTES = MAX_FILES * 2_000_000 + 64_000  # ten notes at the reader's limit, plus multipart framing
FREE_FAILURES = 5
MAX_LOCKOUT = 300.0
MAX_CLIENTS = 10_000  # the limiter forgets the least recent client beyond this: bounded memory

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_FILENAME = re.compile(rb'filename\*?="?([^"\r\n;]*)"?', re.I)


@dataclass
class _Client:
    failures: int = 0
    until: float = 0.0  # monotonic time before which this client may not try again


class LoginLimiter:
    """Failed logins per client: ``free`` failures cost nothing, then the wait doubles per failure
    (``base``, 2 ``base``, 4 ``base`` ... capped at ``cap``); a success forgets the client."""

    def __init__(self, free: int = FREE_FAILURES, base: float = 1.0, cap: float = MAX_LOCKOUT,
                 clock: Callable[[], float] = time.monotonic, max_clients: int = MAX_CLIENTS) -> None:
        self.free, self.base, self.cap, self.clock, self.max_clients = free, base, cap, clock, max_clients
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds ``client`` must wait before its next attempt (0 when it may try now)."""
        with self._lock:
            state = self._clients.get(client)
            return max(0.0, state.until - self.clock()) if state else 0.0

    def failed(self, client: str) -> float:
        """Record a wrong password; returns the wait it now costs."""
        with self._lock:
            state = self._clients.pop(client, None) or _Client()
            self._clients[client] = state  # most recent last
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            state.failures += 1
            over = state.failures - self.free
            delay = 0.0 if over <= 0 else min(self.cap, self.base * 2 ** (over - 1))
            state.until = self.clock() + delay
            return delay

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)


def parse_logins(text: str, source: str) -> list[tuple[str, str]]:
    """``USER:PASS`` lines (blank lines and ``#`` comments skipped) as Gradio's auth list.

    >>> parse_logins("# team\\nada:pa:ss\\n\\nbob:x\\n", "users.txt")
    [('ada', 'pa:ss'), ('bob', 'x')]
    """
    logins: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            raise InputError(f"{source}:{number}: expected USER:PASS (a user name, a colon, a password)")
        logins.append((user.strip(), password))
    if not logins:
        raise InputError(f"{source}: no USER:PASS line; write one login per line")
    return logins


async def _respond(send: Send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": message}).encode("utf-8")
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    head += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *, uploads: bool,
                 limiter: LoginLimiter | None, max_request: int = MAX_REQUEST_BYTES) -> None:
        self.app, self.uploads, self.limiter, self.max_request = app, uploads, limiter, max_request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            path = scope["path"].rstrip("/")
            if path.endswith("/upload"):
                return await self._upload(scope, receive, send)
            if path.endswith("/login") and self.limiter is not None:
                return await self._login(scope, receive, send, self.limiter)
        await self.app(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.uploads:
            return await _respond(send, 403, "this server does not accept files: start it with --allow-ingest "
                                             "(or --auth) to upload notes")
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_request:
            return await _respond(send, 413, f"upload larger than {self.max_request:,} bytes")
        chunks, size, more = [], 0, True
        while more:  # bounded by max_request: read it all before Gradio writes a byte to disk
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_request:
                return await _respond(send, 413, f"upload larger than {self.max_request:,} bytes")
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        names = [m.decode("utf-8", "replace") for m in _FILENAME.findall(body)]
        wrong = [n for n in names if PurePath(n).suffix.lower() not in NOTE_SUFFIXES]
        if wrong:
            return await _respond(send, 415, f"{wrong[0]}: only notes are accepted ({', '.join(NOTE_SUFFIXES)})")
        if len(names) > MAX_FILES:
            return await _respond(send, 413, f"{len(names)} files in one upload; send at most {MAX_FILES}")
        sent = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send, limiter: LoginLimiter) -> None:
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = limiter.wait(client)
        if wait > 0:
            return await _respond(send, 429, f"too many failed logins; try again in {wait:.0f} s",
                                  {"Retry-After": str(max(1, round(wait)))})

        async def observe(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    limiter.succeeded(client)
                elif message["status"] in (400, 401, 403):
                    limiter.failed(client)
            await send(message)

        await self.app(scope, receive, observe)
