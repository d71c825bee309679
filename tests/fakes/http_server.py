"""A real HTTP server on 127.0.0.1 for client tests: a thread, an ephemeral port, a handler
function, and faults queued on cue (status + body + headers, a delay, a truncated or malformed
body). Every request is recorded with its method, path, query and headers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def params(self) -> dict[str, Any]:
        return {**self.query, **self.body}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    raw: bytes | None = None  # sent as is (malformed bodies)
    truncate: bool = False  # promise more bytes than are sent, then close


Handler = Callable[[Request], Reply]


class LocalServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self.faults: list[tuple[str, Reply]] = []  # (path substring, reply), first match wins
        self.extra_headers: dict[str, str] = {}
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw_body = self.rfile.read(length).decode() if length else ""
                body: dict[str, Any] = {}
                if raw_body:
                    ctype = self.headers.get("Content-Type", "")
                    body = (
                        json.loads(raw_body)
                        if "json" in ctype
                        else dict(parse_qsl(raw_body, keep_blank_values=True))
                    )
                request = Request(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with server._lock:
                    server.requests.append(request)
                    reply = server._take_fault(parts.path)
                if reply is None:
                    reply = server.handler(request)
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.delay_seconds:
                    time.sleep(reply.delay_seconds)
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **server.extra_headers}
                headers.update(reply.headers)
                for name, value in headers.items():
                    self.send_header(name, value)
                if reply.truncate:
                    self.send_header("Content-Length", str(len(payload) + 100))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, path_part: str, reply: Reply, times: int = 1) -> None:
        """The next `times` requests whose path contains `path_part` get `reply`."""
        self.faults.extend([(path_part, reply)] * times)

    def _take_fault(self, path: str) -> Reply | None:
        for index, (part, reply) in enumerate(self.faults):
            if part in path:
                del self.faults[index]
                return reply
        return None

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def served(fake: Handler) -> Iterator[Handler]:
    """Serve a fake API (a handler with a `server` attribute) for the length of a test."""
    with LocalServer(fake) as server:
        fake.server = server  # type: ignore[attr-defined]
        yield fake
