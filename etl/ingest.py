"""Reading input pages: discovery, hashing, encoding detection, rejection.

Every file under the seeds folder becomes exactly one :class:`SourceFile`,
either ``status='ok'`` with decoded text or ``status='rejected'`` with an
``error`` a person can act on. Nothing is silently skipped: the caller can
always check ``files seen == ok + rejected``.

Encodings are detected from the bytes (BOMs, strict UTF-8, then GB18030 and
charset-normalizer), never guessed from the file extension.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from charset_normalizer import from_bytes

# Magic numbers of formats that turn up in scraped folders. Checked before any
# text decoding so that "a PNG renamed to .txt" is reported as such.
_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "PNG image data"),
    (b"\xff\xd8\xff", "JPEG image data"),
    (b"GIF87a", "GIF image data"),
    (b"GIF89a", "GIF image data"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (e.g. .docx/.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 document (e.g. .doc/.xls)"),
    (b"\x1f\x8b", "gzip compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "7-zip archive"),
    (b"Rar!", "RAR archive"),
    (b"\x7fELF", "ELF executable"),
    (b"SQLite format 3\x00", "SQLite database"),
]

_BOMS: list[tuple[bytes, str]] = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]


@dataclass
class SourceFile:
    file_id: str
    path: str
    size_bytes: int
    encoding: str | None
    text: str | None
    ingested_at: datetime
    status: str  # 'ok' | 'rejected'
    error: str | None
    modified_at: datetime | None = None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discover(seeds_dir: Path) -> list[Path]:
    """All regular files below ``seeds_dir`` (nested folders included), sorted.

    Hidden files and folders (``.git``, ``.DS_Store``) are not pages and are
    not listed.
    """
    out: list[Path] = []
    if not seeds_dir.exists():
        return out
    for root, dirs, files in os.walk(seeds_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            p = Path(root) / name
            if p.is_file():
                out.append(p)
    return sorted(out, key=lambda p: p.relative_to(seeds_dir).as_posix())


def _printable_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\n\r\t\f") or ch == "\ufffd")
    return 1.0 - bad / len(text)


def decode_bytes(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Return ``(text, encoding, error)``; ``text`` is None when rejected.

    ``error`` may be set alongside text for a recoverable problem (a file cut
    in the middle of a UTF-8 sequence keeps everything before the cut).
    """
    if len(data) == 0:
        return None, None, "empty file (0 bytes)"
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return None, None, f"not text: looks like {what}"
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(enc.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                return None, enc, f"undecodable {enc} despite its byte-order mark: {exc.reason} at byte {exc.start}"
            return _finish(text, enc)
    if b"\x00" in data[:4096]:
        return None, None, "not text: contains NUL bytes (binary data or UTF-16 without a byte-order mark)"
    try:
        return _finish(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        # Truncated in the middle of a multi-byte sequence: only the tail is bad.
        if exc.start >= len(data) - 3 and exc.reason in ("unexpected end of data",):
            text = data[: exc.start].decode("utf-8")
            t, enc, err = _finish(text, "utf-8")
            if t is not None:
                return t, enc, f"file ends in the middle of a UTF-8 character; {len(data) - exc.start} trailing byte(s) dropped"
            return t, enc, err
    try:
        return _finish(data.decode("gb18030"), "gb18030")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[: 1 << 20]).best()
    if best is not None and best.encoding:
        try:
            return _finish(data.decode(best.encoding), best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return None, None, "not text: bytes are not valid UTF-8, UTF-16, GB18030 or any encoding charset-normalizer recognises"


def _finish(text: str, encoding: str) -> tuple[str | None, str | None, str | None]:
    if not text.strip():
        return None, encoding, "no text: file holds only whitespace"
    if _printable_ratio(text[:200_000]) < 0.95:
        return None, encoding, f"not text: decodes as {encoding} but is mostly control characters"
    return text, encoding, None


def read_source_file(path: Path, seeds_dir: Path, now: datetime | None = None) -> SourceFile:
    """Read one file into a :class:`SourceFile`; never raises for file problems."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    try:
        rel = path.relative_to(seeds_dir).as_posix()
    except ValueError:
        rel = path.as_posix()
    try:
        st = path.stat()
        with path.open("rb") as fh:
            data = fh.read()
        st_after = path.stat()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return SourceFile(
            file_id=sha256_hex(f"unreadable:{rel}".encode()),
            path=rel, size_bytes=0, encoding=None, text=None, ingested_at=now,
            status="rejected", error=f"cannot read file: {reason}",
        )
    modified = datetime.fromtimestamp(st.st_mtime, timezone.utc).replace(tzinfo=None)
    file_id = sha256_hex(data)
    if (st_after.st_mtime_ns, st_after.st_size) != (st.st_mtime_ns, st.st_size) or len(data) != st_after.st_size:
        return SourceFile(file_id, rel, len(data), None, None, now, "rejected",
                          "file changed while it was being read; it will be picked up again on the next run", modified)
    text, encoding, error = decode_bytes(data)
    status = "ok" if text is not None else "rejected"
    return SourceFile(file_id, rel, len(data), encoding, text, now, status, error, modified)


def read_all(seeds_dir: Path, now: datetime | None = None) -> list[SourceFile]:
    return [read_source_file(p, seeds_dir, now) for p in discover(seeds_dir)]
