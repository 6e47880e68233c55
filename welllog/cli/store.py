"""`welllog models | promote`: the model store on the command line.

Why promotion is a command of its own: `welllog train` adds a version under the name it is given,
and what a service answers with (the API serves ``default``, or ``WELLLOG_DEFAULT_MODEL``) must not
change until a person has compared the new version's blind scores with the one in service and
chosen it. Promoting publishes the chosen version, byte for byte, as the serving name's next version
(:meth:`welllog.store.ModelStore.promote`); rolling back is promoting the older one again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from welllog.errors import UsageError, WelllogError
from welllog.jsonable import jsonable

from .app import app
from .console import result_console
from .modelling import _MODELS_DIR_HELP, _fmt, _store


def _blind_scores(summary: dict[str, Any]) -> str:
    """'blind (wells): DTC RMSE 9.1, cov90 0.88; DTS ...' from the version's recorded validation metrics."""
    metrics = summary.get("metrics") or {}
    parts = [f"{t} RMSE {_fmt(m.get('rmse'))}, cov90 {_fmt(m.get('coverage90'))}" if m.get("n") else f"{t} not logged there"
             for t, m in (metrics.get("overall") or {}).items()]
    if not parts:
        return "no blind scores (train with --validate-on WELL)"
    return f"blind ({', '.join(map(str, metrics.get('validation_wells') or []))}): " + "; ".join(parts)


@app.command("models")
def list_models(
    models_dir: Path | None = typer.Option(None, "--models-dir", help=_MODELS_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the listing as JSON."),
) -> None:
    """List the model store: each name, its latest version (what NAME alone resolves to), where it came from and its blind scores.

    The store cannot know what a running API has loaded (GET /v1/models says, as ``served_version``):
    a version promoted or trained after the API loaded NAME is served only after a reload or a restart,
    so this listing says "latest", never "serves"."""
    store = _store(models_dir)
    unreadable: list[str] = []
    models = store.list_models(unreadable)
    for message in unreadable:
        print(f"warning: {message}", file=sys.stderr, flush=True)
    out = result_console()
    if as_json:
        out.print_json(json.dumps(jsonable({"models_dir": str(store.root), "models": models, "unreadable": unreadable})))
        return
    if not models:
        where = "" if store.root.is_dir() else f" ({'a file, not a folder' if store.root.exists() else 'no such folder'})"
        raise UsageError(f"no model in {store.root}{where}: train one with `welllog train PATH --target DTC --name NAME` "
                         "or pass --models-dir")
    out.print(f"models in {store.root} (latest: what NAME alone resolves to; a running API serves it once loaded, at "
              "start-up or POST /v1/models/reload: GET /v1/models shows its served_version)", highlight=False, soft_wrap=True)
    for m in models:
        origin = f"promoted from {m['promoted_from']}" if m.get("promoted_from") else "trained"
        if m.get("trained_as") and m["trained_as"] != m.get("promoted_from"):
            origin += f", trained as {m['trained_as']}"
        out.print(f"{m['name']}  latest {m['version']} ({origin}; versions {', '.join(m['versions'])})  "
                  f"{m.get('family') or '?'}  {', '.join(m.get('targets') or [])}  created {str(m.get('created_at') or '?')[:16]}",
                  highlight=False, soft_wrap=True)
        out.print(f"    {_blind_scores(m)}", highlight=False, soft_wrap=True)


@app.command()
def promote(
    ref: str = typer.Argument(..., help="NAME:vN (or NAME, its latest) to serve."),
    to: str | None = typer.Option(None, "--to", help="Serving name (default: $WELLLOG_DEFAULT_MODEL, else default — what the API serves)."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help=_MODELS_DIR_HELP),
) -> None:
    """Serve a stored version: copy it, hash-checked, as the next version of the serving name."""
    from welllog.store import serving_name

    store = _store(models_dir)
    target = to or serving_name()
    try:
        before = list(store.metadata(target).get("targets", []))
    except WelllogError:  # the serving name is new (or its latest unreadable): nothing to compare with
        before = []
    version = store.promote(ref, target)
    promoted = store.metadata(f"{target}:{version}")
    out = result_console()
    out.print(f"promoted {promoted['promoted_from']} -> {target}:{version}, now {target}'s latest version; a running API "
              f"serves it from its next load of {target}: POST /v1/models/reload (or a restart) if it has {target} loaded "
              "already, its first request for it otherwise", highlight=False, soft_wrap=True)
    dropped = [t for t in before if t not in promoted.get("targets", [])]
    if dropped:  # clients of the serving name lose a curve they were getting (CLI audit: said nowhere)
        print(f"warning: {target} served {', '.join(before)}; {target}:{version} predicts {', '.join(promoted.get('targets', []))} — "
              f"requests for {', '.join(dropped)} get none after the reload (roll back: welllog promote {target}:<previous version>)",
              file=sys.stderr, flush=True)
