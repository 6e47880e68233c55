"""Blind splits only: whole wells or contiguous depth blocks — never random rows.

Why: log samples a few decimetres apart are nearly identical, so a random row split tests the
model on copies of its training data and reports accuracy and calibration no unseen well will
ever see. Every split here holds out whole wells or one contiguous depth interval.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from welllog.errors import UsageError
from welllog.ingest.paths import well_stem
from welllog.well import Well


def leave_one_well_out(wells: Sequence[Well]) -> Iterator[tuple[list[Well], list[Well]]]:
    """(train, [held-out well]) for every well in turn."""
    wells = list(wells)
    if len(wells) < 2:
        raise UsageError("leave-one-well-out needs at least two wells")
    for i, w in enumerate(wells):
        yield [x for j, x in enumerate(wells) if j != i], [w]


def _matches(well: Well, name: str) -> bool:
    key = name.strip().lower()
    cands = {well.name.lower()}
    if well.source:
        p = Path(well.source)
        cands |= {p.name.lower(), p.stem.lower(), well_stem(p).lower(), str(p).lower()}
    return key in cands


def named_wells(wells: Sequence[Well], names: Sequence[str]) -> tuple[list[Well], list[Well]]:
    """(train, validation) where validation = the wells named (well name, file name or stem)."""
    wells = list(wells)
    names = [names] if isinstance(names, str) else list(names)  # "16_5-3" is one name, not seven
    unknown = [n for n in names if not any(_matches(w, n) for w in wells)]
    if unknown:
        raise UsageError(f"--validate-on {', '.join(unknown)}: no such well among the inputs (a blind well is one of "
                         f"the files given, held out: add its file to the inputs, or give a file stem or well name of "
                         f"these: {', '.join(w.label for w in wells)})")
    test = [w for w in wells if any(_matches(w, n) for n in names)]
    train = [w for w in wells if not any(w is t for t in test)]
    if not train:
        raise UsageError("every input well is a validation well: leave at least one well to train on")
    return train, test


def slice_well(well: Well, start: int, stop: int, name: str | None = None) -> Well:
    """The canonical rows ``start:stop`` of ``well`` as a Well of its own (original view kept)."""
    return replace(
        well,
        name=name or f"{well.name}[{start}:{stop}]",
        data=well.data.iloc[start:stop],
        rows=np.asarray(well.rows)[start:stop],
        qc=None if well.qc is None else well.qc.iloc[start:stop],
        provenance=list(well.provenance),
    )


def depth_blocks(well: Well, n_blocks: int = 4, test_block: int = -1, gap: int = 0) -> tuple[Well, Well]:
    """(train, test) for one well: ``test_block`` of ``n_blocks`` contiguous depth blocks is held out.

    ``gap`` samples on each side of the test block are dropped from training so that rolling
    context features cannot see across the boundary.
    """
    n = len(well.data)
    if n_blocks < 2 or n < 2 * n_blocks:
        raise UsageError(f"{well.label}: cannot cut {n} samples into {n_blocks} depth blocks")
    edges = np.linspace(0, n, n_blocks + 1).astype(int)
    k = test_block % n_blocks
    a, b = int(edges[k]), int(edges[k + 1])
    test = slice_well(well, a, b, f"{well.name}[block {k + 1}/{n_blocks}]")
    keep = np.r_[0 : max(a - gap, 0), min(b + gap, n) : n]
    parts = [x for x in (slice_well(well, 0, max(a - gap, 0)), slice_well(well, min(b + gap, n), n)) if len(x.data)]
    if len(parts) == 1:
        train = replace(parts[0], name=f"{well.name}[train]")
    else:
        train = replace(well, name=f"{well.name}[train]", data=well.data.iloc[keep], rows=np.asarray(well.rows)[keep],
                        qc=None if well.qc is None else well.qc.iloc[keep])
    return train, test


def default_split(wells: Sequence[Well], validate_on: Sequence[str] | None = None, n_blocks: int = 4) -> tuple[list[Well], list[Well]]:
    """The split used by ``train`` / ``compare`` when the user names none.

    * ``validate_on`` given -> those wells are the blind wells;
    * one well -> its deepest quarter (a contiguous depth block) is blind;
    * several wells -> every 4th well (sorted by name, starting with the 4th; at least one) is blind.
    """
    wells = list(wells)
    if validate_on:
        return named_wells(wells, validate_on)
    if len(wells) == 1:
        tr, te = depth_blocks(wells[0], n_blocks=n_blocks, test_block=-1)
        return [tr], [te]
    order = sorted(range(len(wells)), key=lambda i: wells[i].name)
    held = set(order[3::4]) or {order[-1]}
    return [w for i, w in enumerate(wells) if i not in held], [w for i, w in enumerate(wells) if i in held]


def logged_span(well: Well, curve: str) -> tuple[int, int]:
    """Row positions ``[first, last + 1)`` of ``curve``'s finite values in ``well`` (``(0, 0)``: none)."""
    rows = np.flatnonzero(well.data[curve].notna().to_numpy()) if curve in well.data.columns else np.zeros(0, dtype=int)
    return (int(rows[0]), int(rows[-1]) + 1) if len(rows) else (0, 0)


def blind_folds(wells: Sequence[Well], scored: Sequence[Well] | None = None, n_folds: int = 3, gap: int = 0,
                target: str | None = None) -> tuple[list[tuple[list[Well], list[Well]]], str]:
    """Folds for blind calibration, ``([(train, held out), ...], "wells" | "depth blocks")``: whole
    wells when there are >= 3 of them (in name order, every ``n_folds``-th one held out together),
    else contiguous depth blocks with ``gap`` samples left out on each side.

    The held-out pieces come from ``scored`` when given: the same wells, row for row, prepared as
    they are to be scored (the recipe trains on cleaned copies but scores every formation sample).
    With ``target``, only wells that log it are held out, and depth blocks are cut from the
    interval where it is logged; the other wells train every fold whole — the folds of a target
    logged in fewer wells than the rest (DTS: 5 of force2020's 22), which shared folds may never
    score."""
    wells = list(wells)
    scored = wells if scored is None else list(scored)
    k = max(2, int(n_folds))
    held_out = [i for i, w in enumerate(scored) if target is None or w.has(target)]
    if len(held_out) >= 3:
        order = sorted(held_out, key=lambda i: wells[i].name)
        k = min(k, len(order))
        folds = []
        for f in range(k):
            held = set(order[f::k])
            folds.append(([w for i, w in enumerate(wells) if i not in held], [w for i, w in enumerate(scored) if i in held]))
        return folds, "wells"
    folds = []
    for f in range(k):
        train = [w for i, w in enumerate(wells) if i not in held_out]
        test = []
        for i in held_out:
            w, piece = wells[i], scored[i]
            n = len(w.data)
            first, end = logged_span(piece, target) if target is not None else (0, n)
            edges = np.linspace(first, end, k + 1).astype(int)
            a, b = int(edges[f]), int(edges[f + 1])
            test.append(slice_well(piece, a, b))
            for s, e in ((0, a - gap), (b + gap, n)):
                if e - s > 50:
                    train.append(slice_well(w, max(s, 0), min(e, n)))
        folds.append((train, test))
    return folds, "depth blocks"
