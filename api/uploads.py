"""Multipart uploads parsed entirely in memory.

Starlette's form parser spools files above 1 MB to a temporary file on disk; the API promises
that uploads never touch the disk, so the body is read (bounded by the upload limit) and parsed
with python-multipart configured to keep every part in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from python_multipart.multipart import File, create_form_parser

from welllog.errors import WellReadError
from welllog.ingest.source import GZIP_MAGIC, InflatesTooFar, gunzip

from .errors import InvalidRequestError, PayloadTooLargeError


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


async def read_upload(request: Request, field: str, max_bytes: int) -> Upload:
    """The bytes and file name of multipart field ``field`` (422 when absent, 413 when too big)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidRequestError(
            field, f"send the file as multipart/form-data in a field named '{field}' (got content-type {content_type or 'none'!r})"
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise PayloadTooLargeError(
                f"upload exceeds the limit of {max_bytes} bytes; send a smaller file or raise WELLLOG_MAX_UPLOAD_BYTES",
                field=field,
            )
    files: list[File] = []
    headers = {"Content-Type": content_type.encode("latin-1")}
    try:
        parser = create_form_parser(
            headers, on_field=None, on_file=files.append, config={"MAX_MEMORY_FILE_SIZE": max_bytes + 1}
        )
        parser.write(bytes(body))
        parser.finalize()
    except Exception as exc:  # noqa: BLE001 - python-multipart raises several types for malformed bodies
        raise InvalidRequestError(field, f"malformed multipart body ({' '.join(str(exc).split()) or type(exc).__name__})") from None
    sent = [item for item in files if (item.field_name or b"").decode("latin-1") == field]
    if len(sent) > 1:  # the second was ignored without a word (API audit): one well per request
        names = ", ".join((item.file_name or b"upload").decode("utf-8", "replace") for item in sent)
        raise InvalidRequestError(field, f"{len(sent)} files in multipart field '{field}' ({names}); send one well per "
                                         "request (a folder of wells: `welllog predict FOLDER`)")
    if not sent:
        raise InvalidRequestError(field, f"no file in multipart field '{field}' (none sent, or the body was cut short): "
                                         f"upload the LAS or CSV file as '{field}'")
    item = sent[0]
    item.file_object.seek(0)
    data = item.file_object.read()
    name = (item.file_name or b"upload").decode("utf-8", "replace")
    if not data:
        raise WellReadError(name, "the uploaded file is empty; send a LAS or CSV file", field=field)
    if data[:2] == GZIP_MAGIC:  # inflated here, under the upload limit: the library's own cap is 1 GB
        try:
            data = gunzip(data, name, limit=max_bytes)
        except InflatesTooFar as exc:
            raise PayloadTooLargeError(f"{exc}: the upload limit ({max_bytes} bytes) holds for the inflated file too; "
                                       "send a smaller file or raise WELLLOG_MAX_UPLOAD_BYTES", field=field) from None
        except WellReadError as exc:
            exc.field = field  # type: ignore[attr-defined]
            raise
        if data[:2] == GZIP_MAGIC:  # the reader would inflate the inner one again, up to the library's 1 GB: a
            # 177-byte upload became 20 MB against a 1 MB limit (code review). One layer is what a file needs
            raise WellReadError(name, "gzipped twice (a .gz inside a .gz); send the well file gzipped once, or "
                                      "uncompressed", field=field)
    return Upload(filename=name, data=data)
