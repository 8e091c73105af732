"""Versions of the Parquet exports: the folder layout, the atomic link swap, pruning and migration.

Atomicity: ``exports/`` is a real folder that holds its own versions, so
``cp -r exports elsewhere/`` copies a readable set (every link in it is relative
and stays inside it)::

    exports/.current -> .versions/v<UTC build time>-<pid>   (the one link that is swapped)
    exports/_manifest.json -> .current/_manifest.json         (one fixed link per top-level entry:
    exports/<table>.parquet -> .current/<table>.parquet        *.parquet, marts/, hive/)
    exports/marts -> .current/marts
    exports/hive -> .current/hive
    exports/.versions/v…/                                     (the linked version and the one before)

A run writes the next version into ``exports/.versions/.staging-<pid>/``, checks
every file (row count and key checksum against the warehouse), writes the
manifest, renames the folder to its version name, adds the fixed link of any
new top-level entry, and then swaps ``.current`` by renaming a new symlink over
it (one atomic rename). Every path a reader opens goes through ``.current``, so
readers see the previous version or the new one, never a mix, even when the
run is killed between any two steps. The linked version and the one before it
are kept (:data:`KEEP_VERSIONS`); older ones, and versions or staging folders of
killed runs, are removed by the next export. An ``exports`` left by an older
build (a link to ``WAREHOUSE_DIR/.exports/v…``, or a plain folder) is replaced by
the new layout in one atomic exchange (Linux renameat2), once.

:func:`etl.export.export_all` writes a version and calls these; readers go through ``.current``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

VERSIONS_DIR = ".versions"  # export versions, inside the exports folder
CURRENT_LINK = ".current"  # the link to the current version, inside the exports folder
LEGACY_VERSIONS_DIR = ".exports"  # where builds before schema 3 kept their versions, next to an `exports` link
KEEP_VERSIONS = 2  # the linked version and the one before it (readers mid-way through a read keep theirs)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def versions_root(exports_dir: Path) -> Path:
    """Where the export versions live: ``<exports>/.versions/``, inside the exports folder."""
    return Path(exports_dir) / VERSIONS_DIR


def current_version(exports_dir: Path) -> Path | None:
    """The version folder ``exports_dir/.current`` points at (None before the first export, or for
    an ``exports`` an older build left: a link to ``.exports/v…`` or a plain folder)."""
    link = Path(exports_dir) / CURRENT_LINK
    if Path(exports_dir).is_symlink() or not link.is_symlink():
        return None
    return (link.parent / os.readlink(link)).resolve()


def _owner_pid(p: Path) -> int | None:
    try:
        return int(p.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return None


def _dead(p: Path) -> bool:
    """True when the process named by ``p``'s ``-<pid>`` suffix is gone (or is this one)."""
    pid = _owner_pid(p)
    return pid is not None and (pid == os.getpid() or not pid_alive(pid))


def _rm(p: Path) -> None:
    if p.is_symlink() or p.is_file():
        p.unlink(missing_ok=True)
    elif p.is_dir():
        shutil.rmtree(p, ignore_errors=True)


def _remove_stale(exports_dir: Path) -> None:
    """What killed exports left: staging folders, half-made links, versions never linked."""
    root = versions_root(exports_dir)
    # prefixes, not glob patterns: the exports folder's own name could hold glob syntax
    candidates = [p for p in (root.iterdir() if root.is_dir() else []) if p.name.startswith(".staging-")]
    candidates += [p for p in (exports_dir.iterdir() if _is_layout(exports_dir) else [])
                   if p.name.startswith(f"{CURRENT_LINK}.tmp-")]
    candidates += [p for p in exports_dir.parent.iterdir() if p.name.startswith(f".{exports_dir.name}.tmp-")]
    for p in candidates:
        if _dead(p):
            _rm(p)
    prune_versions(exports_dir)


def prune_versions(exports_dir: Path, keep: int = KEEP_VERSIONS) -> list[str]:
    """Delete old export versions: keep the linked one and the ``keep - 1`` newest before it.

    A version newer than the linked one is removed only when its builder is
    gone (a live one is between its rename and its link swap). Returns the
    names removed.
    """
    root = versions_root(exports_dir)
    if not root.is_dir():
        return []
    current = current_version(exports_dir)
    versions = sorted((p for p in root.iterdir() if p.is_dir() and p.name.startswith("v")), key=lambda p: p.name)
    if current is not None and current in versions:
        older = [p for p in versions if p.name < current.name]
        newer = [p for p in versions if p.name > current.name and _dead(p)]  # never linked: a killed export
        doomed = older[:max(0, len(older) - (keep - 1))] + newer
    else:
        doomed = [p for p in versions[:max(0, len(versions) - keep)] if _dead(p) or _owner_pid(p) is None]
    for p in doomed:
        shutil.rmtree(p, ignore_errors=True)
    return [p.name for p in doomed]


