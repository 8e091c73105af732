"""Batch writes on an open warehouse connection (either backend): insert an Arrow table by column name,
delete by key, replace a whole table only when it changed, commit a batch. No connection is opened here."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import duckdb
import pyarrow as pa


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One DuckDB transaction: committed when the block ends, rolled back if it raises.

    The error that ended the block is the one raised. A COMMIT that failed inside it
    (:func:`commit_batch`; disk full, say) has already ended the transaction, so the ROLLBACK
    fails too (``cannot rollback - no transaction is active``): that error is only added as a
    note to the COMMIT's, never raised in its place.
    """
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException as exc:
        try:
            conn.execute("ROLLBACK")
        except Exception as rollback_exc:  # noqa: BLE001 - the original error is the one to report
            exc.add_note(f"(the ROLLBACK after this error failed too: {type(rollback_exc).__name__}: {rollback_exc})")
        raise
    conn.execute("COMMIT")


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
