"""Bytes to text without crashing: BOM, strict UTF-8, the HTML's own meta charset, then a detector."""

from __future__ import annotations

import codecs
import re

from .errors import DocumentError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Control bytes other than tab/newline/carriage return/form feed/escape: text almost never has them.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(sample.count(bytes([b])) for b in _CONTROL)
    return controls / len(sample) > 0.05


def _cp1252_byte(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return "\ufffd"


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few stray single-byte characters (a cp1252 quote or accent pasted into a UTF-8 page: the
    commonest "mixed encoding" on the web) decoded byte by byte, or None when the text is not mostly UTF-8.
    Mostly means: at least as many valid multi-byte UTF-8 characters as invalid bytes."""
    text = data.decode("utf-8", errors="surrogateescape")
    invalid = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    valid = sum(1 for ch in text if ord(ch) > 127) - invalid
    if invalid == 0 or valid < invalid:
        return None
    return "".join(_cp1252_byte(ord(ch) - 0xDC00) if "\udc80" <= ch <= "\udcff" else ch for ch in text)


# What Western European text in cp1252 shows beyond ASCII: accented Latin letters and typographic punctuation.
_WESTERN = set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝœŒ’‘“”„–—…«»€£°·•©®™\xa0")


def _western(data: bytes) -> str | None:
    """The text as cp1252 when it reads as Western European text (mostly ASCII letters, and what is not ASCII
    is accented Latin or typographic punctuation), else None. The detector often picks another single-byte code
    page (cp1250, cp1257...) for short or mostly-English text, turning "naïve" into "naďve"; cp1252 is the web's
    legacy default (WHATWG) and the right reading whenever this test passes."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = [ch for ch in text if ch.isalpha()]
    beyond = [ch for ch in text if ord(ch) > 127]
    if not letters or not beyond:
        return None
    ascii_share = sum(ch.isascii() for ch in letters) / len(letters)
    western_share = sum(ch in _WESTERN for ch in beyond) / len(beyond)
    return text if ascii_share >= 0.85 and western_share >= 0.9 else None


def decode_bytes(data: bytes, is_html: bool = False) -> tuple[str, str]:
    """Return (text, encoding used). Raises DocumentError('binary') for data that is not text."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    if _looks_binary(data):
        raise DocumentError("binary", "input looks binary (NUL or control bytes), not text or HTML")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if is_html:
        match = _META_CHARSET.search(data[:8192])
        if match:
            name = match.group(1).decode("ascii", "ignore").lower()
            try:
                codecs.lookup(name)
                return data.decode(name, errors="replace"), name
            except LookupError:
                pass
    mixed = _mostly_utf8(data)
    if mixed is not None:
        return mixed, "utf-8+cp1252"
    western = _western(data[:200_000])
    if western is not None:
        return (western if len(data) <= 200_000 else data.decode("cp1252", errors="replace")), "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        return data.decode(best.encoding, errors="replace"), best.encoding
    return data.decode("cp1252", errors="replace"), "cp1252"
