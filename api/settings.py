"""Runtime configuration of the API, read once from the environment.

A frozen dataclass rather than pydantic-settings: the API needs a handful of values, all from env
variables with documented names, and tests build a :class:`Settings` directly to exercise limits and
the API key without touching ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from welllog.errors import UsageError

#: strict model reference: NAME or NAME:VERSION, never a path (no '/', '..', '\\')
#: NAME or NAME:vN, as the store resolves them (welllog.store.parse_ref)
MODEL_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(:v[0-9]{1,9})?$"


def _default_models_dir() -> Path:
    """The store's own default (``--models-dir`` > WELLLOG_MODELS_DIR > ``models/``)."""
    from welllog.store import default_models_dir

    return Path(default_models_dir())


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(f"environment variable {name}={raw!r} is not an integer; set a whole number") from None
    if value <= 0:
        raise UsageError(f"environment variable {name}={raw!r} must be positive")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the API can be told. Defaults are safe: no CORS, loopback only, bounded requests."""

    models_dir: Path = field(default_factory=_default_models_dir)
    default_model: str = "default"
    api_key: str | None = None  #: when set, every /v1 route needs header X-API-Key
    cors_origins: tuple[str, ...] = ()
    max_upload_bytes: int = 50 * 1024 * 1024  #: LAS/CSV uploads above this -> 413
    max_samples: int = 200_000  #: samples per request above this -> 413
    max_explain_samples: int = 2_000  #: SHAP is costly: cap the samples explained per request
    #: requests doing model work (predict, explain) admitted at once; beyond it 503 + Retry-After, so a
    #: client backs off instead of waiting tens of seconds while health probes starve
    max_in_flight: int = 16
    log_json: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``WELLLOG_*`` variables; keyword overrides (e.g. ``models_dir`` from the CLI) win."""
        env = os.environ if env is None else env
        origins = tuple(o.strip() for o in env.get("WELLLOG_CORS_ORIGINS", "").split(",") if o.strip())
        settings = cls(
            models_dir=Path(env["WELLLOG_MODELS_DIR"]) if env.get("WELLLOG_MODELS_DIR") else _default_models_dir(),
            default_model=env.get("WELLLOG_DEFAULT_MODEL") or "default",
            api_key=env.get("WELLLOG_API_KEY") or None,
            cors_origins=origins,
            max_upload_bytes=_int_env(env, "WELLLOG_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_samples=_int_env(env, "WELLLOG_MAX_SAMPLES", cls.max_samples),
            max_explain_samples=_int_env(env, "WELLLOG_MAX_EXPLAIN_SAMPLES", cls.max_explain_samples),
            max_in_flight=_int_env(env, "WELLLOG_MAX_IN_FLIGHT", cls.max_in_flight),
            log_json=env.get("WELLLOG_LOG_FORMAT", "json").lower() != "text",
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "models_dir" in clean:
            clean["models_dir"] = Path(clean["models_dir"])  # type: ignore[arg-type]
        return replace(settings, **clean)  # type: ignore[arg-type]


def api_key_ok(given: str | None, expected: str | None) -> bool:
    """True when no key is configured or ``given`` matches it (constant-time compare)."""
    if expected is None:
        return True
    return bool(given) and secrets.compare_digest(given.encode(), expected.encode())
