"""Decoding a page's bytes: magic numbers of non-text formats, BOMs, UTF-8/UTF-16/GB18030 with stray
bytes, and a plausibility test for Chinese text (charset_normalizer as the last resort).
:func:`decode_bytes` is what ``etl.ingest`` calls; see docs/guarantees.md for each outcome."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Magic numbers of formats that turn up in scraped folders. Checked before any
# text decoding so that "a PNG renamed to .txt" is reported as such.
_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "PNG image data"),
    (b"\xff\xd8\xff", "JPEG image data"),
    (b"GIF87a", "GIF image data"),
    (b"GIF89a", "GIF image data"),
    (b"II*\x00", "TIFF image data"),
    (b"MM\x00*", "TIFF image data"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (e.g. .docx/.xlsx)"),
    (b"PK\x05\x06", "ZIP archive (empty)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 document (e.g. .doc/.xls)"),
    (b"{\\rtf", "RTF document (save it as plain text)"),
    (b"\x1f\x8b", "gzip compressed data"),
    (b"(\xb5/\xfd", "zstd compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "7-zip archive"),
    (b"Rar!", "RAR archive"),
    (b"\x7fELF", "ELF executable"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"PAR1", "Parquet file"),
]

_BOMS: list[tuple[bytes, str]] = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]

# a decoding is accepted when this share of its non-ASCII characters is plausible in Chinese text
_PLAUSIBLE_MIN = 0.9
_SAMPLE_CHARS = 1 << 20    # plausibility and control-character ratios look at the first 1M characters


def _printable_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\n\r\t\f") or ch == "\ufffd")
    return 1.0 - bad / len(text)


def _plausible(o: int) -> bool:
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2FFFF  # hanzi
            or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or 0x3200 <= o <= 0x32FF  # CJK punct., full-width
            or 0x2000 <= o <= 0x206F or 0x2100 <= o <= 0x21FF or 0x2460 <= o <= 0x24FF  # punct., ①, Ⅱ, arrows
            or 0x2500 <= o <= 0x27BF                                                     # boxes, shapes, ★
            or o in (0xA0, 0xB0, 0xB1, 0xB7, 0xD7, 0xF7, 0xFFFD))


def plausible_ratio(text: str) -> float:
    """Share of non-ASCII characters that belong in Chinese news text (1.0 when there are none).

    Hanzi, CJK and general punctuation, full-width forms, circled numbers and
    common symbols count; kana, Cyrillic, Greek, private-use code points and
    the like (what Big5 read as GB18030 turns into) do not. Accented Latin
    letters count only while they are sparse (under a fifth of all
    characters, as in Western text): a Chinese page read through a
    single-byte code page turns into nothing but accented letters.
    """
    sample = text[:_SAMPLE_CHARS]
    n = ok = latin = 0
    for ch in sample:
        o = ord(ch)
        if o < 0x80:
            continue
        n += 1
        if _plausible(o):
            ok += 1
        elif 0xC0 <= o <= 0x24F or o in (0xA9, 0xAE, 0xA3, 0xA5, 0xAB, 0xBB):
            latin += 1
    if latin and latin < 0.2 * len(sample):
        ok += latin
    return ok / n if n else 1.0


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a byte-order mark: the decoding (LE or BE) that reads as text, else None."""
    body = data[: len(data) - len(data) % 2]
    best: tuple[float, str] | None = None
    for enc in ("utf-16-le", "utf-16-be"):
        try:  # judge a sample; the incremental decoder tolerates a pair cut at its end
            sample = codecs.getincrementaldecoder(enc)().decode(body[: 2 * _SAMPLE_CHARS], final=False)
        except UnicodeDecodeError:
            continue
        score = min(plausible_ratio(sample), _printable_ratio(sample))
        if score >= 0.95 and (best is None or score > best[0]):
            best = (score, enc)
    if best is None:
        return None
    try:
        return body.decode(best[1]), best[1]
    except UnicodeDecodeError:
        return None


