"""Reading input pages: discovery, hashing, encoding detection, rejection.

Every file under the seeds folder becomes exactly one :class:`SourceFile`,
either ``status='ok'`` with decoded text or ``status='rejected'`` with an
``error`` a person can act on. Nothing is silently skipped: the caller can
always check ``files seen == ok + rejected`` (the asset check
``every_file_accounted`` does). Every file gets its own key (stored path,
partition key), even when two byte-different names read as the same text:
see :func:`file_keys`. What happens to each kind of bad input is listed in
``docs/guarantees.md``.

Encodings are detected from the bytes, never guessed from the file extension:

1. magic numbers of binary formats (PNG, PDF, ZIP/.docx, …) → rejected;
2. byte-order marks (UTF-8, UTF-16, UTF-32);
3. UTF-16 without a BOM (NUL bytes in every other position and a decoding
   that reads as Chinese/ASCII text); otherwise a page with a few stray NUL
   bytes (at most one per 200 bytes, anywhere in the file) has them removed
   and is decoded as below, with a warning in ``error``; more NULs than that
   is binary data → rejected. No NUL (byte or U+0000) is ever kept in ``text``;
4. strict UTF-8; a UTF-8 file cut in the middle of a character keeps what
   precedes the cut; a UTF-8 file with a few stray invalid bytes keeps its
   text with U+FFFD in their place (both with a warning in ``error``);
5. GB18030 (a superset of GBK and GB2312), accepted only when the result reads
   as Chinese text (Big5 bytes also decode as GB18030, into mojibake); a
   GB18030 page with a few damaged bytes keeps its text with U+FFFD in their
   place (with a warning);
6. Big5, CP1252 and charset-normalizer's best guess, under the same
   plausibility test; anything else is rejected with advice.

Limits and their configuration:

- ``MAX_PAGE_MB`` (default 20, ``0`` = no limit): larger files are rejected
  without being read. Parsing costs about 1 s per MB and a real page is
  10–50 KB, so a file of tens of MB is a concatenated dump or a wrong file;
  split it into pages or raise the limit.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from etl.decode import decode_bytes

MAX_PAGE_MB_DEFAULT = 20.0
READ_ATTEMPTS = 3          # a file that changes while read is re-read this many times
_RETRY_PAUSE_SECONDS = 0.2



class SeedsFolderError(FileNotFoundError):
    """SEEDS_DIR is missing or cannot be listed: refuse rather than treat it as empty.

    An empty (but present and readable) folder is a legitimate state and retires
    every page; a missing one (an unmounted volume, a typo in SEEDS_DIR) must not.
    """


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


# ---------------------------------------------------------------- configuration

def max_page_bytes() -> int | None:
    """The page size limit from ``MAX_PAGE_MB`` (MB = 2**20 bytes); None when disabled (0).
    Parsed by ``etl.config.Settings``; a run passes its own Settings' value to :func:`read_files`."""
    from etl.config import current

    return current().max_page_bytes


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= (1 << 20) / 10 else f"{n} bytes"


# ---------------------------------------------------------------- discovery

def _relative_posix(path: Path, seeds_dir: Path) -> str:
    try:
        return Path(path).relative_to(seeds_dir).as_posix()
    except ValueError:
        return Path(path).as_posix()


def relative_path(path: Path, seeds_dir: Path) -> str:
    """``path`` relative to ``seeds_dir`` with forward slashes, always valid UTF-8: the readable name.

    A name that is not valid UTF-8 (e.g. a GBK name from a Windows zip) would
    make the row unstorable; its bytes are decoded as GB18030 when that works,
    else undecodable bytes are written as ``\\xNN``.

    This is a name for people, not a key: two byte-different names can read
    the same (GBK ``中文.txt`` beside UTF-8 ``中文.txt``; the byte 0xFF, shown
    ``\\xff``, beside a name holding the four characters ``\\xff``). The key of
    a file, unique in its folder, comes from :func:`file_keys`.
    """
    rel = _relative_posix(path, seeds_dir)
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        raw = os.fsencode(rel)
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "backslashreplace")


def _tagged(name: str, tag: str) -> str:
    """``name`` with ``tag`` inserted before the extension of its last component (``a/b.txt`` → ``a/b~tag.txt``)."""
    folder, slash, last = name.rpartition("/")
    stem, dot, ext = last.rpartition(".")
    if not dot or not stem or len(ext) > 12:
        stem, dot, ext = last, "", ""
    return f"{folder}{slash}{stem}~{tag}{dot}{ext}"


