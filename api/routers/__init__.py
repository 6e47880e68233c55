"""One router per resource: health, models, predict, explain."""

from typing import Any

from ..schemas import ErrorResponse


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the JSON error answers a route can give."""
    text = {
        400: "inconsistent request",
        401: "missing or wrong X-API-Key (when the server has a key)",
        404: "unknown model",
        409: "stored model failed its integrity check",
        413: "request larger than the configured limits",
        422: "invalid input: the message names the field and what to fix",
        503: "no model loaded (/ready), or more requests in flight than WELLLOG_MAX_IN_FLIGHT (Retry-After)",
        500: "unexpected server error: a bug, never a reaction to bad input; report it with the request id",
    }
    out: dict[int | str, dict[str, Any]] = {s: {"model": ErrorResponse, "description": text.get(s, "error")} for s in (*statuses, 500)}
    if 503 in out:
        out[503]["headers"] = {"Retry-After": {"description": "seconds to wait, when the service is busy (code service_busy)",
                                               "schema": {"type": "integer"}}}
    return out
