"""DuckDB warehouse I/O: connections, DDL, transactional replace-by-key writes.

Design rules (see docs/operations.md):

- Connections are short: open, do one unit of work, close. Nothing connects at
  import time.
- Writers are serialised by Dagster (pool ``duckdb_writer``, limit 1); if the
  file is still held by another process, :func:`connect` retries with a
  bounded back-off (``WAREHOUSE_LOCK_WAIT_SECONDS``, default 30) and then
  fails with a message naming the holding process.
- A layer is written in batches, each batch one transaction (:func:`commit_batch`):
  a killed run leaves whole batches, never a half-written one, and the next
  run finds the rest by content id. Readers never see this: they open the
  published snapshot, which only a run whose blocking checks passed replaces.
  (One transaction per layer kept every uncommitted row in memory, outside
  ``memory_limit``: see docs/BENCHMARKS.md.)
"""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterator, Sequence

import duckdb
import pyarrow as pa

from etl import lake

LOCK_RETRY_SECONDS = 30.0
LOCK_WAIT_ENV = "WAREHOUSE_LOCK_WAIT_SECONDS"
MEMORY_LIMIT_ENV = "WAREHOUSE_MEMORY_LIMIT"
MEMORY_LIMIT_DEFAULT = "512MB"


class WarehouseLockedError(RuntimeError):
    """The DuckDB file is held by another process for longer than we wait."""


def schema_sql() -> str:
    return resources.files("etl").joinpath("sql/schema.sql").read_text(encoding="utf-8")


def marts_sql() -> str:
    return resources.files("etl").joinpath("sql/marts.sql").read_text(encoding="utf-8")


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc)
    return "Could not set lock" in msg or "Conflicting lock" in msg


def lock_wait_seconds() -> float:
    """How long :func:`connect` waits for a locked file: ``WAREHOUSE_LOCK_WAIT_SECONDS``, default 30."""
    raw = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not raw:
        return LOCK_RETRY_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{LOCK_WAIT_ENV} must be a number of seconds, got {raw!r}") from None
    if not value >= 0:
        raise ValueError(f"{LOCK_WAIT_ENV} must be >= 0, got {raw!r}")
    return value


def memory_limit() -> str:
    """DuckDB's ``memory_limit`` for pipeline connections: ``WAREHOUSE_MEMORY_LIMIT``, default 512MB.

    DuckDB's own default is 80% of RAM, so its buffer pool grows with the
    warehouse; a fixed limit keeps a run's memory flat (DuckDB spills to its
    temp directory beyond it). Any DuckDB size string ("512MB", "4GB").
    """
    raw = os.environ.get(MEMORY_LIMIT_ENV, "").strip() or MEMORY_LIMIT_DEFAULT
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", raw, re.IGNORECASE):
        raise ValueError(f"{MEMORY_LIMIT_ENV} must be a size such as 512MB or 4GB, got {raw!r}")
    return raw


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
def connect(db_path: Path, read_only: bool = False,
            wait_seconds: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, retrying while another process holds the lock.

    ``wait_seconds`` defaults to :func:`lock_wait_seconds`. When the file is
    still locked after that, :class:`WarehouseLockedError` names the holding
    process (PID, command line, user, start time) and nothing has been written.
    """
    db_path = Path(db_path)
    if wait_seconds is None:
        wait_seconds = lock_wait_seconds()
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    deadline = started + wait_seconds
    delay = 0.2
    attempts = 0
    while True:
        attempts += 1
        try:
            conn = duckdb.connect(str(db_path), read_only=read_only, config={"memory_limit": memory_limit()})
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
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


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One DuckDB transaction: committed when the block ends, rolled back if it raises."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Tables (schema.sql) and the analyst views (marts.sql), in one transaction: idempotent, ~0.1 s.

    On the DuckLake backend every DDL statement is a catalog commit that
    concurrent runs would contend for, so the schema is created only when it is
    missing (see :func:`_ensure_lake_schema`).
    """
    if lake.is_lake():
        _ensure_lake_schema(conn)
        return
    with transaction(conn):
        add_missing_columns(conn)          # before the DDL: its COMMENTs name the new columns
        conn.execute(schema_sql())
        conn.execute(marts_sql())


@lru_cache(maxsize=1)
def _contract_columns() -> tuple[tuple[str, str, str, str], ...]:
    """(schema, table, column, type) of every table column in schema.sql, in DDL order."""
    ref = duckdb.connect()
    try:
        ref.execute(schema_sql())
        return tuple(ref.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name IN ('raw', 'cleaned', 'modeled') ORDER BY schema_name, table_name, column_index"
        ).fetchall())
    finally:
        ref.close()


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


