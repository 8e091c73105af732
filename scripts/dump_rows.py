"""Dump every table and view of a warehouse, rows sorted, one text file each: to compare two builds row for row.

    .venv/bin/python scripts/dump_rows.py WAREHOUSE_DIR/warehouse.duckdb OUT_DIR
    diff -r OUT_DIR_BEFORE OUT_DIR_AFTER      # nothing printed = the same warehouse

Columns that differ between any two runs by design (timestamps, the pipeline version) are left out.
Used to show that a refactor changes no output (issue 15's closing note).
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

SKIP = {"pipeline_version", "run_id", "ingested_at", "loaded_at", "cleaned_at", "modeled_at"}


def main(db: str, out: str) -> int:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(db, read_only=True) as con:
        relations = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'cleaned', 'modeled', 'marts') ORDER BY 1, 2").fetchall()
        for schema, name in relations:
            cols = [c for c, t in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall()
                if "TIMESTAMP" not in t and c not in SKIP]
            rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} '
                               f'FROM "{schema}"."{name}" ORDER BY ALL').fetchall()
            (folder / f"{schema}.{name}.txt").write_text("\t".join(cols) + "\n" + "\n".join(map(repr, rows)))
    print(f"{len(relations)} tables and views written to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
