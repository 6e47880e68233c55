"""The alias table: which file mnemonics may stand for which canonical curve, in what priority.

Why a TOML data file (``aliases.toml``) instead of code: the table is the documented priority
order that users and reviewers read; keeping it as data means one place to extend it. This module
only loads it and answers "which columns of this file are candidates for canonical curve X, best
first". Whether a candidate is *usable* (unit family, values) is decided in
:mod:`welllog.curves.canonicalise`, which has the values.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from welllog.errors import UsageError
from welllog.well import CANONICAL_CURVES

ALIAS_FILE = Path(__file__).with_name("aliases.toml")

_SUFFIX = re.compile(r":\d+$")


def base_mnemonic(mnemonic: str) -> str:
    """Upper-case mnemonic without lasio's ':1'/':2' duplicate suffix, for matching."""
    return _SUFFIX.sub("", str(mnemonic).strip()).upper()


@dataclass(frozen=True)
class AliasTable:
    """Canonical curve -> ordered aliases (priority order) and quantity; plus the never-list."""

    aliases: dict[str, tuple[str, ...]]
    quantity: dict[str, str]
    never: dict[str, str] = field(default_factory=dict)
    #: canonical -> phrases of a curve description that name it ("BULK DENSITY"), and words that veto
    #: a match ("CORRECTION"): the fallback for mnemonics the table does not know (:meth:`described`)
    descriptions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    not_if: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def rank(self, mnemonic: str) -> tuple[str, int] | None:
        """(canonical, rank) for a file mnemonic, None when it is not in the table."""
        base = base_mnemonic(mnemonic)
        for canonical, names in self.aliases.items():
            if base in names:
                return canonical, names.index(base)
        return None

    def never_reason(self, mnemonic: str) -> str | None:
        """Why a mnemonic is deliberately not matched (DRHO, DCAL, ...), or None."""
        return self.never.get(base_mnemonic(mnemonic))

    def candidates(self, canonical: str, columns: Iterable[str]) -> list[str]:
        """Columns that may stand for ``canonical``, best first (alias order, then file order)."""
        names = self.aliases.get(canonical, ())
        found = [(names.index(base_mnemonic(c)), i, c) for i, c in enumerate(columns) if base_mnemonic(c) in names]
        return [c for _, _, c in sorted(found)]

    def known(self, mnemonic: str) -> bool:
        """Is the mnemonic in the table at all (an alias of some curve, or a never-match)?"""
        base = base_mnemonic(mnemonic)
        return base in self.never or any(base in names for names in self.aliases.values())

    def described(self, canonical: str, columns: Iterable[str], descr: Mapping[str, str]) -> list[tuple[str, str]]:
        """(column, phrase) for each column the table does not know whose description names
        ``canonical``, in file order.

        Why: service companies prefix mnemonics with their tool (DLDN, NCNPL, IDID, ACTC in a Kansas
        file) and no table lists them all, but the ~Curve descriptions say "BULK DENSITY",
        "NEUTRON POROSITY (LIMESTONE)", "DEEP INDUCTION". A known mnemonic is never re-read by its
        description (the table, or its never-list, has already decided what it is)."""
        phrases, vetoes = self.descriptions.get(canonical, ()), self.not_if.get(canonical, ())
        found = []
        for column in columns:
            text = _words(descr.get(column, ""))
            if not text or self.known(column) or any(f" {v} " in text for v in vetoes):
                continue
            phrase = next((p for p in phrases if f" {p} " in text), None)
            if phrase is not None:
                found.append((column, phrase))
        return found


def _words(description: str) -> str:
    """' BULK DENSITY ' for '12 Bulk density,': upper case, words only, padded for whole-word search
    (lasio keeps the leading curve number some writers put in the description)."""
    return f" {' '.join(re.sub(r'[^A-Z0-9-]+', ' ', str(description).upper()).split())} "