def _lake_schema_complete(conn: duckdb.DuckDBPyConnection) -> bool:
    wanted = set(re.findall(r"CREATE (?:OR REPLACE )?(?:TABLE|VIEW)(?: IF NOT EXISTS)? (\w+\.\w+)",
                            schema_sql() + marts_sql()))
    have = {f"{s}.{t}" for s, t in conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = ?",
        [lake.LAKE_ALIAS]).fetchall()}
    return wanted <= have


def _ensure_lake_schema(conn: duckdb.DuckDBPyConnection) -> None:
    if _lake_schema_complete(conn):
        with transaction(conn):
            if add_missing_columns(conn, lake.LAKE_ALIAS):
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


@contextmanager
def open_warehouse(settings, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short connection to the database runs write, on the configured backend.

    ``embedded``: the staging DuckDB file (:func:`connect`, lock-aware).
    ``ducklake``: an in-memory DuckDB with the lake attached as the default
    catalog, so every ``schema.table`` name resolves in the lake.
    """
    if not lake.is_lake():
        with connect(settings.staging_db_path, read_only=read_only) as conn:
            yield conn
        return
    conn = duckdb.connect(config={"memory_limit": memory_limit()})
    try:
        conn.execute("SET TimeZone = 'UTC'")
        lake.attach(conn, settings.warehouse_dir, read_only=read_only)
        yield conn
    finally:
        conn.close()


def table_columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    rows = conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]


def insert_arrow(conn: duckdb.DuckDBPyConnection, table: str, data: pa.Table) -> int:
    """Insert an Arrow table by column name (missing columns become NULL)."""
    if data.num_rows == 0:
        return 0
    cols = [c for c in table_columns(conn, table) if c in data.column_names]
    conn.register("_incoming", data)
    try:
        collist = ", ".join(f'"{c}"' for c in cols)
        conn.execute(f"INSERT INTO {table} ({collist}) SELECT {collist} FROM _incoming")
    finally:
        conn.unregister("_incoming")
    return data.num_rows


def delete_keys(conn: duckdb.DuckDBPyConnection, table: str, key: str, keys: Sequence[str]) -> int:
    if not keys:
        return 0
    conn.register("_keys", pa.table({"k": pa.array(list(keys), pa.string())}))
    try:
        n = conn.execute(f"SELECT count(*) FROM {table} WHERE {key} IN (SELECT k FROM _keys)").fetchone()[0]
        conn.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT k FROM _keys)")
    finally:
        conn.unregister("_keys")
    return n


def commit_batch(conn: duckdb.DuckDBPyConnection) -> None:
    """Commit the batch just written and open the next transaction: memory stays flat in the layer's size."""
    conn.execute("COMMIT")
    conn.execute("BEGIN TRANSACTION")


def reader_cursor(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A second connection to the same database (its own snapshot, for streaming reads while
    ``conn`` writes), with the same default catalog (the lake on DuckLake)."""
    cur = conn.cursor()
    cur.execute(f'USE "{conn.execute("SELECT current_database()").fetchone()[0]}"')
    return cur


def delete_in(conn: duckdb.DuckDBPyConnection, table: str, column: str, subquery: str) -> bool:
    """``DELETE FROM table WHERE column IN (subquery)``, issued only when a row matches.

    On DuckLake a DELETE is what two concurrent transactions can conflict on,
    so a run that only adds rows must not issue one; on DuckDB it saves a
    no-op write. Returns whether anything was deleted.
    """
    if not conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} IN ({subquery}))").fetchone()[0]:
        return False
    conn.execute(f"DELETE FROM {table} WHERE {column} IN ({subquery})")
    return True


def replace_if_changed(conn: duckdb.DuckDBPyConnection, table: str, data: pa.Table) -> tuple[int, bool]:
    """Make ``table`` hold exactly ``data`` (compared on data's columns); write nothing when it already does.

    For small derived tables (dimensions) rebuilt by every run: an unchanged
    table costs a comparison, not a delete and insert, so concurrent runs on
    DuckLake do not contend for it and DuckDB writes nothing. Returns
    (rows, whether it was rewritten).
    """
    cols = [c for c in table_columns(conn, table) if c in data.column_names]
    collist = ", ".join(f'"{c}"' for c in cols)
    conn.register("_wanted", data)
    try:
        differs = conn.execute(
            f"SELECT EXISTS (SELECT {collist} FROM {table} EXCEPT ALL SELECT {collist} FROM _wanted) "
            f"OR EXISTS (SELECT {collist} FROM _wanted EXCEPT ALL SELECT {collist} FROM {table})").fetchone()[0]
    finally:
        conn.unregister("_wanted")
    if not differs:
        return data.num_rows, False
    with transaction(conn):
        conn.execute(f"DELETE FROM {table}")
        insert_arrow(conn, table, data)
    return data.num_rows, True


def row_count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


MODELED_TABLES = [
    "dim_date",
    "dim_outlet",
    "dim_district",
    "fact_articles",
    "fact_metrics",
    "article_districts",
    "article_outlets",
    "article_keywords",
]
