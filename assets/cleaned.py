import dagster as dg

from assets.partitions import SINGLE_RUN, lake_scope, seed_files
from assets.resources import PARTITION_POOL, WarehouseResource
from etl.clean import build_cleaned
from etl.warehouse import row_count


class RebuildConfig(dg.Config):
    full_refresh: bool = False
    """Re-derive every page/article, not only new or changed ones."""


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["cleaned", "pages"], deps=[["raw", "source_files"]], group_name="cleaned", kinds={"duckdb"},
                     description="Masthead metadata and page furniture per distinct page."),
        dg.AssetSpec(["cleaned", "articles"], deps=[["raw", "source_files"]], group_name="cleaned", kinds={"duckdb"},
                     description="One row per article cut from a page."),
        dg.AssetSpec(["cleaned", "paragraphs"], deps=[["raw", "source_files"]], group_name="cleaned", kinds={"duckdb"},
                     description="Every paragraph of every article with its kind."),
    ],
    pool=PARTITION_POOL,
    partitions_def=seed_files,
    backfill_policy=SINGLE_RUN,
)
def cleaned_tables(context: dg.AssetExecutionContext, config: RebuildConfig, warehouse: WarehouseResource):
    with warehouse.connect() as conn:
        stats = build_cleaned(conn, full_refresh=config.full_refresh, paths=lake_scope(context))
        counts = {t: row_count(conn, t) for t in ("cleaned.pages", "cleaned.articles", "cleaned.paragraphs")}
        preview = conn.execute(
            "SELECT ordinal, kicker, title, news_date, outlets, reporters FROM cleaned.articles "
            "ORDER BY file_id, ordinal LIMIT 10"
        ).fetchall()
    for path, lc in sorted(stats.line_classes.items()):
        context.log.info(f"{path}: input lines per class " + ", ".join(f"{k}={v}" for k, v in sorted(lc.items()) if v))
    classes = "\n".join(
        f"| {path} | " + ", ".join(f"{k}={v}" for k, v in sorted(lc.items())) + " |"
        for path, lc in sorted(stats.line_classes.items())[:50]
    ) or "| (no page parsed this run) | |"
    preview_md = "\n".join(f"| {o} | {k or ''} | {t} | {d} | {','.join(ol)} | {','.join(r)} |"
                           for o, k, t, d, ol, r in preview)
    yield dg.MaterializeResult(asset_key=["cleaned", "pages"], metadata={
        "dagster/row_count": counts["cleaned.pages"],
        "pages_parsed": stats.pages_parsed,
        "pages_removed": stats.pages_removed,
        "line_classes": dg.MetadataValue.md("| file | input lines per class |\n|---|---|\n" + classes),
    })
    yield dg.MaterializeResult(asset_key=["cleaned", "articles"], metadata={
        "dagster/row_count": counts["cleaned.articles"],
        "articles_written": stats.articles_written,
        "preview": dg.MetadataValue.md(
            "| # | kicker | title | date | outlets | reporters |\n|---|---|---|---|---|---|\n" + preview_md),
    })
    yield dg.MaterializeResult(asset_key=["cleaned", "paragraphs"], metadata={
        "dagster/row_count": counts["cleaned.paragraphs"],
        "paragraphs_written": stats.paragraphs_written,
    })
