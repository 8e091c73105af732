import dagster as dg

from assets.metadata import add_row_counts
from assets.partitions import SINGLE_RUN, run_partition_keys, seed_files, write_scope
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
    return {"table_rows": total} if keys else {"table_rows": total, "dagster/row_count": total}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["cleaned", name], deps=[["raw", "source_files"]], group_name="cleaned", kinds={"duckdb"},
                     description=contract.description(f"cleaned.{name}"))
        for name in contract.table_names("cleaned")
    ],
    pool=PARTITION_POOL,
    partitions_def=seed_files,
    backfill_policy=SINGLE_RUN,
)
def cleaned_tables(context: dg.AssetExecutionContext, config: RebuildConfig, warehouse: WarehouseResource):
    keys = run_partition_keys(context)
    with warehouse.connect() as conn:
        stats = build_cleaned(conn, full_refresh=config.full_refresh, paths=write_scope(context, warehouse.backend_impl))
        # each partition's page shows the rows of its own file; table_rows is the whole table
        counts = add_row_counts(context, conn, {f"cleaned/{t}": f"cleaned.{t}" for t in
                                                contract.table_names("cleaned")}, keys)
        counts = {k.replace("/", "."): v for k, v in counts.items()}
        preview = conn.execute(
            "SELECT ordinal, kicker, title, news_date, outlets, reporters FROM cleaned.articles "
            "ORDER BY file_id, ordinal LIMIT 10").fetchall()
        if keys:  # each partition previews its own file's first articles (one query for all the run's files)
            per_file: dict[str, list] = {}
            for path, *row in conn.execute(
                    "SELECT s.path, a.ordinal, a.kicker, a.title, a.news_date, a.outlets, a.reporters "
                    "FROM raw.source_files s JOIN cleaned.articles a USING (file_id) "
                    "WHERE s.path IN (SELECT unnest($keys::VARCHAR[])) "
                    "QUALIFY row_number() OVER (PARTITION BY s.path ORDER BY a.ordinal) <= 10 "
                    "ORDER BY s.path, a.ordinal", {"keys": keys}).fetchall():
                per_file.setdefault(path, []).append(row)
            for key in keys:
                context.add_asset_metadata({"preview": _preview_md(per_file.get(key, []))},
                                           asset_key=dg.AssetKey(["cleaned", "articles"]), partition_key=key)
    for path, lc in sorted(stats.line_classes.items()):
        context.log.info(f"{path}: input lines per class " + ", ".join(f"{k}={v}" for k, v in sorted(lc.items()) if v))
    classes = "\n".join(
        f"| {path} | " + ", ".join(f"{k}={v}" for k, v in sorted(lc.items())) + " |"
        for path, lc in sorted(stats.line_classes.items())[:50]
    ) or "| (no page parsed this run) | |"
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
