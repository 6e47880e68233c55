"""Canonical curves: the alias table, units and the RawWell -> Well step (:func:`canonicalise`)."""

from .aliases import AliasTable, base_mnemonic, load_aliases, parse_overrides
from .canonicalise import canonicalise, never_matched, never_matched_message, unmatched_overrides
from .units import conversion, infer_unit, normalise_unit

__all__ = [
    "AliasTable",
    "base_mnemonic",
    "canonicalise",
    "conversion",
    "infer_unit",
    "load_aliases",
    "normalise_unit",
    "never_matched",
    "never_matched_message",
    "parse_overrides",
    "unmatched_overrides",
]
