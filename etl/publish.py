"""Publish the staging database as the read-only snapshot readers open.

Runs write to ``staging/warehouse.duckdb``. Publishing checkpoints it (so the
file holds every committed change and no WAL is needed), copies it next to the
published file under a temporary name, fsyncs, and renames it over
``warehouse.duckdb``. A reader that has the old snapshot open keeps reading the
old file (POSIX rename semantics) and sees the new data when it reconnects; no
run ever opens the published file for writing, so a reader can never make a
run fail with a lock error.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from etl.export import pid_alive
from etl.warehouse import connect


def remove_stale_copies(published: Path) -> list[str]:
    """Temporary copies left by runs killed while publishing (their process is gone)."""
    removed = []
    for p in published.parent.glob(f".{published.name}.tmp-*"):
        try:
            pid = int(p.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        if pid != os.getpid() and pid_alive(pid):
            continue
        p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed


def publish_snapshot(staging: Path, published: Path) -> dict:
    started = time.perf_counter()
    remove_stale_copies(published)
    with connect(staging) as conn:
        conn.execute("CHECKPOINT")
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(f".{published.name}.tmp-{os.getpid()}")
    try:
        shutil.copyfile(staging, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        swap_started = time.perf_counter()
        os.replace(tmp, published)
        swap_seconds = time.perf_counter() - swap_started
    finally:
        if tmp.exists():
            tmp.unlink()
    stale_wal = published.with_name(published.name + ".wal")
    if stale_wal.exists():  # a WAL left by someone who opened the snapshot read-write
        stale_wal.unlink()
    return {
        "bytes": published.stat().st_size,
        "seconds": round(time.perf_counter() - started, 3),
        "swap_seconds": round(swap_seconds, 6),
    }
