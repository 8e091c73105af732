"""Generate docs/data-dictionary.md from the COMMENTs in etl/sql/schema.sql."""

from __future__ import annotations

import duckdb

from etl.warehouse import schema_sql

HEADER = """# Data dictionary

Generated from the `COMMENT ON` statements in `etl/sql/schema.sql` by
`.venv/bin/python scripts/gen_data_dictionary.py`; `tests/test_data_dictionary.py`
fails when this file and the schema disagree. Edit the SQL, then regenerate.

Parquet exports under `warehouse/exports/` carry the same columns and types as
the `modeled` tables.
"""


def data_dictionary_markdown() -> str:
    conn = duckdb.connect()
    try:
        conn.execute(schema_sql())
        tables = conn.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() "
            "WHERE schema_name IN ('raw','cleaned','modeled') ORDER BY "
            "CASE schema_name WHEN 'raw' THEN 0 WHEN 'cleaned' THEN 1 ELSE 2 END, table_name"
        ).fetchall()
        out = [HEADER]
        for schema, table, comment in tables:
            out.append(f"\n## `{schema}.{table}`\n\n{comment or ''}\n")
            out.append("| column | type | nullable | description |\n|---|---|---|---|")
            cols = conn.execute(
                "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
                "WHERE schema_name = ? AND table_name = ? ORDER BY column_index", [schema, table]).fetchall()
            for name, dtype, nullable, ccomment in cols:
                desc = (ccomment or "").replace("|", "\\|")
                out.append(f"| `{name}` | {dtype} | {'yes' if nullable else 'no'} | {desc} |")
        return "\n".join(out) + "\n"
    finally:
        conn.close()


def undocumented_columns() -> list[str]:
    conn = duckdb.connect()
    try:
        conn.execute(schema_sql())
        rows = conn.execute(
            "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE schema_name IN ('raw','cleaned','modeled') AND coalesce(comment, '') = ''").fetchall()
        return [r[0] for r in rows]
    finally:
        conn.close()
