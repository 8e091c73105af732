"""Snapshots of a warehouse: per table, the row count and a hash of the sorted row ids.

Two builds are the same warehouse when their snapshots are equal (reruns, concurrent runs, DuckLake vs embedded).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from etl import contract

# the id expression of each contract table: its primary key from the DDL (etl/contract.py), except two
# that say more: a file's ingest time (so a rerun that re-reads a file shows) and an outlet's name
TABLE_IDS = {t: " || ".join(contract.primary_key(t)) for s in ("raw", "cleaned", "modeled") for t in contract.tables(s)}
TABLE_IDS.update({"raw.source_files": "path || ':' || file_id || ':' || ingested_at",
                  "modeled.dim_outlet": "outlet_key || outlet_name"})


def snapshot(db_path: Path, with_ingest_times: bool = True) -> dict[str, tuple[int, str]]:
    """Row count and a hash of the sorted ids of every table (ingest times only when comparing reruns)."""
    ids_of = dict(TABLE_IDS)
    if not with_ingest_times:
        ids_of["raw.source_files"] = "path || ':' || file_id"
    with duckdb.connect(str(db_path), read_only=True) as conn:
        return snapshot_of(conn, ids_of)


def snapshot_of(conn, ids_of: dict[str, str] | None = None) -> dict[str, tuple[int, str]]:
    """:func:`snapshot` over an open connection (a DuckDB file or an attached DuckLake)."""
    out = {}
    for table, key in (ids_of or dict(TABLE_IDS)).items():
        ids = sorted(str(r[0]) for r in conn.execute(f"SELECT {key} FROM {table}").fetchall())
        out[table] = (len(ids), hashlib.sha256("\n".join(ids).encode()).hexdigest())
    return out
