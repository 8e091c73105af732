"""DuckDB warehouse I/O: connections, DDL, transactional replace-by-key writes.

Design rules (see docs/operations.md):

- Connections are short: open, do one unit of work, close. Nothing connects at
  import time.
- Writers are serialised: every connection a step opens holds the staging
  file's writer lock (``etl.backends``), and Dagster's pools queue the steps; if the
  file is still held by another process, :func:`connect` retries with a
  bounded back-off (``WAREHOUSE_LOCK_WAIT_SECONDS``, default 30) and then
  fails with a message naming the holding process.
- A layer is written in batches, each batch one transaction (:func:`commit_batch`):
  a killed run leaves whole batches, never a half-written one, and the next
  run finds the rest by content id. Readers never see this: they open the
  published snapshot, which only a run whose blocking checks passed replaces.
  (One transaction per layer kept every uncommitted row in memory, outside
  ``memory_limit``: see docs/BENCHMARKS.md.)
- The staging database is derived entirely from the seeds. When DuckDB cannot
  read it (garbage, cut short, failing checksums, a WAL that cannot be
  replayed: :func:`is_damage_error`) and no other process holds it, the first
  step of the next run moves it and its WAL aside to
  ``warehouse.duckdb.damaged-<UTC time>`` (:func:`set_aside_damaged`), says so
  in the run log, starts an empty one and reads every seed file into it again
  (:func:`etl.backends.open_warehouse`); the cleaned and modeled steps then re-derive
  everything, and the publish step publishes only once every layer is
  complete again (``etl.publish``). A file merely locked by another process is
  never touched: that is :class:`WarehouseLockedError`.
- A failed COMMIT (disk full) ends the transaction, so the ROLLBACK after it
  fails too; :func:`transaction` reports the COMMIT's error, not the ROLLBACK's.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import duckdb

from etl import contract, lake
from etl.config import LOCK_WAIT_DEFAULT, MEMORY_LIMIT_DEFAULT, current  # noqa: F401 - re-exported
from etl.contract import marts_sql, schema_sql  # noqa: F401 - re-exported for callers of etl.warehouse
from etl.writes import (  # noqa: F401 - the write helpers' home; re-exported for callers of etl.warehouse
    commit_batch,
    delete_in,
    delete_keys,
    insert_arrow,
    reader_cursor,
    replace_if_changed,
    row_count,
    table_columns,
    transaction,
)

LOCK_RETRY_SECONDS = LOCK_WAIT_DEFAULT
LOCK_WAIT_ENV = "WAREHOUSE_LOCK_WAIT_SECONDS"
MEMORY_LIMIT_ENV = "WAREHOUSE_MEMORY_LIMIT"


log = logging.getLogger(__name__)


class WarehouseLockedError(RuntimeError):
    """The DuckDB file is held by another process for longer than we wait."""


class DatabaseDamagedError(RuntimeError):
    """DuckDB cannot read the database file (not a database, cut short, failing its checksums, a WAL
    that cannot be replayed) and no other process holds it."""

    def __init__(self, path: Path, detail: str):
        self.path, self.detail = Path(path), detail
        super().__init__(f"{path} is damaged: {detail}")


# What DuckDB (1.x) says when a file is not a readable database, as opposed to locked or missing.
DAMAGE_SIGNS = (
    "not a valid DuckDB database file",        # garbage, or a 0-byte file
    "Corrupt database file",                   # a block fails its checksum
    "Could not read enough bytes from file",   # cut short
    "Corrupt WAL file",                        # a WAL entry fails its checksum
    "Failure while replaying WAL file",
)


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc)
    return "Could not set lock" in msg or "Conflicting lock" in msg


def is_damage_error(exc: BaseException, db_path: Path | None = None) -> bool:
    """Whether ``exc`` is DuckDB saying a database file is damaged (never a lock conflict).

    With ``db_path``, an error raised while *querying* counts only when it is about that file: a
    failing block checksum, or a read past the end that names the file or its WAL.
    """
    if not isinstance(exc, duckdb.Error) or _is_lock_error(exc):
        return False
    msg = str(exc)
    if not any(sign in msg for sign in DAMAGE_SIGNS):
        return False
    if db_path is None:
        return True
    return "Corrupt database file" in msg or "Corrupt WAL file" in msg or str(db_path) in msg


def _lock_exclusively(path: Path) -> int | None:
    """An open descriptor of ``path`` holding an exclusive POSIX record lock, or None when another
    process holds a lock on it. DuckDB locks its file the same way (``fcntl``: a writer exclusively,
    readers shared), so this tells a file in use from a file nobody has open. Closing the descriptor
    releases the lock. Raises FileNotFoundError when the file is gone."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return None
        raise
    return fd


