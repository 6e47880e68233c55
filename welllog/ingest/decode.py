"""Bytes -> text for well files, whatever encoding the logging company used.

lasio's own detection misnames cp1252 files (cp437) and cannot see UTF-16 without a BOM, so we
decode ourselves and hand lasio text. Order: BOM, UTF-16 without BOM (NUL-byte pattern), strict
UTF-8, chardet when it is confident, then cp1252 (the usual Windows export), then latin-1, which
never fails.
"""

from __future__ import annotations

import codecs

import chardet

from welllog.errors import WellReadError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: chardet guesses below this confidence are ignored (short files give wild guesses)
_CHARDET_MIN_CONFIDENCE = 0.9


def detect_encoding(data: bytes) -> str:
    """Name of the codec that decodes ``data``; never fails (latin-1 is the last resort)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 4:
        # ASCII text in UTF-16 has a NUL in every other byte: which half tells the byte order.
        even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
        return "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    guess = chardet.detect(sample)
    codec = guess.get("encoding")
    if codec and (guess.get("confidence") or 0) >= _CHARDET_MIN_CONFIDENCE and _decodes(data, codec):
        return codec.lower()
    return "cp1252" if _decodes(data, "cp1252") else "latin-1"


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode and normalise line endings; returns (text, encoding). Empty or binary -> WellReadError."""
    if not data.strip():
        raise WellReadError(source, "file is empty")
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise WellReadError(source, f"cannot be decoded as {encoding} text") from None
    if "\x00" in text:
        raise WellReadError(source, "not a LAS or CSV file (binary content)")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.lstrip("\ufeff"), encoding


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
