"""Per-request context: request id, size limit, structured access log, metrics.

A pure ASGI middleware (not ``BaseHTTPMiddleware``) so it adds no task switch per request and sees
the final status even when a handler fails. The request id comes from ``X-Request-ID`` when the
client sends a sane one, otherwise a new one; it is returned in the response and in every log line.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from starlette.exceptions import HTTPException

from .errors import body_field, error_body
from .metrics import Metrics
from .settings import api_key_ok

log = logging.getLogger("welllog.api.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to ship to any log store; extra fields pass through."""

    _SKIP = set(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in self._SKIP and not k.startswith("_")})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def configure_logging(json_logs: bool = True, level: int = logging.INFO) -> None:
    """Give the ``welllog`` loggers one handler (idempotent: safe across app factories)."""
    logger = logging.getLogger("welllog")
    if any(getattr(h, "_welllog", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler._welllog = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


class RequestContextMiddleware:
    """Request id + streamed body-size limit + access log + metrics for every HTTP request."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        supplied = headers.get("x-request-id", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        start = time.perf_counter()
        status = 500
        method = scope.get("method", "")

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                if not any(k.lower() == b"x-request-id" for k, _ in message["headers"]):
                    message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # an HTTPException passes through FastAPI's body reader unchanged -> 413 JSON
                    raise HTTPException(
                        413,
                        f"request body exceeds the limit of {self.max_body_bytes} bytes; "
                        "send a smaller file or raise WELLLOG_MAX_UPLOAD_BYTES",
                    )
            return message

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive_limited, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            self.metrics.in_flight.dec()
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(method, route, status, elapsed)
            log.info(
                "%s %s %s %.1fms",
                method,
                scope.get("path", ""),
                status,
                elapsed * 1000,
                extra={"request_id": request_id, "route": route, "status": status, "duration_ms": round(elapsed * 1000, 2)},
            )



class DeclaredSizeMiddleware:
    """A body whose declared Content-Length is over the limit is refused (413) before it is read.
    Innermost, after the API key: a caller without the key got a 413 where it should get the 401
    (README audit); and inside CORS, so a browser client reads the 413 too. (A body that declares
    no length is held to the limit as it streams in: :class:`RequestContextMiddleware`.)"""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"content-length"), "")
            if length.isdigit() and int(length) > self.max_body_bytes:
                body = error_body(
                    "payload_too_large",
                    f"request body of {int(length)} bytes exceeds the limit of {self.max_body_bytes} bytes; "
                    "send a smaller file or raise WELLLOG_MAX_UPLOAD_BYTES",
                    field=body_field(str(scope.get("path", ""))),
                )
                body["error"]["request_id"] = scope.get("state", {}).get("request_id")
                await reject(send, 413, body)
                return
        await self.app(scope, receive, send)


class ApiKeyMiddleware:
    """The API key of a /v1 request, checked before its body is read or validated: without the key
    a caller learnt from a 422 what the body should hold, or got a 413 (API audit). Inside CORS,
    so a browser client reads the 401; preflights pass. (``deps.require_api_key`` on the routers
    only declares the key in the OpenAPI schema.)"""

    def __init__(self, app: ASGIApp, *, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        guarded = (scope["type"] == "http" and self.api_key and scope.get("method") != "OPTIONS"
                   and (path == "/v1" or path.startswith("/v1/")))
        if guarded:
            given = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"x-api-key"), None)
            if not api_key_ok(given, self.api_key):
                body = error_body("unauthorized", "missing or wrong API key: send the configured key in the X-API-Key header")
                body["error"]["request_id"] = scope.get("state", {}).get("request_id")
                await reject(send, 401, body, [(b"www-authenticate", b"ApiKey")])
                return
        await self.app(scope, receive, send)


async def reject(send: Send, status: int, body: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    """Answer ``status`` with the JSON error ``body`` without running the app."""
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": payload})