@lru_cache(maxsize=4)
def load_aliases(path: Path | None = None) -> AliasTable:
    """Load (and validate) the alias table; cached because every well needs it."""
    path = path or ALIAS_FILE
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    aliases: dict[str, tuple[str, ...]] = {}
    quantity: dict[str, str] = {}
    descriptions: dict[str, tuple[str, ...]] = {}
    not_if: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for canonical, entry in raw.get("canonical", {}).items():
        if canonical not in CANONICAL_CURVES:
            raise ValueError(f"{path}: [canonical.{canonical}] is not a canonical curve")
        names = tuple(base_mnemonic(a) for a in entry["aliases"])
        for name in names:  # one mnemonic, one meaning: otherwise priority would be ill-defined
            if name in seen:
                raise ValueError(f"{path}: alias {name} listed for both {seen[name]} and {canonical}")
            seen[name] = canonical
        aliases[canonical] = names
        quantity[canonical] = entry["quantity"]
        descriptions[canonical] = tuple(_words(d).strip() for d in entry.get("descriptions", ()))
        not_if[canonical] = tuple(_words(d).strip() for d in entry.get("not_if", ()))
    never = {base_mnemonic(k): str(v) for k, v in raw.get("never", {}).items()}
    return AliasTable(aliases=aliases, quantity=quantity, never=never, descriptions=descriptions, not_if=not_if)


def parse_overrides(pairs: Iterable[str], what: str = "--alias") -> dict[str, str]:
    """CLI ``SRC=CANON`` / ``MNEM=UNIT`` strings -> dict, with a usable error for a malformed one.

    ``what`` is how the user gave them: a CLI option (``--alias``) or an upload's query parameter
    (``alias``), and the example in the error is written that way."""
    out: dict[str, str] = {}
    for pair in pairs:
        src, sep, dst = pair.partition("=")
        if not sep or not src.strip() or not dst.strip():
            example = "ZDEN=kg/m3" if "unit" in what else "HDRS=RDEP"
            usage = f"{what} {example}" if what.startswith("-") else f"{what}={example}"
            raise UsageError(f"{what} {pair!r}: expected NAME=VALUE, e.g. {usage}")
        src, dst = src.strip(), dst.strip()
        if out.get(src, dst) != dst:  # the last one silently winning lost a curve the user named (API audit)
            raise UsageError(f"{what} {src} given twice ({src}={out[src]}, {src}={dst}): give each curve once")
        out[src] = dst
    if "alias" in what:  # a bad alias is an argument error: before any file is read or output written
        validate_alias_overrides(out)
    return out


def validate_alias_overrides(aliases: Mapping[str, str] | None) -> dict[str, str]:
    """User overrides {SRC: CANON} with CANON checked against the canonical curves, one source per
    canonical curve and one canonical curve per source (mnemonics compare case-blind).

    Why refuse two sources for one curve: only one can be the curve, so the other would be dropped
    quietly (``ZDEN=RHOB`` with ``CNC=RHOB`` lost the neutron and sent the well to the reduced-input model)."""
    out: dict[str, str] = {}
    given: dict[str, str] = {}
    for src, canon in (aliases or {}).items():
        canon_u = str(canon).strip().upper()
        if canon_u not in CANONICAL_CURVES:
            raise UsageError(
                f"alias {src}={canon}: {canon!r} is not a canonical curve; use one of {', '.join(CANONICAL_CURVES)}"
            )
        src_u = str(src).strip().upper()
        if out.get(src_u, canon_u) != canon_u:
            raise UsageError(f"alias {given[src_u]}={out[src_u]} and {src}={canon}: one curve given twice; give each curve once")
        other = next((s for s, c in out.items() if c == canon_u and s != src_u), None)
        if other is not None:
            raise UsageError(f"aliases {given[other]}={canon_u} and {src}={canon_u}: two curves for {canon_u}, which takes one; "
                             "keep the alias of the curve to use")
        out[src_u], given[src_u] = canon_u, str(src).strip()
    return out