def _exchange_dirs(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def _version_name() -> str:
    """Sortable by build time; the pid suffix tells a live builder from a dead one."""
    return f"v{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%fZ')}-{os.getpid()}"


def _is_layout(exports_dir: Path) -> bool:
    """True when ``exports_dir`` is a folder of this layout (a real folder holding ``.versions``)."""
    return exports_dir.is_dir() and not exports_dir.is_symlink() and versions_root(exports_dir).is_dir()


def _symlink(target: str, link: Path) -> None:
    try:
        os.symlink(target, link, target_is_directory=not target.endswith((".parquet", ".json")))
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EACCES, errno.ENOSPC, errno.EROFS):
            raise
        raise OSError(exc.errno, f"the exports need symbolic links (Windows: enable Developer Mode): {exc}") from exc


def _entry_links(exports_dir: Path, version: Path) -> None:
    """Give every top-level entry of ``version`` its fixed link ``exports/<name> -> .current/<name>``
    (before the swap: a link the new version adds dangles until the swap, and no manifest names it yet)."""
    for entry in sorted(version.iterdir()):
        link, target = exports_dir / entry.name, f"{CURRENT_LINK}/{entry.name}"
        if link.is_symlink() and os.readlink(link) == target:
            continue
        tmp = exports_dir / f"{CURRENT_LINK}.tmp-{os.getpid()}"
        _rm(tmp)
        _symlink(target, tmp)
        os.replace(tmp, link)


def _drop_dangling_links(exports_dir: Path) -> None:
    """After the swap: remove the fixed links of entries the linked version no longer has."""
    for p in exports_dir.iterdir():
        if p.is_symlink() and os.readlink(p).startswith(f"{CURRENT_LINK}/") and not p.exists():
            p.unlink(missing_ok=True)


def _swap_link(exports_dir: Path, version: Path) -> None:
    """Point ``exports_dir/.current`` at ``version`` in one atomic rename of a symlink."""
    tmp = exports_dir / f"{CURRENT_LINK}.tmp-{os.getpid()}"
    _rm(tmp)
    _symlink(os.path.relpath(version, exports_dir), tmp)
    os.replace(tmp, exports_dir / CURRENT_LINK)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _migrate(exports_dir: Path) -> None:
    """Replace an ``exports`` an older build left (a link to ``WAREHOUSE_DIR/.exports/v…``, or a plain
    folder) by an empty folder of this layout that still shows the old files until the first swap.

    The new folder is made beside it (``.exports.tmp-<pid>``): the old set moved into its
    ``.versions/`` and linked as ``.current``, with its fixed links. Then one atomic exchange
    (Linux renameat2) puts it in place, so a reader never finds ``exports`` missing; without
    renameat2 the name is missing for an instant, once.
    """
    parent = exports_dir.parent
    tmp = parent / f".{exports_dir.name}.tmp-{os.getpid()}"
    _rm(tmp)
    root = versions_root(tmp)
    root.mkdir(parents=True)
    legacy_root = parent / LEGACY_VERSIONS_DIR
    if exports_dir.is_symlink():
        old = (parent / os.readlink(exports_dir)).resolve()
        if old.is_dir():
            # hard links (a copy where they cannot be made): readers that resolved the old link keep theirs
            shutil.copytree(old, root / old.name, copy_function=_link_or_copy)
            _entry_links(tmp, root / old.name)
            _swap_link(tmp, root / old.name)
    elif exports_dir.is_dir():
        keep = root / "v00000000T000000000000Z-legacy"
        shutil.copytree(exports_dir, keep, ignore=shutil.ignore_patterns(".*"), copy_function=_link_or_copy)
        _entry_links(tmp, keep)
        _swap_link(tmp, keep)
    if exports_dir.is_symlink() or exports_dir.exists():
        if _exchange_dirs(tmp, exports_dir):
            _rm(tmp)  # now the old link or folder
        else:
            _rm(exports_dir)
            os.rename(tmp, exports_dir)
    else:
        os.rename(tmp, exports_dir)
    if legacy_root.is_dir() and legacy_root != exports_dir:
        shutil.rmtree(legacy_root, ignore_errors=True)
