"""Publish the staging database as the read-only snapshot readers open.

Runs write to ``staging/warehouse.duckdb``. Publishing checkpoints it (so the
file holds every committed change and no WAL is needed), copies it next to the
published file under a temporary name, fsyncs, and renames it over
``warehouse.duckdb``. A reader that has the old snapshot open keeps reading the
old file (POSIX rename semantics) and sees the new data when it reconnects; no
run ever opens the published file for writing, so a reader can never make a
run fail with a lock error.

The published file is never read here, only replaced: a damaged one (garbage,
cut short, a stray WAL beside it) is simply overwritten by the next publish.

While a damaged staging database is being rebuilt (``etl.warehouse``: the
rebuild marker is there), a publish first checks that the rebuilt database is
complete (every page read is cleaned, every article modeled) and refuses
otherwise, so readers keep the last good snapshot rather than a half-rebuilt
one; the first publish of a complete rebuild clears the marker.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb

from etl.export import pid_alive
from etl.warehouse import DatabaseDamagedError, connect, read_rebuild_marker, rebuild_marker


class IncompleteRebuildError(RuntimeError):
    """The staging database is being rebuilt and does not yet hold every layer: not published."""


def rebuild_gaps(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """What a rebuilt staging database still lacks compared with a complete build ([] = nothing)."""
    gaps = []
    pages = conn.execute(
        "SELECT count(DISTINCT file_id) FROM raw.source_files WHERE status = 'ok' "
        "AND file_id NOT IN (SELECT file_id FROM cleaned.pages)").fetchone()[0]
    if pages:
        gaps.append(f"{pages} page(s) of raw.source_files not yet in cleaned.pages")
    articles = conn.execute(
        "SELECT count(*) FROM cleaned.articles WHERE article_id NOT IN "
        "(SELECT article_id FROM modeled.fact_articles)").fetchone()[0]
    if articles:
        gaps.append(f"{articles} article(s) of cleaned.articles not yet in modeled.fact_articles")
    return gaps


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
    rebuilding = read_rebuild_marker(staging)
    try:
        with connect(staging) as conn:
            if rebuilding is not None:
                gaps = rebuild_gaps(conn)
                if gaps or not rebuilding.get("seeds_reread"):
                    raise IncompleteRebuildError(
                        f"not publishing: the staging database {staging} is being rebuilt after it was found "
                        f"damaged ({rebuilding.get('set_aside', 'set aside')}) and is not complete yet: "
                        f"{'; '.join(gaps) or 'the seeds have not been re-read'}. {published.name} stays as "
                        "the last publish left it; the next run completes the rebuild and publishes it.")
            conn.execute("CHECKPOINT")
    except DatabaseDamagedError as exc:
        raise DatabaseDamagedError(staging, (
            f"{exc.detail}. Not published: {published.name} stays as the last publish left it. The staging "
            "database is derived from the seeds: the next run moves it aside and rebuilds it")) from exc
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
    if rebuilding is not None:  # the rebuilt database is published: the rebuild is over
        rebuild_marker(staging).unlink(missing_ok=True)
    return {
        "bytes": published.stat().st_size,
        "seconds": round(time.perf_counter() - started, 3),
        "swap_seconds": round(swap_seconds, 6),
    }
