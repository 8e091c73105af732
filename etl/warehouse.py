"""DuckDB warehouse I/O: connections, DDL, transactional replace-by-key writes.

Design rules (see docs/operations.md):

- Connections are short: open, do one unit of work, close. Nothing connects at
  import time.
- Writers are serialised by Dagster (pool ``duckdb_writer``, limit 1); if the
  file is still held by another process, :func:`connect` retries with a
  bounded back-off and then fails with a message naming the problem.
- Every write of a layer happens inside one transaction: a killed run leaves
  the last committed state, never a half-written table.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Iterator, Sequence

import duckdb
import pyarrow as pa

LOCK_RETRY_SECONDS = 30.0


class WarehouseLockedError(RuntimeError):
    """The DuckDB file is held by another process for longer than we wait."""


def schema_sql() -> str:
    return resources.files("etl").joinpath("sql/schema.sql").read_text(encoding="utf-8")


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc)
    return "Could not set lock" in msg or "Conflicting lock" in msg


@contextmanager
def connect(db_path: Path, read_only: bool = False, wait_seconds: float = LOCK_RETRY_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, retrying while another process holds the lock."""
    db_path = Path(db_path)
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay = 0.2
    while True:
        try:
            conn = duckdb.connect(str(db_path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                holder = re.search(r"\(PID (\d+)\)", str(exc))
                who = f"process {holder.group(1)}" if holder else "another process"
                raise WarehouseLockedError(
                    f"{db_path} is locked by {who} and stayed locked for {wait_seconds:.0f}s; "
                    "close DuckDB shells/BI tools that opened it read-write, or wait for the other run. "
                    f"DuckDB said: {exc}"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    try:
        conn.execute("SET TimeZone = 'UTC'")
        yield conn
    finally:
        conn.close()


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(schema_sql())


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
