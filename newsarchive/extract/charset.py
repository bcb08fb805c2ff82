"""Decide the character encoding of a fetched page and decode it.

Order (the first that names a codec Python knows, and that decodes the bytes, wins):

1. byte-order mark (it cannot lie about UTF-8/UTF-16);
2. the HTTP ``Content-Type`` header's ``charset``;
3. ``<meta charset>`` / ``<meta http-equiv="Content-Type" content="...; charset=...">`` in the first 16 KB;
4. detection (``charset-normalizer``), with UTF-8 tried first because most Vietnamese sites use it.

A declared charset that does not decode the bytes (servers often say ISO-8859-1 for UTF-8 pages)
is skipped with a warning. Legacy Vietnamese ``windows-1258`` (cp1258) and ``VISCII`` are real
codecs here; their decomposed tone marks are composed later by NFC.

A page that is *mostly* valid UTF-8 (`mostly_utf8`: a handful of invalid bytes among many valid
multi-byte sequences, as a CMS that cut a string mid-character or pasted one legacy-encoded word
leaves) is UTF-8 whether its UTF-8 is declared or only detected: a legacy guess would turn every
Vietnamese letter of it into mojibake to save a few bytes. The invalid bytes become U+FFFD and a
warning says how many. Text in a legacy charset read as UTF-8 is almost all invalid (its letters are
single high bytes, which UTF-8 never allows alone), so it is never mistaken for it.
"""

from __future__ import annotations

import codecs
import re
from typing import Any, Mapping

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# Labels pages use that Python spells differently (WHATWG maps latin-1 to windows-1252).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "x-user-defined": "cp1252",
    "unicode": "utf-8",
    "utf8": "utf-8",
    "windows-1258": "cp1258",
    "x-viet-vps": "cp1258",
    "viscii": "viscii",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def header_charset(headers: Mapping[str, Any] | None) -> str | None:
    """The charset label of a Content-Type header in a headers mapping (any case, str/bytes, lists)."""
    if not headers:
        return None
    for key, value in headers.items():
        k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if k.lower() != "content-type":
            continue
        if isinstance(value, (list, tuple)):
            value = value[0] if value else ""
        if isinstance(value, bytes):
            value = value.decode("latin-1", "replace")
        m = _HEADER_CHARSET.search(str(value))
        return m.group(1) if m else None
    return None


def decode_html(data: bytes, headers: Mapping[str, Any] | None = None) -> tuple[str, str, list[str]]:
    """Decode page bytes. Returns (text, codec name, warnings)."""
    warnings: list[str] = []
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name, warnings

    candidates: list[tuple[str, str]] = []
    label = header_charset(headers)
    if label:
        candidates.append((label, "HTTP header"))
    m = _META_CHARSET.search(data[:16384])
    if m:
        candidates.append((m.group(1).decode("ascii", "replace"), "meta charset"))

    for label, where in candidates:
        name = _codec(label)
        if name is None:
            warnings.append(f"unknown charset {label!r} declared in {where}; ignored")
            continue
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            if name == "utf-8" and mostly_utf8(data):
                return _as_utf8(data, warnings, f"declared in {where}")
            # A page labelled with a single-byte charset that is really UTF-8 is common.
            if name != "utf-8" and mostly_utf8(data):
                warnings.append(f"charset {label!r} from {where} is wrong: the bytes are UTF-8")
                return _as_utf8(data, warnings)
            warnings.append(f"charset {label!r} from {where} does not decode the page; trying others")
            continue
        if name in ("cp1252", "iso8859-1") and not data.isascii() and mostly_utf8(data):
            warnings.append(f"charset {label!r} from {where} is wrong: the bytes are UTF-8")
            return _as_utf8(data, warnings)
        return text, name, warnings

    if mostly_utf8(data):
        return _as_utf8(data, warnings, "detected")
    name = _detect(data)
    if candidates or not data.isascii():
        warnings.append(f"charset detected as {name}")
    return data.decode(name, errors="replace"), name, warnings


# "Mostly valid UTF-8": at least this many valid multi-byte sequences, and at most one invalid
# sequence for every INVALID_RATIO valid ones.
MIN_MULTIBYTE = 8
INVALID_RATIO = 10


def utf8_counts(data: bytes) -> tuple[int, int]:
    """(valid multi-byte UTF-8 characters, invalid byte sequences) in `data`."""
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    invalid = replaced - data.count(b"\xef\xbf\xbd")     # U+FFFD written in the page is valid
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii - invalid, invalid


def mostly_utf8(data: bytes) -> bool:
    """Valid UTF-8, or UTF-8 with a few invalid bytes among many valid multi-byte characters."""
    if _is_utf8(data):
        return True
    valid, invalid = utf8_counts(data)
    return valid >= MIN_MULTIBYTE and invalid * INVALID_RATIO <= valid


def _as_utf8(data: bytes, warnings: list[str], how: str | None = None) -> tuple[str, str, list[str]]:
    """Decode as UTF-8; invalid bytes become U+FFFD, with a warning saying how many."""
    if not _is_utf8(data):
        _valid, invalid = utf8_counts(data)
        warnings.append(f"{invalid} invalid UTF-8 byte sequence(s) replaced by U+FFFD (UTF-8 "
                        f"{how or 'detected'}; the rest of the page is valid UTF-8)")
    return data.decode("utf-8", errors="replace"), "utf-8", warnings


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # a page cut mid-character still counts as UTF-8
        return exc.start >= len(data) - 3 and exc.reason in ("unexpected end of data",)


def _detect(data: bytes) -> str:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000], cp_isolation=["cp1258", "utf_8", "cp1252", "viscii", "utf_16"]).best()
        if best is not None:
            return _codec(best.encoding) or "cp1258"
    except Exception:  # detection is best effort
        pass
    return "cp1258"
