import dagster as dg

from assets.metadata import SCOPE_SQL, add_row_counts, shard_table
from assets.partitions import SINGLE_RUN, file_shards, run_scope, scope_files
from assets.resources import PARTITION_POOL, WarehouseResource
from etl import contract
from etl.clean import build_cleaned


class RebuildConfig(dg.Config):
    full_refresh: bool = False
    """Re-derive every page/article, not only new or changed ones."""


def _preview_md(rows: list) -> dg.MetadataValue:
    body = "\n".join(f"| {o} | {k or ''} | {t} | {d} | {','.join(ol or [])} | {','.join(r or [])} |"
                     for o, k, t, d, ol, r in rows)
    return dg.MetadataValue.md("| # | kicker | title | date | outlets | reporters |\n|---|---|---|---|---|---|\n" + body)


def _rows(total: int, keys: list[str] | None) -> dict:
    """Whole-table rows; also the row count of a run without partitions (each partition has its own)."""
    return {"table_rows": total} if keys is not None else {"table_rows": total, "dagster/row_count": total}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["cleaned", name], deps=[["raw", "source_files"]], group_name="cleaned", kinds={"duckdb"},
                     description=contract.description(f"cleaned.{name}"))
        for name in contract.table_names("cleaned")
    ],
    pool=PARTITION_POOL,
    partitions_def=file_shards,
    backfill_policy=SINGLE_RUN,
)
def cleaned_tables(context: dg.AssetExecutionContext, config: RebuildConfig, warehouse: WarehouseResource):
    scope = run_scope(context, warehouse.settings.seeds_dir)
    keys = scope_files(scope)
    with warehouse.connect() as conn:
        stats = build_cleaned(conn, full_refresh=config.full_refresh, paths=warehouse.backend_impl.write_scope(keys))
        # each partition's page shows the rows of its own shard's files; table_rows is the whole table
        counts = add_row_counts(context, conn, {f"cleaned/{t}": f"cleaned.{t}" for t in
                                                contract.table_names("cleaned")}, scope)
        counts = {k.replace("/", "."): v for k, v in counts.items()}
        preview = conn.execute(
            "SELECT ordinal, kicker, title, news_date, outlets, reporters FROM cleaned.articles "
            "ORDER BY file_id, ordinal LIMIT 10").fetchall()
        if scope:  # each partition previews its shard's first articles (one query for all the run's shards)
            per_shard: dict[str, list] = {}
            for shard, *row in conn.execute(
                    "SELECT k.shard, a.ordinal, a.kicker, a.title, a.news_date, a.outlets, a.reporters "
                    f"FROM {SCOPE_SQL} k JOIN raw.source_files s USING (path) JOIN cleaned.articles a USING (file_id) "
                    "QUALIFY row_number() OVER (PARTITION BY k.shard ORDER BY s.path, a.ordinal) <= 10 "
                    "ORDER BY k.shard, s.path, a.ordinal", shard_table(scope)).fetchall():
                per_shard.setdefault(shard, []).append(row)
            for shard in scope:
                context.add_asset_metadata({"preview": _preview_md(per_shard.get(shard, []))},
                                           asset_key=dg.AssetKey(["cleaned", "articles"]), partition_key=shard)
    classes = "\n".join(
        f"| {path} | " + ", ".join(f"{k}={v}" for k, v in sorted(lc.items())) + " |"
        for path, lc in sorted(stats.line_classes.items())[:50]
    ) or "| (no page parsed this run) | |"
    # line classes per file go in this table (the first 50 files), never one log event per file
    yield dg.MaterializeResult(asset_key=["cleaned", "pages"], metadata={
        **_rows(counts["cleaned.pages"], keys),
        "run_pages_parsed": stats.pages_parsed,
        "run_pages_removed": stats.pages_removed,
        "line_classes": dg.MetadataValue.md("| file | input lines per class |\n|---|---|\n" + classes),
    })
    yield dg.MaterializeResult(asset_key=["cleaned", "articles"], metadata={
        **_rows(counts["cleaned.articles"], keys),
        "run_articles_written": stats.articles_written,
        "preview": _preview_md(preview),
    })
    yield dg.MaterializeResult(asset_key=["cleaned", "paragraphs"], metadata={
        **_rows(counts["cleaned.paragraphs"], keys),
        "run_paragraphs_written": stats.paragraphs_written,
    })
