"""The two storage backends behind one interface: where a run's connection goes, how the schema is
made, what publishing means, which files a step may write, and how the summary reads the result.

- :class:`EmbeddedBackend` (``embedded``, the default): one DuckDB file per warehouse. Runs write
  ``WAREHOUSE_DIR/staging/warehouse.duckdb``; publishing copies it to ``warehouse.duckdb``, the
  read-only snapshot analysts open. One process writes the file at a time: every connection a step
  opens holds the staging file's writer lock (a POSIX lock on ``.cache/staging.writer.lock``, so a killed
  step never leaves it taken), whichever Dagster pool the step is in.
- :class:`LakeBackend` (``ducklake``): the same tables in a DuckLake (``etl/lake.py``); runs over
  different files write at once, each step only its own files (:meth:`Backend.write_scope`), and
  publishing records the lake snapshot the blocking checks read.

The backend is a setting (``WAREHOUSE_BACKEND``, or the warehouse resource's ``backend`` field for
one run, in the launchpad); :func:`backend_for` turns Settings into the object. No Dagster import.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from contextlib import ExitStack, contextmanager, nullcontext
from typing import Callable, ClassVar, Iterator, Sequence

import duckdb

from etl import lake, publication
from etl.config import Settings
from etl.publish import publish_snapshot
from etl.raw import sync_source_files
from etl.warehouse import (
    DatabaseDamagedError,
    _write_durably,
    connect,
    cut_short,
    damage_found_marker,
    ensure_schema,
    is_damage_error,
    read_rebuild_marker,
    rebuild_marker,
    set_aside_damaged,
)

log = logging.getLogger("etl.warehouse")

Warn = Callable[[str], None]
Audit = Callable[[duckdb.DuckDBPyConnection], "tuple[int, list[str]]"]


class Backend:
    """What differs between the backends; everything else is the same SQL on either."""

    name: ClassVar[str]
    # DuckLake has no PRIMARY KEY/UNIQUE constraints: the blocking key checks enforce uniqueness there
    enforces_keys: ClassVar[bool]

    def __init__(self, settings: Settings):
        self.settings = settings

    def connect(self, read_only: bool = False, warn: Warn | None = None):
        """A short connection to the database runs write (a context manager)."""
        raise NotImplementedError

    @contextmanager
    def session(self, read_only: bool = False, warn: Warn | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """:meth:`connect` with the schema in place (created or upgraded on first use)."""
        with self.connect(read_only=read_only, warn=warn) as conn:
            if not read_only:
                ensure_schema(conn)
            yield conn

    def write_scope(self, run_keys: Sequence[str] | None) -> list[str] | None:
        """The files a partitioned step may write: None = every file (the single writer also heals
        leftovers of other runs), or the run's own files when other runs write at the same time."""
        return None

    def publish(self, conn: duckdb.DuckDBPyConnection, audit: Audit | None = None, run_id: str | None = None) -> dict:
        """Make what ``conn`` holds the published state; returns facts for the run log. ``audit(conn)``
        runs the blocking checks and returns (checks run, failures); the lake runs it at the snapshot it
        publishes (other hosts may commit between the check steps and this one)."""
        raise NotImplementedError

    @contextmanager
    def published_view(self, conn: duckdb.DuckDBPyConnection, info: dict) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection that reads exactly what :meth:`publish` (returning ``info``) published, for the
        exports: ``conn`` itself on the embedded backend (its writer lock still held)."""
        yield conn

    @contextmanager
    def pinned(self, conn: duckdb.DuckDBPyConnection) -> Iterator[int | None]:
        """Run the queries inside on one snapshot; yields its id (None: the embedded file, whose reader
        holds the writer lock, so nothing changes under it anyway)."""
        yield None

    def reader(self):
        """A read-only connection to the published state (a context manager), for the summary."""
        raise NotImplementedError

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) lines naming where the data is, for the run summary."""
        raise NotImplementedError


_staging_holds: dict[str, int] = {}
_staging_guard = threading.RLock()