_SURROGATE_ESCAPE = re.compile("[\udc80-\udcff]")


def _utf8_with_stray_bytes(data: bytes) -> tuple[str, int, int] | None:
    """(text, bad byte count, first bad offset) for UTF-8 with a few invalid bytes, else None.

    Accepted only when the file is clearly UTF-8 otherwise: at most one bad
    byte per 200 and ten valid multi-byte characters for each bad byte (a
    GB18030 page has a bad byte in nearly every character).
    """
    head = data[:65536]  # cheap early exit for pages in another encoding
    if len(_SURROGATE_ESCAPE.findall(head.decode("utf-8", "surrogateescape"))) > max(1, len(head) // 200) + 3:
        return None
    text = data.decode("utf-8", "surrogateescape")
    bad = len(_SURROGATE_ESCAPE.findall(text))
    if not bad or bad > _stray_limit(len(data)):
        return None
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - bad
    if multibyte < 10 * bad:
        return None
    first = _SURROGATE_ESCAPE.search(text).start()
    return _SURROGATE_ESCAPE.sub("\ufffd", text), bad, len(text[:first].encode("utf-8"))


def _stray_limit(n: int) -> int:
    """How many stray bytes (invalid UTF-8, NUL) a page of ``n`` bytes may have and still count as text."""
    return max(1, n // 200)


def decode_bytes(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Return ``(text, encoding, error)``; ``text`` is None when rejected.

    ``error`` may be set alongside text for a recoverable problem (a file cut
    in the middle of a UTF-8 sequence keeps everything before the cut; stray
    NUL bytes were removed). ``text`` never contains NUL (U+0000), wherever
    the NULs were in the file.
    """
    text, encoding, error = _decode(data)
    if text is not None and "\x00" in text:  # U+0000 decoded from UTF-16/32 code units of zero
        n = text.count("\x00")
        text = text.replace("\x00", "")
        if not text.strip():
            return None, encoding, "no text: file holds only whitespace and NUL characters"
        note = f"{n} NUL character(s) (U+0000) removed"
        error = f"{error}; {note}" if error else note
    return text, encoding, error


def _decode(data: bytes) -> tuple[str | None, str | None, str | None]:
    if len(data) == 0:
        return None, None, "empty file (0 bytes)"
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return None, None, f"not text: looks like {what}"
    for bom, enc in _BOMS:
        if data.startswith(bom):
            codec = enc.removesuffix("-sig")
            body = data[len(bom):]
            try:
                text = body.decode(codec)
            except UnicodeDecodeError as exc:
                if exc.reason == "truncated data" and exc.end == len(body):
                    t, e, err = _finish(body[: exc.start].decode(codec), enc)
                    if t is not None:
                        return t, e, (f"file ends in the middle of a {codec.upper()} character; "
                                      f"{len(body) - exc.start} trailing byte(s) dropped")
                    return t, e, err
                return None, enc, (f"undecodable {enc} despite its byte-order mark: {exc.reason} "
                                   f"at byte {exc.start + len(bom)}")
            return _finish(text, enc)
    nuls = data.count(b"\x00")
    if nuls:  # wherever they are: UTF-16 without a BOM, a text page with a few stray NULs, or binary data
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return _finish(*utf16)
        if nuls <= _stray_limit(len(data)):
            text, enc, err = _decode_no_nul(data.replace(b"\x00", b""))
            if text is not None:
                note = f"{nuls} NUL byte(s) removed (first at byte {data.index(0)}); the rest of the page is intact"
                return text, enc, note + (f"; {err} (offset counted without the NULs)" if err else "")
        return None, None, ("not text: contains NUL bytes (binary data, or UTF-16/32 text that does not "
                            "read as Chinese or ASCII)")
    return _decode_no_nul(data)


def _decode_no_nul(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Decode bytes without BOM, magic number or NUL: UTF-8 (whole, cut, stray bytes), GB18030, other guesses."""
    try:
        return _finish(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        # Truncated in the middle of a multi-byte sequence: only the tail is bad.
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            t, enc, err = _finish(data[: exc.start].decode("utf-8"), "utf-8")
            if t is not None:
                return t, enc, (f"file ends in the middle of a UTF-8 character; "
                                f"{len(data) - exc.start} trailing byte(s) dropped")
            return t, enc, err
    stray = _utf8_with_stray_bytes(data)
    if stray is not None:
        text, bad, first = stray
        t, enc, err = _finish(text, "utf-8")
        if t is not None:
            return t, enc, (f"{bad} byte(s) that are not valid UTF-8 replaced by U+FFFD (first at byte {first}); "
                            "the rest of the page is intact")
        return t, enc, err
    gb = _decode_gb18030(data)
    if gb is not None:
        text, warning = gb
        if plausible_ratio(text) >= _PLAUSIBLE_MIN:
            t, enc, err = _finish(text, "gb18030")
            return t, enc, err if t is None else warning
    damaged = _gb18030_with_stray_bytes(data) if gb is None else None
    if damaged is not None:
        text, bad, first = damaged
        t, enc, err = _finish(text, "gb18030")
        if t is not None:
            return t, enc, (f"{bad} byte sequence(s) that are not valid GB18030 replaced by U+FFFD (first at byte "
                            f"{first}); the rest of the page is intact")
        return t, enc, err
    candidates: list[tuple[float, str, str]] = []
    if gb is not None:
        candidates.append((plausible_ratio(gb[0]), "gb18030", gb[0]))
    guesses = ["big5", "big5hkscs", "cp1252"]
    best = from_bytes(data[: 1 << 20]).best()
    if best is not None and best.encoding and best.encoding not in guesses:
        guesses.append(best.encoding)
    for enc in guesses:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        candidates.append((plausible_ratio(text), enc, text))
    candidates.sort(key=lambda c: -c[0])  # stable: on a tie the earlier guess wins
    if candidates and candidates[0][0] >= _PLAUSIBLE_MIN:
        return _finish(candidates[0][2], candidates[0][1])
    if candidates:
        score, enc, _ = candidates[0]
        return None, None, (f"not text: no encoding reads it as Chinese or ASCII text (best guess {enc}: only "
                            f"{score:.0%} of its non-ASCII characters are plausible); if it is text, save it as UTF-8")
    return None, None, "not text: bytes are not valid UTF-8, UTF-16, GB18030 or any encoding charset-normalizer recognises"


def _gb18030_with_stray_bytes(data: bytes) -> tuple[str, int, int] | None:
    """(text, bad sequences, first bad offset) for a GB18030 page with a few damaged bytes, else None."""
    try:
        data.decode("gb18030")
        return None
    except UnicodeDecodeError as exc:
        first = exc.start
    text = data.decode("gb18030", "replace")
    bad = text.count("\ufffd")
    if bad > max(1, len(data) // 500) or plausible_ratio(text.replace("\ufffd", "")) < _PLAUSIBLE_MIN:
        return None
    non_ascii = len(text) - len(text.encode("ascii", "ignore")) - bad
    if non_ascii < 10 * bad:
        return None
    return text, bad, first


def _decode_gb18030(data: bytes) -> tuple[str, str | None] | None:
    try:
        return data.decode("gb18030"), None
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.end == len(data):
            try:
                return data[: exc.start].decode("gb18030"), (
                    f"file ends in the middle of a GB18030 character; {len(data) - exc.start} trailing byte(s) dropped")
            except UnicodeDecodeError:
                return None
        return None


def _finish(text: str, encoding: str) -> tuple[str | None, str | None, str | None]:
    if not text.strip():
        return None, encoding, "no text: file holds only whitespace"
    if _printable_ratio(text[:200_000]) < 0.95:
        return None, encoding, f"not text: decodes as {encoding} but is mostly control characters"
    return text, encoding, None