def file_keys(paths: list[Path], seeds_dir: Path) -> dict[str, Path]:
    """A distinct, stable key for every path (the stored ``path`` and the partition key), in ``paths`` order.

    - A name that is valid UTF-8 is its own key (its relative path): two such
      names with different bytes are different strings, and the keys of
      ordinary names never depend on what else is in the folder.
    - A name that is not valid UTF-8 gets its readable form
      (:func:`relative_path`) when no other file's name reads the same.
    - Otherwise (its readable form is another file's name, or two non-UTF-8
      names read the same) it gets ``~`` and the first 8 hex digits of the
      sha256 of its raw relative-path bytes before its extension:
      ``中文~1a2b3c4d.txt``. The tag depends only on the name's own bytes, so
      it is the same on every run. No string escape can be reserved for this
      (every valid UTF-8 string is a possible file name), so the tagged key is
      checked against every other key and lengthened (16, then 64 digits,
      then a counter) in the unlikely case a real file already has it.

    Same folder contents → same keys. A non-UTF-8 name's key changes only
    when a file whose name reads the same appears or disappears beside it.
    """
    seen: dict[bytes, Path] = {}
    for p in paths:
        seen.setdefault(os.fsencode(_relative_posix(p, seeds_dir)), Path(p))
    by_raw: dict[bytes, str] = {}
    undecodable: list[tuple[bytes, str]] = []
    for raw in sorted(seen):
        try:
            by_raw[raw] = raw.decode("utf-8")
        except UnicodeDecodeError:
            undecodable.append((raw, relative_path(seen[raw], seeds_dir)))
    taken = set(by_raw.values())
    readable_counts: dict[str, int] = {}
    for _, name in undecodable:
        readable_counts[name] = readable_counts.get(name, 0) + 1
    clashing = []
    for raw, name in undecodable:
        if name in taken or readable_counts[name] > 1:
            clashing.append((raw, name))
        else:
            by_raw[raw] = name
            taken.add(name)
    for raw, name in clashing:  # sorted by raw bytes: deterministic
        digest = hashlib.sha256(raw).hexdigest()
        candidates = [_tagged(name, digest[:n]) for n in (8, 16, 64)]
        key = next((c for c in candidates if c not in taken), None)
        counter = 2
        while key is None:
            key = _tagged(name, f"{digest}-{counter}")
            key = None if key in taken else key
            counter += 1
        by_raw[raw] = key
        taken.add(key)
    return {by_raw[raw]: p for raw, p in seen.items()}


def arrived_at(path: Path) -> float:
    """When ``path`` last arrived or changed in the folder: the later of its mtime and ctime.

    ctime counts because a copy that keeps the original mtime (``cp -p``,
    ``rsync -a``) or a rename into the folder still sets it to now. A path
    that cannot be stat'ed counts as just arrived.
    """
    try:
        st = path.lstat()
    except OSError:
        return time.time()
    return max(st.st_mtime, st.st_ctime)


def discover(seeds_dir: Path) -> list[Path]:
    """Every entry below ``seeds_dir`` that is not a folder, nested folders included, sorted.

    Regular files are pages; anything else that sits where a page should (a
    named pipe, a socket, a broken symbolic link, a sub-folder that cannot be
    listed) is listed too, so that it is rejected with a reason instead of
    vanishing. Symbolic links to folders are followed (once: loops are cut).
    Hidden files and folders (``.git``, ``.DS_Store``) are not pages and are
    not listed.

    Raises :class:`SeedsFolderError` when ``seeds_dir`` itself is missing, not a
    folder or cannot be listed.
    """
    seeds_dir = Path(seeds_dir)
    if not seeds_dir.is_dir():
        what = "does not exist" if not seeds_dir.exists() else "is not a folder"
        raise SeedsFolderError(
            f"SEEDS_DIR {seeds_dir} {what}; refusing to treat it as an empty folder (which would retire "
            "every page). Check SEEDS_DIR or the mount.")
    out: list[Path] = []
    visited: set[tuple[int, int]] = set()

    def walk(folder: Path, top: bool) -> None:
        try:
            st = folder.stat()
            key = (st.st_dev, st.st_ino)
            if key in visited:  # a symlink loop, or a second link to a folder already listed
                return
            visited.add(key)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            if top:
                raise SeedsFolderError(f"cannot list SEEDS_DIR {seeds_dir}: {exc.strerror or exc}") from exc
            out.append(folder)  # becomes one rejected row saying the folder cannot be listed
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            p = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows symbolic links
            except OSError:
                is_dir = False
            if is_dir:
                walk(p, False)
            else:
                out.append(p)

    walk(seeds_dir, True)
    return sorted(out, key=lambda p: relative_path(p, seeds_dir))


