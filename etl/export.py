"""Parquet exports for BI tools.

Each modeled table is written with DuckDB's ``COPY … (FORMAT parquet)`` to a
temporary name in the exports folder and renamed into place, so a reader (or
a killed run) never sees a half-written file: the previous export stays until
the new one is complete. Types are DuckDB's own (DATE as date, lists as lists,
BIGINT keys, DOUBLE values), zstd-compressed; rows are ordered by the table's
key so the files are stable across reruns. ``_manifest.json`` lists every
export with its row count and columns.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb

SCHEMA_VERSION = 1

ORDER_BY = {
    "dim_date": "date_key",
    "dim_outlet": "outlet_key",
    "dim_district": "district_key",
    "fact_articles": "article_id",
    "fact_metrics": "metric_id",
    "article_districts": "article_id, district_key",
    "article_outlets": "article_id, position",
    "article_keywords": "article_id, rank",
}


def export_table(conn: duckdb.DuckDBPyConnection, table: str, exports_dir: Path) -> dict:
    exports_dir.mkdir(parents=True, exist_ok=True)
    final = exports_dir / f"{table}.parquet"
    tmp = exports_dir / f".{table}.parquet.tmp-{os.getpid()}"
    try:
        conn.execute(
            f"COPY (SELECT * FROM modeled.{table} ORDER BY {ORDER_BY[table]}) TO '{tmp.as_posix()}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    rows = conn.execute(f"SELECT count(*) FROM '{final.as_posix()}'").fetchone()[0]
    cols = conn.execute(f"DESCRIBE SELECT * FROM '{final.as_posix()}'").fetchall()
    return {
        "table": table,
        "file": final.name,
        "rows": rows,
        "bytes": final.stat().st_size,
        "columns": [{"name": c[0], "type": c[1]} for c in cols],
    }


def write_manifest(exports_dir: Path, entries: list[dict]) -> Path:
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tables": sorted(entries, key=lambda e: e["table"]),
    }
    path = exports_dir / "_manifest.json"
    tmp = exports_dir / "._manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path
