"""Errors a user can act on.

Every error the CLI and the API show to a person derives from :class:`WelllogError`. Each carries
``exit_code`` (the CLI's exit status) and ``http_status`` (the API's answer) so that the edges turn
it into a one-line message or a 4xx JSON body without a table of special cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping


def unit_fix(mnemonic: str = "MNEM", unit: str = "UNIT") -> str:
    """How to give or correct a curve's unit, in every place a user can do it (CLI, JSON request,
    file upload): one wording for every message that suggests it, so none gives CLI-only advice."""
    return (f"CLI --unit {mnemonic}={unit}; API \"units\": {{\"{mnemonic}\": \"{unit}\"}} "
            f"or upload query unit={mnemonic}={unit}")


def alias_fix(source: str = "SRC", canonical: str = "CANON") -> str:
    """How to map a file's curve onto a canonical one (CLI, JSON request, file upload): see :func:`unit_fix`."""
    return (f"CLI --alias {source}={canonical}; API \"aliases\": {{\"{source}\": \"{canonical}\"}} "
            f"or upload query alias={source}={canonical}")


def brief(exc: BaseException, limit: int = 160) -> str:
    """A library's exception message on one line, for a reason in our own message: whitespace
    collapsed, cut at ``limit`` characters on a word boundary with "…" (a bare slice left
    "… to select a su)" in front of users), the exception's type when it has no message."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


class WelllogError(Exception):
    """Base of all errors meant for the user: the message says what went wrong and what to do."""

    exit_code: int = 1
    http_status: int = 400

    def __str__(self) -> str:  # one line, always
        return " ".join(super().__str__().split())


class WellReadError(WelllogError):
    """A well file (or request payload) cannot be turned into a well: names the source and the reason."""

    exit_code = 2
    http_status = 422

    def __init__(self, source: object, reason: str, field: str | None = None):
        self.source = str(source)
        self.reason = reason
        if field is not None:  # the request field to fix (``depth``, ``units.MNEM``, ...): the API's 4xx body names it
            self.field = field
        super().__init__(f"{self.source}: {reason}")


class MissingCurvesError(WelllogError):
    """A model needs input curves that the well does not have."""

    exit_code = 2
    http_status = 422

    def __init__(self, well: str, missing: Iterable[str], found: Iterable[str], why: Mapping[str, str] | None = None,
                 needed_by: str = "the model"):
        self.well = well
        self.missing = sorted(missing)
        self.found = sorted(found)
        self.why = dict(why or {})  #: curve -> why it is missing although the file has a candidate for it
        because = "".join(f" ({c}: {self.why[c]})" for c in self.missing if c in self.why)
        # a curve the file has but that lost every value (the why says how, and how to fix it) is not
        # one to supply or map: the closing advice is for the curves the file does not have at all
        absent = [c for c in self.missing if c not in self.why]
        advice = (f" Supply {'them' if absent == self.missing else ', '.join(absent)} or map a vendor mnemonic to one "
                  f"({alias_fix()})." if absent else "")
        super().__init__(
            f"{well}: missing input curve(s) {', '.join(self.missing)} needed by {needed_by}{because}; "
            f"found {', '.join(self.found) or 'none'}.{advice}"
        )


class ModelNotFoundError(WelllogError):
    """The requested model name or version is not in the store."""

    exit_code = 2
    http_status = 404


class ModelIntegrityError(WelllogError):
    """A stored artifact does not match the sha256 in its metadata: refuse to load it."""

    exit_code = 1
    http_status = 409


class UsageError(WelllogError):
    """The command or request itself is inconsistent (bad option values, nothing to do)."""

    exit_code = 2
    http_status = 400


def error_code(exc: BaseException) -> str:
    """``MissingCurvesError`` -> ``missing_curves``: stable codes without a lookup table (the API's
    error bodies and the batch report's ``code`` column use the same ones)."""
    if not isinstance(exc, WelllogError):
        return "unexpected"
    name = type(exc).__name__.removesuffix("Error") or "welllog"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