# ---------------------------------------------------------------- reading
_KINDS = [
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
]


def _rejected(rel: str, now: datetime, error: str, marker: str, size: int = 0,
              modified: datetime | None = None) -> SourceFile:
    """A rejection decided without (complete) content: its file_id is a marker, not a content hash.

    The marker differs from the hash of any content, so once the problem is
    fixed the next run sees a new file_id for the path and reads it again.
    """
    return SourceFile(file_id=sha256_hex(f"{marker}:{rel}".encode()), path=rel, size_bytes=size, encoding=None,
                      text=None, ingested_at=now, status="rejected", error=error, modified_at=modified)


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None)


def _read_bytes(path: Path) -> bytes:
    """One read of the whole file (the seam fault scenarios patch)."""
    with path.open("rb") as fh:
        return fh.read()


def _unreadable_reason(path: Path, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return ("cannot read file: permission denied (the account running the pipeline may not read it; "
                "fix its owner or mode, e.g. chmod a+r)")
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return f"cannot read file: broken symbolic link (points to {os.readlink(path)}, which does not exist)"
        return "cannot read file: it disappeared while the run was reading the folder"
    return f"cannot read file: {exc.strerror or exc.__class__.__name__}"


def read_source_file(path: Path, seeds_dir: Path, now: datetime | None = None, key: str | None = None) -> SourceFile:
    """Read one file into a :class:`SourceFile`; never raises for file problems.

    ``key`` is the file's stored path (from :func:`file_keys`, which keeps
    names that read the same apart); without it, :func:`relative_path`.

    A file whose size or modification time changes while it is read is read
    again (``READ_ATTEMPTS`` times in all); if it never holds still it is
    rejected and picked up by the next run. A file over ``MAX_PAGE_MB`` is
    rejected without being read.
    """
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    path = Path(path)
    rel = key if key is not None else relative_path(path, seeds_dir)
    limit = max_page_bytes()
    size, modified = 0, None
    for attempt in range(READ_ATTEMPTS):
        try:
            st = path.stat()
            size, modified = st.st_size, _utc(st.st_mtime)
            for test, what in _KINDS:
                if test(st.st_mode):
                    if what == "a folder":
                        try:
                            os.scandir(path).close()
                        except OSError as exc:
                            return _rejected(rel, now, f"cannot list folder: {exc.strerror or exc}; its pages "
                                             "are not read until it can be (fix its owner or mode)", "unreadable",
                                             modified=modified)
                    return _rejected(rel, now, f"not a regular file: {what}; only files are read as pages",
                                     "not-a-file", modified=modified)
            if limit is not None and st.st_size > limit:
                return _rejected(
                    rel, now, f"too large: {_mb(st.st_size)} is over the page limit of {_mb(limit)} (MAX_PAGE_MB); "
                    "split it into pages or raise MAX_PAGE_MB", f"too-large:{limit}:{st.st_size}:{st.st_mtime_ns}",
                    st.st_size, _utc(st.st_mtime))
            data = _read_bytes(path)
            st_after = path.stat()
        except OSError as exc:
            return _rejected(rel, now, _unreadable_reason(path, exc), "unreadable", size, modified)
        stable = ((st.st_mtime_ns, st.st_size, st.st_ino) == (st_after.st_mtime_ns, st_after.st_size, st_after.st_ino)
                  and len(data) == st_after.st_size)
        if stable:
            break
        if attempt + 1 < READ_ATTEMPTS:
            time.sleep(_RETRY_PAUSE_SECONDS * (attempt + 1))
    else:
        return _rejected(rel, now, f"file changed while it was being read ({READ_ATTEMPTS} attempts); "
                         "it will be picked up again on the next run", "changing", len(data), _utc(st_after.st_mtime))
    text, encoding, error = decode_bytes(data)
    status = "ok" if text is not None else "rejected"
    return SourceFile(sha256_hex(data), rel, len(data), encoding, text, now, status, error, _utc(st.st_mtime))


def read_all(seeds_dir: Path, now: datetime | None = None) -> list[SourceFile]:
    return [read_source_file(p, seeds_dir, now, key) for key, p in file_keys(discover(seeds_dir), seeds_dir).items()]