@contextmanager
def _staging_writer_lock(settings: Settings) -> Iterator[None]:
    """The staging file's writer lock, re-entrant within a process (a step's connection and the
    publish's copy of the same file share DuckDB's database instance)."""
    path = settings.staging_db_path
    key = str(path)
    with _staging_guard:
        if _staging_holds.get(key):
            _staging_holds[key] += 1
            try:
                yield
            finally:
                _staging_holds[key] -= 1
            return
        lock_path = settings.cache_dir / "staging.writer.lock"  # beside, not in, staging/ (kept as DuckDB left it)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        # a POSIX record lock, not flock: it belongs to this process only, so the worker processes a
        # step forks never inherit it, and it ends with the process (a SIGKILLed step never leaves it)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)
            _staging_holds[key] = 1
            try:
                yield
            finally:
                _staging_holds[key] = 0
                fcntl.lockf(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class EmbeddedBackend(Backend):
    name = "embedded"
    enforces_keys = True

    @contextmanager
    def connect(self, read_only: bool = False, warn: Warn | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        warn = warn or log.warning
        with _staging_writer_lock(self.settings):
            if read_only and not self.settings.staging_db_path.exists():  # a first read before any write
                with _open_staging(self.settings, False, warn) as conn:
                    ensure_schema(conn)
            with _open_staging(self.settings, read_only, warn) as conn:
                yield conn

    def publish(self, conn: duckdb.DuckDBPyConnection, audit: Audit | None = None, run_id: str | None = None) -> dict:
        # the PRIMARY KEYs and the blocking check steps (which hold the writer lock in turn) are the audit here.
        # publish_snapshot opens the staging file itself (same configuration, so it shares the database
        # instance of ``conn``), checkpoints it and copies it while ``conn`` keeps the file locked
        # against other processes: the copy is exactly what ``conn`` reads afterwards.
        info = publish_snapshot(self.settings.staging_db_path, self.settings.db_path)
        return {"path": str(self.settings.db_path), "bytes": info["bytes"], "publish_seconds": info["seconds"],
                "swap_seconds": info["swap_seconds"]}

    def reader(self):
        return connect(self.settings.db_path, read_only=True, wait_seconds=self.settings.lock_wait_seconds,
                       memory=self.settings.memory_limit)

    def describe(self) -> list[tuple[str, str]]:
        return [("DuckDB warehouse", str(self.settings.db_path))]


class LakeBackend(Backend):
    name = "ducklake"
    enforces_keys = False

    @contextmanager
    def connect(self, read_only: bool = False, warn: Warn | None = None,
                snapshot_version: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory DuckDB with the lake attached as the default catalog, so every
        ``schema.table`` name resolves in the lake; writers of a single-writer catalog take turns.
        ``snapshot_version``: read that snapshot (read-only)."""
        settings = self.settings
        read_only = read_only or snapshot_version is not None
        with nullcontext() if read_only else lake.catalog_writer_lock(settings):
            conn = duckdb.connect(config={"memory_limit": settings.memory_limit})
            try:
                conn.execute("SET TimeZone = 'UTC'")
                lake.attach(conn, settings, read_only=read_only, snapshot_version=snapshot_version)
                yield conn
            finally:
                conn.close()

    def write_scope(self, run_keys: Sequence[str] | None) -> list[str] | None:
        return None if run_keys is None else list(run_keys)

    def publish(self, conn: duckdb.DuckDBPyConnection, audit: Audit | None = None, run_id: str | None = None) -> dict:
        # the lake is already shared: publishing records, in the catalog, the snapshot the audit read
        info = publication.publish(conn, self.settings, audit or (lambda _c: (0, [])), run_id)
        return {"ducklake_snapshot": info["snapshot_id"], "audit_checks": info["checks"],
                "path": "ducklake:" + lake.catalog_display(self.settings), "attach": info["attach"]}

    @contextmanager
    def published_view(self, conn: duckdb.DuckDBPyConnection, info: dict) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.connect(snapshot_version=info["ducklake_snapshot"]) as view:
            yield view

    @contextmanager
    def pinned(self, conn: duckdb.DuckDBPyConnection) -> Iterator[int | None]:
        conn.execute("BEGIN TRANSACTION")
        try:
            yield publication.current_snapshot(conn)
        finally:
            conn.execute("ROLLBACK")

    @contextmanager
    def reader(self):
        """The published snapshot (the latest one before anything was published)."""
        with self.connect(read_only=True) as conn:
            last = publication.latest(conn)
        with self.connect(snapshot_version=last["snapshot_id"] if last else None, read_only=True) as conn:
            yield conn

    def describe(self) -> list[tuple[str, str]]:
        lines = [("DuckLake catalog", "ducklake:" + lake.catalog_display(self.settings))]
        with self.connect(read_only=True) as conn:
            lines.append(("DuckLake data", lake.catalog_data_path(conn)))
            last = publication.latest(conn)
        if last:
            lines.append(("Published snapshot", f"{last['snapshot_id']} (run {last['run_id'][:8]}, "
                                                f"{last['checks']} blocking checks passed at it)"))
        return lines


# ------------------------------------------------------------------ the embedded staging file

@contextmanager
def _open_staging(settings, read_only: bool, warn: Callable[[str], None]) -> Iterator[duckdb.DuckDBPyConnection]:
    path = settings.staging_db_path
    for attempt in range(3):
        stack = ExitStack()
        try:
            found = damage_found_marker(path)
            if not read_only and found.exists() and path.exists():
                raise DatabaseDamagedError(path, found.read_text(encoding="utf-8").strip() or "a step found it damaged")
            conn = stack.enter_context(connect(path, read_only=read_only, wait_seconds=settings.lock_wait_seconds,
                                               memory=settings.memory_limit))
            short = cut_short(conn, path)
            if short:
                stack.close()
                raise DatabaseDamagedError(path, short)
            break
        except BaseException as exc:
            stack.close()
            if not isinstance(exc, DatabaseDamagedError):
                raise
            if read_only:
                raise DatabaseDamagedError(path, (
                    f"{exc.detail}. It is derived from the seeds: the next step or run that writes it moves it "
                    f"aside to {path.name}.damaged-<UTC time> and rebuilds it; nothing to do by hand")) from exc
            if attempt == 2:
                raise
            aside = set_aside_damaged(path, exc.detail)
            if aside is not None:
                warn(f"the staging database {path} is damaged and was moved aside to {aside.name} (with its "
                     f"WAL, if any; see {aside.name}.txt); starting an empty one and rebuilding it from the seeds. "
                     f"{exc.detail}")
    with stack:
        if not read_only:
            _reread_seeds_after_rebuild(conn, settings, warn)
        try:
            yield conn
        except duckdb.Error as exc:
            if is_damage_error(exc, path):
                try:
                    _write_durably(damage_found_marker(path), f"a query failed: {exc}")
                    exc.add_note(f"{path} is damaged; the next run moves it aside and rebuilds it from the seeds")
                except OSError:
                    pass
            raise


def _reread_seeds_after_rebuild(conn: duckdb.DuckDBPyConnection, settings,
                                warn: Callable[[str], None]) -> None:
    """After a damaged staging database was set aside, read every seed file into the new one, once.

    A run may cover one file (a sensor run) and its raw step then reads only that file; every
    other page would be missing until a catch-up run. With raw.source_files complete again, the
    cleaned and modeled steps (which derive whatever raw holds) rebuild everything in this run.
    """
    info = read_rebuild_marker(settings.staging_db_path)
    if info is None or info.get("seeds_reread"):
        return
    ensure_schema(conn)
    stats = sync_source_files(conn, settings.seeds_dir)
    info["seeds_reread"] = True
    _write_durably(rebuild_marker(settings.staging_db_path), json.dumps(info, ensure_ascii=False))
    warn(f"staging database rebuilt: read all {stats.seen} files of {settings.seeds_dir} into raw.source_files "
         f"({stats.ok} ok, {stats.rejected} rejected); this run re-derives the cleaned and modeled layers, "
         "and the publish step publishes once every layer is complete again")


BACKENDS: dict[str, type[Backend]] = {b.name: b for b in (EmbeddedBackend, LakeBackend)}


def backend_for(settings: Settings) -> Backend:
    return BACKENDS[settings.backend](settings)


def open_warehouse(settings: Settings, read_only: bool = False, warn: Warn | None = None):
    """A short connection to the database runs write, on the settings' backend: the staging DuckDB
    file (embedded; a damaged one is set aside and rebuilt when opened for writing, see
    ``etl/warehouse.py``; ``warn`` is told so, for the run log) or the lake attached as the default
    catalog (ducklake). A context manager."""
    return backend_for(settings).connect(read_only=read_only, warn=warn)