def held_by_another_process(path: Path) -> bool:
    """Whether another process holds a DuckDB (fcntl) lock on ``path``; False when it does not exist.

    Only for a file this process does not have open itself: closing the probe's descriptor releases
    every lock this process holds on the file (POSIX).
    """
    try:
        fd = _lock_exclusively(Path(path))
    except FileNotFoundError:
        return False
    except PermissionError:  # not ours to write (a read-only open): a shared lock still finds a writer
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return True
            raise
        finally:
            os.close(fd)
        return False
    if fd is None:
        return True
    os.close(fd)
    return False


def lock_wait_seconds() -> float:
    """How long :func:`connect` waits for a locked file: ``WAREHOUSE_LOCK_WAIT_SECONDS``, default 30
    (parsed by ``etl.config.Settings``; a run passes its own Settings' value)."""
    return current().lock_wait_seconds


def memory_limit() -> str:
    """DuckDB's ``memory_limit`` for pipeline connections: ``WAREHOUSE_MEMORY_LIMIT``, default 512MB.

    DuckDB's own default is 80% of RAM, so its buffer pool grows with the
    warehouse; a fixed limit keeps a run's memory flat (DuckDB spills to its
    temp directory beyond it). Any DuckDB size string ("512MB", "4GB").
    """
    return current().memory_limit


