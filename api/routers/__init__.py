"""One router per resource: health, models, predict, explain."""

from typing import Any

from ..schemas import ErrorResponse

#: ``openapi_extra={REQUEST_BODY: {...}}``: a request body that replaces the one FastAPI generates
#: (api.main.openapi_schema), where ``openapi_extra={"requestBody": ...}`` would be merged into it
REQUEST_BODY = "x-welllog-request-body"

#: what each error status means, the same on every route (a route may say more: ``texts``)
ERROR_TEXTS = {
    400: "inconsistent request",
    401: "missing or wrong X-API-Key (when the server has a key; code unauthorized)",
    404: "unknown model or version (code model_not_found), including the default model when the store does not hold "
         "it (yet): train or promote one under that name",
    409: "stored model failed its integrity check (code model_integrity)",
    413: "request larger than the configured limits (code payload_too_large): body bytes (WELLLOG_MAX_UPLOAD_BYTES, on "
         "every route), samples, explained samples",
    422: "invalid input: the message names the field and what to fix",
    503: "busy: more predict/explain requests in flight than WELLLOG_MAX_IN_FLIGHT (code service_busy); retry after "
         "Retry-After seconds",
    500: "unexpected server error: a bug, never a reaction to bad input; report it with the request id",
}


def error_responses(*statuses: int, texts: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the JSON error answers a route can give. 413 and 500 are on every route:
    the body-size limit (api.middleware) holds for every request, and a bug can happen anywhere."""
    text = {**ERROR_TEXTS, **(texts or {})}
    out: dict[int | str, dict[str, Any]] = {s: {"model": ErrorResponse, "description": text.get(s, "error")}
                                            for s in sorted({*statuses, 413, 500})}
    if 503 in out and 503 not in (texts or {}):  # service_busy: say when to come back
        out[503]["headers"] = {"Retry-After": {"description": "seconds to wait before retrying (code service_busy)",
                                               "schema": {"type": "integer"}}}
    return out
