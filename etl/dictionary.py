"""Generate docs/data-dictionary.md from the COMMENTs in etl/sql/schema.sql and etl/sql/marts.sql."""

from __future__ import annotations

import duckdb

from etl.warehouse import marts_sql, schema_sql

SCHEMAS = ("raw", "cleaned", "modeled", "marts")

HEADER = """# Data dictionary

Generated from the `COMMENT ON` statements in `etl/sql/schema.sql` (tables) and
`etl/sql/marts.sql` (analyst views) by
`.venv/bin/python scripts/gen_data_dictionary.py`; `tests/test_data_dictionary.py`
fails when this file and the schema disagree. Edit the SQL, then regenerate.

Parquet exports under `warehouse/exports/` carry the same columns as the
`modeled` tables and `marts` views, in the same order, with BI-friendly types:
every `*_key` column is BIGINT there, values DOUBLE, dates DATE, strings UTF-8
(layout and manifest: [analyst guide](analyst-guide.md#parquet-exports)).
"""


def _connect() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute(schema_sql())
    conn.execute(marts_sql())
    return conn


def _relations(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str | None]]:
    """(kind, schema, name, comment) of every table and view, in dictionary order."""
    return conn.execute(
        """SELECT kind, schema_name, name, comment FROM (
               SELECT 'table' AS kind, schema_name, table_name AS name, comment FROM duckdb_tables()
               UNION ALL
               SELECT 'view', schema_name, view_name, comment FROM duckdb_views() WHERE NOT internal
           ) WHERE schema_name IN ('raw', 'cleaned', 'modeled', 'marts')
           ORDER BY CASE schema_name WHEN 'raw' THEN 0 WHEN 'cleaned' THEN 1 WHEN 'modeled' THEN 2 ELSE 3 END, name"""
    ).fetchall()


def data_dictionary_markdown() -> str:
    conn = _connect()
    try:
        out = [HEADER]
        intro_done = False
        for kind, schema, name, comment in _relations(conn):
            if schema == "marts" and not intro_done:
                intro_done = True
                out.append("\n## Analyst views (`marts`)\n\n"
                           "Views over the tables above (DDL in `etl/sql/marts.sql`); a view has no stored "
                           "data and no NULL constraints, so no nullable column is shown.\n")
            label = f"`{schema}.{name}`" + (" (view)" if kind == "view" else "")
            out.append(f"\n## {label}\n\n{comment or ''}\n")
            if kind == "view":
                out.append("| column | type | description |\n|---|---|---|")
            else:
                out.append("| column | type | nullable | description |\n|---|---|---|---|")
            cols = conn.execute(
                "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
                "WHERE schema_name = ? AND table_name = ? ORDER BY column_index", [schema, name]).fetchall()
            for cname, dtype, nullable, ccomment in cols:
                desc = (ccomment or "").replace("|", "\\|")
                if kind == "view":
                    out.append(f"| `{cname}` | {dtype} | {desc} |")
                else:
                    out.append(f"| `{cname}` | {dtype} | {'yes' if nullable else 'no'} | {desc} |")
        return "\n".join(out) + "\n"
    finally:
        conn.close()


def undocumented_columns() -> list[str]:
    """Columns of every table and view (raw, cleaned, modeled, marts) without a COMMENT."""
    conn = _connect()
    try:
        rows = conn.execute(
            "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE schema_name IN ('raw','cleaned','modeled','marts') AND coalesce(comment, '') = '' "
            "ORDER BY ALL").fetchall()
        return [r[0] for r in rows]
    finally:
        conn.close()


def undocumented_relations() -> list[str]:
    """Tables and views without a COMMENT ON TABLE / COMMENT ON VIEW."""
    conn = _connect()
    try:
        return [f"{s}.{n}" for _, s, n, c in _relations(conn) if not (c or "").strip()]
    finally:
        conn.close()


def view_names(schema: str = "marts") -> list[str]:
    conn = _connect()
    try:
        return [r[0] for r in conn.execute(
            "SELECT view_name FROM duckdb_views() WHERE schema_name = ? ORDER BY 1", [schema]).fetchall()]
    finally:
        conn.close()