def describe_holder(pid: int) -> str:
    """'process 123 (python -c …, user alice, running since 09:14:02 UTC)', as much as can be found."""
    who = f"process {pid}"
    try:
        import psutil

        proc = psutil.Process(pid)
        with proc.oneshot():
            cmd = " ".join(proc.cmdline()) or proc.name()
            user = proc.username()
            since = datetime.fromtimestamp(proc.create_time(), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        if len(cmd) > 160:
            cmd = cmd[:157] + "..."
        return f"{who} ({cmd}; user {user}; running since {since})"
    except Exception:  # psutil missing, process gone, or another host's PID: the PID is all we have
        return who


@contextmanager
def connect(db_path: Path, read_only: bool = False, wait_seconds: float | None = None,
            memory: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, retrying while another process holds the lock.

    ``wait_seconds`` and ``memory`` default to the environment's settings (a run passes its own:
    :func:`etl.backends.open_warehouse`). When the file is
    still locked after that, :class:`WarehouseLockedError` names the holding
    process (PID, command line, user, start time) and nothing has been written.
    A file DuckDB cannot read raises :class:`DatabaseDamagedError`, but only
    when no other process holds it (one that does is waited for like a lock);
    :func:`etl.backends.open_warehouse` rebuilds a damaged staging database.
    """
    db_path = Path(db_path)
    if wait_seconds is None:
        wait_seconds = lock_wait_seconds()
    if memory is None:
        memory = memory_limit()
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    deadline = started + wait_seconds
    delay = 0.2
    attempts = 0
    while True:
        attempts += 1
        try:
            conn = duckdb.connect(str(db_path), read_only=read_only, config={"memory_limit": memory})
            break
        except duckdb.Error as exc:
            if is_damage_error(exc):
                # DuckDB locks a file before it reads it, so a file another process holds is not
                # reported as damaged; the probe makes sure (a file being created is empty for a moment)
                if not held_by_another_process(db_path):
                    raise DatabaseDamagedError(db_path, f"DuckDB cannot open it ({exc})") from exc
            elif not (isinstance(exc, duckdb.IOException) and _is_lock_error(exc)):
                raise
            now = time.monotonic()
            if now >= deadline:
                holder = re.search(r"\(PID (\d+)\)", str(exc))
                who = describe_holder(int(holder.group(1))) if holder else "another process"
                raise WarehouseLockedError(
                    f"{db_path} is locked by {who}; waited {now - started:.1f}s ({attempts} attempts, "
                    f"{LOCK_WAIT_ENV}={wait_seconds:g}) and gave up without writing anything. "
                    "Close the DuckDB shell/BI tool that opened it read-write (analysts should use "
                    "read_only=True or the published snapshot), or wait for the other run. "
                    f"DuckDB said: {exc}"
                ) from exc
            time.sleep(min(delay, max(deadline - now, 0.01)))
            delay = min(delay * 2, 2.0)
    try:
        conn.execute("SET TimeZone = 'UTC'")
        yield conn
    finally:
        conn.close()


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Tables (schema.sql) and the analyst views (marts.sql), in one transaction: idempotent, ~0.1 s.

    On the DuckLake backend (the lake attached as the default catalog) every DDL statement is a catalog commit that
    concurrent runs would contend for, so the schema is created only when it is
    missing (see :func:`_ensure_lake_schema`).
    """
    if conn.execute("SELECT current_database()").fetchone()[0] == lake.LAKE_ALIAS:
        _ensure_lake_schema(conn)
        return
    with transaction(conn):
        add_missing_columns(conn)          # before the DDL: its COMMENTs name the new columns
        change_column_types(conn)
        conn.execute(schema_sql())
        conn.execute(marts_sql())


@lru_cache(maxsize=1)
def _contract_columns() -> tuple[tuple[str, str, str, str], ...]:
    """(schema, table, column, type) of every table column of the contract (etl/contract.py), in DDL order."""
    return tuple((*t.split("."), c.name, c.type) for s in ("raw", "cleaned", "modeled")
                 for t in contract.tables(s) for c in contract.columns(t))


def add_missing_columns(conn: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    """Bring a warehouse made by an older build up to the DDL: add the columns it lacks.

    ``CREATE TABLE IF NOT EXISTS`` leaves an existing table as it was, so a
    column added to schema.sql (``cleaned.pages.page_kind``) would be missing
    from yesterday's warehouse. New columns start NULL; rows written by an
    older PIPELINE_VERSION are re-derived on the next run anyway.
    """
    where = "table_catalog = current_database()" if catalog is None else "table_catalog = ?"
    have = {(s_, t, c) for s_, t, c in conn.execute(
        f"SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE {where}",
        [] if catalog is None else [catalog]).fetchall()}
    tables = {(s_, t) for s_, t, _c in have}
    added = []
    for schema, table, column, dtype in _contract_columns():
        if (schema, table) in tables and (schema, table, column) not in have:
            qualified = f"{catalog}.{schema}.{table}" if catalog else f"{schema}.{table}"
            conn.execute(f'ALTER TABLE {qualified} ADD COLUMN "{column}" {dtype}')
            added.append(f"{schema}.{table}.{column}")
    return added


def change_column_types(conn: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    """Bring the column types of an older build's tables up to the DDL (INTEGER keys → BIGINT).

    ``CREATE TABLE IF NOT EXISTS`` keeps an existing table's types, like its columns
    (:func:`add_missing_columns`, which runs first). DuckLake widens a type in place. DuckDB cannot
    change the type of a PRIMARY KEY column in place, so there the table is renamed, created again
    from the DDL and refilled; rows lacking a value the DDL requires (a NOT NULL column an older
    build did not have) are left out: they are derived rows whose articles the next run re-derives,
    as their PIPELINE_VERSION is older. Returns the tables changed; one catalog query when none is.
    """
    where = "database_name = current_database()" if catalog is None else "database_name = ?"
    have = {(s_, t, c): d for s_, t, c, d in conn.execute(
        f"SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() WHERE {where}",
        [] if catalog is None else [catalog]).fetchall()}
    wrong: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, dtype in _contract_columns():
        if have.get((schema, table, column), dtype) != dtype:
            wrong.setdefault((schema, table), []).append((column, dtype))
    for (schema, table), columns in wrong.items():
        if catalog is not None:
            for column, dtype in columns:
                conn.execute(f'ALTER TABLE {catalog}.{schema}.{table} ALTER COLUMN "{column}" SET DATA TYPE {dtype}')
            continue
        kept = [c for (s_, t, c) in have if (s_, t) == (schema, table)]
        conn.execute(f"ALTER TABLE {schema}.{table} RENAME TO {table}__old")
        conn.execute(re.search(rf"CREATE TABLE IF NOT EXISTS {schema}\.{table} \(.*?\n\);", schema_sql(), re.S)[0])
        required = [c for (c,) in conn.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = ? "
            "AND table_name = ? AND NOT is_nullable", [schema, table]).fetchall() if c in kept]
        cols = ", ".join(f'"{c}"' for c in kept)
        filled = " AND ".join(f'"{c}" IS NOT NULL' for c in required) or "true"
        conn.execute(f"INSERT INTO {schema}.{table} ({cols}) SELECT {cols} FROM {schema}.{table}__old WHERE {filled}")
        conn.execute(f"DROP TABLE {schema}.{table}__old")
    return [f"{s_}.{t}" for s_, t in wrong]


def _lake_schema_complete(conn: duckdb.DuckDBPyConnection) -> bool:
    wanted = {r for s in contract.SCHEMAS for r in contract.tables(s) + contract.views(s)}
    have = {f"{s}.{t}" for s, t in conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = ?",
        [lake.LAKE_ALIAS]).fetchall()}
    return wanted <= have


def _ensure_lake_schema(conn: duckdb.DuckDBPyConnection) -> None:
    if _lake_schema_complete(conn):
        with transaction(conn):
            if add_missing_columns(conn, lake.LAKE_ALIAS) + change_column_types(conn, lake.LAKE_ALIAS):
                conn.execute(lake.lake_schema_sql(schema_sql()))
                conn.execute(lake.lake_marts_sql(marts_sql()))
        return
    try:
        with transaction(conn):
            conn.execute(lake.lake_schema_sql(schema_sql()))
            conn.execute(lake.lake_marts_sql(marts_sql()))
    except duckdb.Error:
        if not _lake_schema_complete(conn):  # another process created it first: fine
            raise


# ------------------------------------------------------------------ a damaged staging database

def rebuild_marker(db_path: Path) -> Path:
    """``<db>.rebuilding``: there from the moment a damaged staging database is set aside until the
    rebuilt one is published (JSON: why, where the damaged copy went, whether the seeds were re-read)."""
    return Path(db_path).with_name(Path(db_path).name + ".rebuilding")


def damage_found_marker(db_path: Path) -> Path:
    """``<db>.damage-found``: a step hit damage while querying a database that opened; the next
    run's first writing step sets the file aside as if it had failed to open."""
    return Path(db_path).with_name(Path(db_path).name + ".damage-found")


def read_rebuild_marker(db_path: Path) -> dict | None:
    """The rebuild marker's content, None when no rebuild is pending."""
    marker = rebuild_marker(db_path)
    try:
        text = marker.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        info = json.loads(text)
    except ValueError:  # cut short by a crash: still a pending rebuild, the seeds not yet re-read
        info = {}
    return info if isinstance(info, dict) else {}


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def set_aside_damaged(db_path: Path, detail: str, wait_seconds: float | None = None) -> Path | None:
    """Rename a damaged database file, and its WAL, to ``<name>.damaged-<UTC time>`` (``.wal``).

    Only when no other process holds the file (an exclusive fcntl lock, held across the rename, is
    the proof; waits like :func:`connect`, then :class:`WarehouseLockedError`). Writes the rebuild
    marker first and a ``.txt`` note beside the damaged copy. Returns the new path, or None when the
    file was gone or replaced meanwhile (another process rebuilt it first).
    """
    db_path = Path(db_path)
    wait = lock_wait_seconds() if wait_seconds is None else wait_seconds
    started = time.monotonic()
    delay = 0.2
    while True:
        try:
            fd = _lock_exclusively(db_path)
        except FileNotFoundError:
            return None
        if fd is not None:
            break
        if time.monotonic() - started >= wait:
            raise WarehouseLockedError(
                f"{db_path} is damaged ({detail}) but another process has it open; waited "
                f"{time.monotonic() - started:.1f}s ({LOCK_WAIT_ENV}={wait:g}) and left it as it is. Stop that "
                "process; the next run then moves the file aside and rebuilds it from the seeds.")
        time.sleep(delay)
        delay = min(delay * 2, 2.0)
    try:
        try:
            if os.fstat(fd).st_ino != os.stat(db_path).st_ino:
                return None
        except FileNotFoundError:
            return None
        now = datetime.now(timezone.utc)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        aside, n = db_path.with_name(f"{db_path.name}.damaged-{stamp}"), 1
        while aside.exists() or aside.with_name(aside.name + ".wal").exists():
            n += 1
            aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}-{n}")
        _write_durably(rebuild_marker(db_path), json.dumps({
            "set_aside": aside.name, "reason": detail, "at": now.isoformat(timespec="seconds"),
            "seeds_reread": False}, ensure_ascii=False))
        wal = db_path.with_name(db_path.name + ".wal")
        if wal.exists():  # first: a damaged database left with a WAL beside it is set aside again
            os.replace(wal, aside.with_name(aside.name + ".wal"))
        os.replace(db_path, aside)
        damage_found_marker(db_path).unlink(missing_ok=True)
        aside.with_name(aside.name + ".txt").write_text(
            f"{aside.name} was {db_path.name}, moved aside on {now:%Y-%m-%d %H:%M:%S} UTC by process "
            f"{os.getpid()} because it is damaged:\n{detail}\n\nThe staging database is derived from the "
            "seeds, so a new one was started and filled from SEEDS_DIR. Keep this copy for diagnosis "
            "or delete it (with its .wal and this note); nothing reads it.\n", encoding="utf-8")
        _fsync_dir(db_path.parent)
        return aside
    finally:
        os.close(fd)


HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers, before the first block


def cut_short(conn: duckdb.DuckDBPyConnection, db_path: Path) -> str | None:
    """Why the open database file is shorter than its own header says, or None.

    DuckDB reads the blocks of a table only when it is queried, so a file cut
    short past its catalog opens and fails later, in whichever step reads the
    lost blocks. The blocks in use must fit in the file (a lower bound: free
    blocks at the end may have been truncated away, legitimately).
    """
    row = conn.execute("SELECT block_size, used_blocks FROM pragma_database_size() "
                       "WHERE database_name = current_database()").fetchone()
    if row is None:
        return None
    block_size, blocks = row
    need = HEADER_BYTES + int(blocks) * int(block_size)
    have = os.path.getsize(db_path)
    if have >= need:
        return None
    return (f"the file is cut short: {have} bytes, but {blocks} blocks of {block_size} bytes are in use "
            f"({need} bytes)")



# the modeled tables, in DDL order (etl/contract.py)
MODELED_TABLES = list(contract.table_names("modeled"))
