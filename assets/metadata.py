"""Materialization metadata per partition: what one shard's files contributed, not the whole table.

A run over many shards materializes every partition it covers; Dagster shows each partition's
latest materialization on its page. The figures a user reads there (``dagster/row_count``,
files read/ok/rejected, metrics per unit) are therefore attached per partition key
(``context.add_asset_metadata(..., partition_key=…)``): the rows of that shard's files. Whole-table
figures stay on every materialization under ``table_rows``; figures of the run as a whole under
``run_*`` names. One metadata entry per shard, never per file: the events a run writes do not grow
with the number of files.
"""

from __future__ import annotations

import dagster as dg
import duckdb


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.split(".")
    return {r[0] for r in conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [schema, name]).fetchall()}


def rows_per_file(conn: duckdb.DuckDBPyConnection, table: str, keys: list[str]) -> dict[str, int] | None:
    """path → rows of ``table`` derived from that file, for every key (0 when none); None for a table
    shared by all files (no file_id or article_id column: a dimension)."""
    cols = _columns(conn, table)
    if table != "raw.source_files" and "file_id" not in cols and "article_id" not in cols:
        return None
    if table == "raw.source_files":
        join = "JOIN raw.source_files s USING (path)"
        count = "s.path"
    elif "file_id" in cols:  # rows of a table that came from each file: by file_id, else via the article
        join = f"JOIN raw.source_files s USING (path) JOIN {table} t ON t.file_id = s.file_id"
        count = "t.file_id"
    else:
        join = ("JOIN raw.source_files s USING (path) JOIN cleaned.articles a ON a.file_id = s.file_id "
                f"JOIN {table} t ON t.article_id = a.article_id")
        count = "t.article_id"
    got = dict(conn.execute(
        f"SELECT k.path, count({count}) FROM (SELECT unnest($keys::VARCHAR[]) AS path) k {join} GROUP BY 1",
        {"keys": keys}).fetchall())
    return {k: int(got.get(k, 0)) for k in keys}


def shard_table(scope: dict[str, list[str]]) -> dict:
    """Query parameters for a (path, shard) table of the run's files: ``unnest($paths), unnest($shards)``."""
    pairs = [(p, k) for k, ps in scope.items() for p in ps]
    return {"paths": [p for p, _ in pairs], "shards": [k for _, k in pairs]}


SCOPE_SQL = "(SELECT unnest($paths::VARCHAR[]) AS path, unnest($shards::VARCHAR[]) AS shard)"


def add_row_counts(context: dg.AssetExecutionContext, conn: duckdb.DuckDBPyConnection,
                   tables: dict[str, str], scope: dict[str, list[str]] | None) -> dict[str, int]:
    """Attach each partition's own ``dagster/row_count`` (the rows of its shard's files) for every asset
    (asset key string → table); returns the whole-table counts (``table_rows``), which are also the row
    count of an unpartitioned run. A table shared by all files (no file_id or article_id column) shows
    its whole count on every partition."""
    totals = {}
    paths = [p for ps in (scope or {}).values() for p in ps]
    for asset, table in tables.items():
        totals[asset] = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        if scope is None:
            continue
        per_file = rows_per_file(conn, table, paths)
        if per_file is None:  # shared by all files: every partition shows the table's count
            context.add_asset_metadata({"dagster/row_count": totals[asset]}, asset_key=dg.AssetKey(asset.split("/")))
            continue
        for shard, files in scope.items():
            context.add_asset_metadata({"dagster/row_count": sum(per_file[p] for p in files)},
                                       asset_key=dg.AssetKey(asset.split("/")), partition_key=shard)
    return totals


def md_table(header: list[str], rows: list[tuple]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in r) + " |" for r in rows]
    return dg.MetadataValue.md("\n".join(lines))


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


_UNITS_SELECT = """unit_kind, coalesce(base_unit, unit) AS base, count(*) AS n,
               string_agg(DISTINCT unit, ', ' ORDER BY unit) AS written,
               sum(value_base) AS total, min(value_base) AS lo, max(value_base) AS hi"""


def _units_md(rows: list[tuple]) -> dg.MetadataValue:
    out = []
    for kind, base, n, written, total, lo, hi in sorted(rows, key=lambda r: (r[0] or "", -r[2], r[1] or "")):
        summed = "– (percentages are not added)" if kind == "percent" else f"{_fmt(total)} {base or ''}".strip()
        out.append((kind, base, n, written, summed, f"{_fmt(lo)}–{_fmt(hi)}"))
    return md_table(["unit_kind", "base unit", "metrics", "units as written", "sum in base unit", "range in base unit"],
                    out or [("–", "", 0, "", "", "")])


def metrics_per_unit(conn: duckdb.DuckDBPyConnection, where: str = "", params: dict | None = None) -> dg.MetadataValue:
    """Quantities per unit kind and base unit, never summed across units (docs/analyst-guide.md, Units):
    a sum only where every value is in one base unit (元, 平方米, 公斤 …; for counts the measure word
    itself, so 个 and 家 are separate rows); percentages are not added up, their range is shown."""
    return _units_md(conn.execute(
        f"SELECT {_UNITS_SELECT} FROM modeled.fact_metrics {where} GROUP BY 1, 2", params or {}).fetchall())


def metrics_per_unit_by_shard(conn: duckdb.DuckDBPyConnection, scope: dict[str, list[str]]) -> dict[str, dg.MetadataValue]:
    """:func:`metrics_per_unit` for the files of each shard of ``scope`` (shard → paths), in one query."""
    by_shard: dict[str, list[tuple]] = {}
    for shard, *row in conn.execute(
            f"SELECT k.shard, {_UNITS_SELECT} FROM {SCOPE_SQL} k JOIN raw.source_files s USING (path) "
            "JOIN cleaned.articles a USING (file_id) JOIN modeled.fact_metrics USING (article_id) "
            "GROUP BY 1, 2, 3", shard_table(scope)).fetchall():
        by_shard.setdefault(shard, []).append(tuple(row))
    return {k: _units_md(by_shard.get(k, [])) for k in scope}


def file_article_ids_where(paths: list[str]) -> tuple[str, dict]:
    """A WHERE clause on fact_metrics restricting it to the articles of the files ``paths``."""
    return ("WHERE article_id IN (SELECT a.article_id FROM cleaned.articles a JOIN raw.source_files s "
            "USING (file_id) WHERE s.path IN (SELECT unnest($keys::VARCHAR[])))", {"keys": paths})
