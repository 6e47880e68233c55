"""Exception handlers: every failure leaves the API as a JSON ``{"error": {...}}`` body.

User errors (:class:`~welllog.errors.WelllogError`) keep their own ``http_status`` so the library
decides once whether something is a 404, 409 or 422. Validation errors become 422 naming the field.
Anything unexpected is logged with the request id and answered 500 in the same shape — a 500 is
then a real bug, never a reaction to bad input.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from welllog.errors import MissingCurvesError, WelllogError, error_code

log = logging.getLogger("welllog.api")


class PayloadTooLargeError(WelllogError):
    """A request exceeds a configured limit (upload bytes, samples): answered 413."""

    http_status = 413

    def __init__(self, message: str, field: str | None = None):
        self.field = field  #: the request part to shrink (``file`` for an upload), when there is one
        super().__init__(message)


#: the multipart field of the upload routes: a 413 or an unreadable file there names it
UPLOAD_PATHS, UPLOAD_FIELD = ("/v1/predict/las", "/v1/predict/las/download"), "file"


def body_field(path: str) -> str | None:
    """The field a too-large request body stands for on ``path`` (the uploaded file), else None."""
    return UPLOAD_FIELD if path.rstrip("/") in UPLOAD_PATHS else None


class ModelNotReadyError(WelllogError):
    """No default model is loaded yet (``/ready``): answered 503."""

    http_status = 503


class ServiceBusyError(WelllogError):
    """More requests doing model work than WELLLOG_MAX_IN_FLIGHT: answered 503 with Retry-After."""

    http_status = 503
    retry_after_s = 5


def error_body(
    code: str, message: str, *, request: Request | None = None, field: str | None = None, detail: Any = None
) -> dict[str, Any]:
    """``{"error": {code, message, field, detail, request_id}}``: every key always present (null
    when it does not apply), so clients can read ``error["field"]`` without guarding."""
    request_id = getattr(request.state, "request_id", None) if request is not None else None
    body: dict[str, Any] = {"code": code, "message": message, "field": field, "detail": detail,
                            "request_id": request_id or None}
    return {"error": body}


def _headers(request: Request) -> dict[str, str]:
    request_id = getattr(request.state, "request_id", None)
    return {"X-Request-ID": request_id} if request_id else {}


async def welllog_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WelllogError)
    detail: Any = None
    field = getattr(exc, "field", None)
    if isinstance(exc, MissingCurvesError):
        detail = {"missing": exc.missing, "found": exc.found}
        field = field or "curves"
    status = int(getattr(exc, "http_status", 400))
    if status >= 500 and status != 503:
        log.error("user error with server status %s: %s", status, exc)
    headers = _headers(request)
    if isinstance(exc, ServiceBusyError):
        headers["Retry-After"] = str(exc.retry_after_s)
    return JSONResponse(
        error_body(error_code(exc), str(exc), request=request, field=field, detail=detail),
        status_code=status,
        headers=headers,
    )


def _clean_validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors without ``input``/``ctx``: they may hold NaN or exceptions (not JSON)."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        ctx = err.get("ctx")
        if isinstance(ctx, dict) and isinstance(ctx.get("field"), str):  # a whole-body check naming its field (api.schemas.field_error)
            loc.append(ctx["field"])
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        out.append({"loc": loc, "msg": msg, "type": str(err.get("type", ""))})
    return out


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_validation_errors(exc.errors())
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    loc = [p for p in first["loc"] if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or (first["loc"][0] if first["loc"] else None)
    if first.get("type") == "json_invalid":
        at = f" at character {loc[0]}" if loc and str(loc[0]).isdigit() else ""
        field = None  # pydantic's location here is a character offset, not a field
        message = f"request body is not valid JSON ({first['msg']}{at}); send a JSON object"
    elif first.get("type") == "model_attributes_type" and field == "body":
        message = f"request body is not a JSON object; send Content-Type: application/json with {_body_shape(request.url.path)}"
    elif first.get("type") == "string_pattern_mismatch" and loc and loc[-1] == "model":
        message = "`model`: use NAME or NAME:vN (letters, digits, . _ -), e.g. default or default:v2"
    elif first.get("type") == "string_pattern_mismatch" and loc == ["name"] and first["loc"][:1] == ["path"]:
        message = ("model reference in the path: use /v1/models/NAME (lists every version, e.g. /v1/models/default) "
                   "or /v1/models/NAME:vN (one version, e.g. /v1/models/default:v2); names use letters, digits, . _ -")
    else:
        where = f"`{field}`: " if field else ""
        message = f"{where}{first['msg']}"
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem(s), see detail)"
    return JSONResponse(
        error_body("validation_error", message, request=request, field=field, detail=errors),
        status_code=422,
        headers=_headers(request),
    )


def _body_shape(path: str) -> str:
    """What the JSON body of the route at ``path`` looks like, for a message about a body that is none."""
    if path.rstrip("/").endswith("/models/reload"):
        return "{\"model\": \"NAME\"} to reload one model, or no body to reload every loaded model"
    return "{\"curves\": {...}} or {\"records\": [...]} (LAS/CSV files go to /v1/predict/las)"


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 413: "payload_too_large"}
    message = str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"no route {request.method} {request.url.path}; see /docs for the API"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}; see /docs for the API"
    headers = {**(exc.headers or {}), **_headers(request)}
    field = body_field(request.url.path) if exc.status_code == 413 else None
    return JSONResponse(
        error_body(codes.get(exc.status_code, "http_error"), message, request=request, field=field),
        status_code=exc.status_code,
        headers=headers,
    )


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body(
            "internal_error",
            f"unexpected server error ({type(exc).__name__}); this is a bug — report it with the request id",
            request=request,
        ),
        status_code=500,
        headers=_headers(request),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(WelllogError, welllog_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)


class InvalidRequestError(WelllogError):
    """A request field is well-formed JSON but unusable (e.g. a non-finite depth): answered 422."""

    http_status = 422

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"`{field}`: {message}")
