"""The model store: ``models/NAME/VERSION/`` with the fitted bundle and ``metadata.json``.

Why hashes: a model directory can be copied around and edited; the pickle in it must be exactly
the one we wrote, so every artifact's sha256 is recorded in ``metadata.json`` at save time and
checked *before* unpickling (a mismatch raises :class:`ModelIntegrityError`). Only artifacts
written by :meth:`ModelStore.save` are ever loaded — never a user-supplied pickle.

Versions are ``v1``, ``v2``, ... (sorted numerically; ``NAME`` alone = the highest).

Why promotion copies: a service serves ``NAME`` (the API's ``default``), and ``NAME`` alone is the
latest version of it (shared contract). Promoting ``north-sea:v3`` therefore publishes a copy of
its artifacts, byte for byte and hash-checked, as the next version of the serving name with
``promoted_from`` in its metadata. Training under another name never changes what is served; promoting does (once a
running service reloads), and rolling back is promoting the older version again. Nothing is overwritten.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import joblib

from welllog.errors import ModelIntegrityError, ModelNotFoundError, UsageError
from welllog.jsonable import jsonable

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
#: per-name lock file: two trainings or promotions to one name at once take turns picking vN
LOCK_FILE = ".lock"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_VERSION_RE = re.compile(r"^v(\d+)$")
_LIBRARIES = ("welllog", "numpy", "pandas", "scikit-learn", "ngboost", "xgboost", "lightgbm", "shap", "joblib")


def default_models_dir() -> Path:
    """``$WELLLOG_MODELS_DIR`` if set, else ``models/`` (relative to the working directory)."""
    return Path(os.environ.get("WELLLOG_MODELS_DIR") or "models")


def serving_name() -> str:
    """The model name services answer with when a request names none: the name part of
    ``$WELLLOG_DEFAULT_MODEL`` (the API's setting), else ``default``; what ``welllog promote`` publishes to."""
    return str(os.environ.get("WELLLOG_DEFAULT_MODEL") or "default").partition(":")[0]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in _LIBRARIES:
        try:
            out[lib] = importlib_metadata.version(lib)
        except importlib_metadata.PackageNotFoundError:
            pass
    return out


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock_path`` (blocking) across processes.

    Why: two ``welllog train`` / ``promote`` runs adding a version to one name at the same moment
    would otherwise both pick the same ``vN`` and the second would fail at the rename."""
    with open(lock_path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _umask() -> int:
    """The process's umask: from /proc where Linux gives it (``Umask:`` in /proc/self/status),
    else by setting it and back — which for an instant leaves files that another thread of the
    API creates world-writable, so only where there is no other way."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def parse_ref(ref: str) -> tuple[str, str | None]:
    """'NAME' -> (NAME, None); 'NAME:v3' -> (NAME, 'v3')."""
    name, _, version = str(ref).partition(":")
    if not name or not _NAME_RE.match(name) or (version and not _VERSION_RE.match(version)):
        raise UsageError(f"bad model reference {ref!r}: use NAME or NAME:vN (letters, digits, . _ -)")
    return name, version or None


class ModelStore:
    """Save / load / list versioned models under ``models_dir``."""

    def __init__(self, models_dir: str | Path | None = None, label: str | None = None):
        self.root = Path(models_dir) if models_dir is not None else default_models_dir()
        #: how a not-found message names the store: its folder for the CLI, where the user chose it;
        #: a service gives a label, so a client is not told the server's paths
        self.label = label

    # -- listing ------------------------------------------------------------------------------
    def _versions(self, name: str) -> list[str]:
        d = self.root / name
        if not d.is_dir():
            return []
        found = [p.name for p in d.iterdir() if p.is_dir() and _VERSION_RE.match(p.name) and (p / METADATA_FILE).is_file()]
        return sorted(found, key=lambda v: int(v[1:]))

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self._versions(p.name))

    def _not_found(self, ref: str) -> ModelNotFoundError:
        available = []
        for n in self.names():
            available.append(f"{n} ({', '.join(self._versions(n))})")
        listing = "; ".join(available) if available else "none"
        where = self.label or (f"{self.root}" if self.root.is_dir() else
                               f"{self.root} ({'a file, not a model store folder' if self.root.exists() else 'no such folder'})")
        return ModelNotFoundError(f"model {ref!r} not found in {where}; available: {listing}. "
                                  f"Name one of these (API: GET /v1/models lists them), train one with `welllog train ... "
                                  f"--name NAME`, or point to another store (--models-dir / WELLLOG_MODELS_DIR).")

    def _where(self, path: Path) -> str:
        """``path`` for a message: as is for the CLI; under a service's label, relative to the store
        (``the API's model store: ngb/v2/model.joblib``), so a client is not told the server's paths."""
        if not self.label:
            return str(path)
        try:
            return f"{self.label}: {Path(path).relative_to(self.root)}"
        except ValueError:
            return self.label

    def resolve(self, ref: str) -> tuple[str, str]:
        """(name, version) for ``NAME`` (latest) or ``NAME:VERSION``; ModelNotFoundError if absent."""
        name, version = parse_ref(ref)
        versions = self._versions(name)
        if not versions or (version is not None and version not in versions):
            raise self._not_found(ref)
        return name, version or versions[-1]

    def versions(self, name: str, details: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Metadata summaries of every version of ``name``, oldest first; ``details``: further
        metadata keys to include where a version has them (the API's training wells, calibration)."""
        if not self._versions(name):
            raise self._not_found(name)
        return [self._summary(name, v, details) for v in self._versions(name)]

    def list_models(self, unreadable: list[str] | None = None) -> list[dict[str, Any]]:
        """One summary per model name (its latest version) with the list of versions. A name whose
        latest metadata cannot be read is left out — and its error appended to ``unreadable`` when
        given — rather than hiding every other model (CLI audit: one broken file emptied the listing)."""
        out = []
        for n in self.names():
            vs = self._versions(n)
            try:
                s = self._summary(n, vs[-1])
            except ModelIntegrityError as exc:
                if unreadable is not None:
                    unreadable.append(str(exc))
                continue
            s["versions"] = vs
            out.append(s)
        return out

    def _summary(self, name: str, version: str, details: Sequence[str] = ()) -> dict[str, Any]:
        md = self._read_metadata(name, version)
        return {k: md[k] for k in details if md.get(k) is not None} | {
            "name": name,
            "version": version,
            "ref": f"{name}:{version}",
            "family": md.get("family"),
            "targets": md.get("targets", []),
            "inputs": md.get("inputs", []),
            "required_curves": md.get("required_curves", []),
            "created_at": md.get("created_at"),
            "promoted_from": md.get("promoted_from"),
            "trained_as": md.get("trained_as") or md.get("promoted_from"),
            "metrics": md.get("metrics", {}),
        }

    def _read_metadata(self, name: str, version: str) -> dict[str, Any]:
        path = self.root / name / version / METADATA_FILE
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ModelIntegrityError(f"{self._where(path)}: unreadable model metadata ({exc}); retrain or remove this version") from None

    def metadata(self, ref: str) -> dict[str, Any]:
        name, version = self.resolve(ref)
        md = self._read_metadata(name, version)
        md["name"], md["version"], md["ref"] = name, version, f"{name}:{version}"
        return md

    def path(self, ref: str) -> Path:
        name, version = self.resolve(ref)
        return self.root / name / version

    # -- save / load --------------------------------------------------------------------------
    def save(self, model, name: str, metrics: dict[str, Any] | None = None, training_wells: list[dict[str, Any]] | None = None,
             extra: dict[str, Any] | None = None) -> str:
        """Write ``model`` as the next version of ``name``; returns the version (``v1``, ``v2``...).

        Only a fitted model: the newest version is what NAME alone resolves to, so a string or an
        unfitted model saved under the served name would break serving at the next load."""
        from welllog.models.sonic import SonicModel

        if not isinstance(model, SonicModel) or not hasattr(model, "estimators"):
            what = "an unfitted model: fit it first" if isinstance(model, SonicModel) else f"a {type(model).__name__}, not a welllog model"
            raise UsageError(f"cannot save {what} (welllog.models.SonicModel or welllog.recipes.CalibratedSonicModel, fitted)")

        def write(tmp: Path, version: str) -> dict[str, Any]:
            joblib.dump(model, tmp / MODEL_FILE, compress=3)
            md = dict(getattr(model, "metadata", {}) or {})
            md.update(extra or {})
            md["name"], md["version"] = name, version
            if training_wells is not None:
                md["training_wells"] = training_wells
            md["metrics"] = metrics or md.get("metrics", {})
            md["library_versions"] = library_versions()
            md["created_at"] = _now()
            md["artifacts"] = {MODEL_FILE: sha256_file(tmp / MODEL_FILE)}
            return md

        return self._add_version(name, write)

    def promote(self, ref: str, to: str) -> str:
        """Publish ``ref`` (``NAME`` = its latest) as the next version of ``to``; returns that version.

        The artifacts are verified against their recorded sha256 and copied unchanged; the metadata
        is the source's, renamed, with ``promoted_from`` and ``promoted_at`` added.
        """
        name, version = self.resolve(ref)
        source = self.root / name / version
        md = self._read_metadata(name, version)
        self._verify(source, md, f"{name}:{version}")
        if self._versions(to):
            current = self.metadata(to)
            if current.get("artifacts") == md["artifacts"]:
                same = "" if current["ref"] == f"{name}:{version}" else f" (as {current['ref']})"  # not "default:v1 (it is default:v1)"
                raise UsageError(f"{to}'s latest version is already {name}:{version}{same}; nothing to promote")

        def write(tmp: Path, new_version: str) -> dict[str, Any]:
            for fname in md["artifacts"]:
                shutil.copy2(source / fname, tmp / fname)
            # the version it was trained as survives promotions of promotions (a rollback promotes default:v2
            # again: "promoted from default:v2" alone lost which model that was — modeller audit)
            trained_as = md.get("trained_as") or md.get("promoted_from") or f"{name}:{version}"
            return {**md, "name": to, "version": new_version, "promoted_from": f"{name}:{version}", "promoted_at": _now(),
                    "trained_as": trained_as}

        return self._add_version(to, write)

    def check_writable(self, name: str) -> None:
        """Refuse, before any work, a name that cannot be saved or a store that cannot be written:
        training takes minutes, and finding out at save time throws the fitted model away."""
        parse_ref(name)
        if ":" in name:
            raise UsageError(f"model name {name!r} must not contain ':' (a version is added on save: {name.split(':')[0]}:vN)")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"model store {self.root} cannot be created ({exc.strerror or exc}); "
                             "pass a writable --models-dir or set WELLLOG_MODELS_DIR") from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise UsageError(f"model store {self.root} is not writable; pass a writable --models-dir or set WELLLOG_MODELS_DIR")

    def _add_version(self, name: str, write: Callable[[Path, str], dict[str, Any]]) -> str:
        """Next version of ``name``, built in a temporary directory by ``write(tmp, version) -> metadata``
        and renamed into place, so a reader never sees a half-written version."""
        parse_ref(name)
        if ":" in name:
            raise UsageError(f"model name {name!r} must not contain ':'")
        base = self.root / name
        base.mkdir(parents=True, exist_ok=True)
        with _exclusive(base / LOCK_FILE):
            existing = [int(p.name[1:]) for p in base.iterdir() if p.is_dir() and _VERSION_RE.match(p.name)]
            version = f"v{max([0, *existing]) + 1}"
            tmp = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=base))
            tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would hide the version from a server running as another user
            try:
                md = write(tmp, version)
                (tmp / METADATA_FILE).write_text(json.dumps(jsonable(md), indent=2, sort_keys=False))
                tmp.rename(base / version)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        return version

    def _verify(self, directory: Path, md: dict[str, Any], ref: str) -> None:
        """Every artifact present and matching its recorded sha256 (ModelIntegrityError otherwise)."""
        artifacts = md.get("artifacts") or {}
        if MODEL_FILE not in artifacts:
            raise ModelIntegrityError(f"{self._where(directory)}: metadata lists no hash for {MODEL_FILE}; refusing to load it")
        for fname, digest in artifacts.items():
            p = directory / fname
            if not p.is_file():
                raise ModelIntegrityError(f"{self._where(p)}: artifact missing; retrain or restore model {ref}")
            actual = sha256_file(p)
            if actual != digest:
                raise ModelIntegrityError(f"{self._where(p)}: sha256 {actual[:12]}... does not match metadata {str(digest)[:12]}...; "
                                          f"the artifact was modified - refusing to load model {ref}")

    def verify(self, ref: str) -> None:
        """Check ``ref``'s artifacts against their recorded sha256 without loading them (a batch checks
        once, before any well, rather than failing every well on the same tampered file)."""
        name, version = self.resolve(ref)
        self._verify(self.root / name / version, self._read_metadata(name, version), f"{name}:{version}")

    def load(self, ref: str):
        """The :class:`SonicModel` for ``NAME`` (latest) or ``NAME:VERSION``, after verifying sha256."""
        name, version = self.resolve(ref)
        d = self.root / name / version
        md = self._read_metadata(name, version)
        self._verify(d, md, f"{name}:{version}")
        model = joblib.load(d / MODEL_FILE)
        model.metadata = dict(model.metadata or {}) | {"name": name, "version": version, "ref": f"{name}:{version}",
                                                        "metrics": md.get("metrics", {}), "created_at": md.get("created_at")}
        return model
