import dagster as dg

from assets.cleaned import RebuildConfig
from assets.partitions import SINGLE_RUN, lake_scope, seed_files
from assets.resources import PARTITION_POOL, WRITER_POOL, WarehouseResource
from etl.model import build_facts, refresh_dim_date, refresh_dim_district, refresh_dim_outlet
from etl.warehouse import row_count

GROUP = "modeled"


def _md_table(header: list[str], rows: list[tuple]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in r) + " |" for r in rows]
    return dg.MetadataValue.md("\n".join(lines))


@dg.asset(key=["modeled", "dim_district"], group_name=GROUP, pool=WRITER_POOL, kinds={"duckdb"},
          description="Qingdao administrative divisions (NBS codes) and functional areas; -1 unknown.")
def dim_district(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        n = refresh_dim_district(conn)
        levels = conn.execute("SELECT level, count(*) FROM modeled.dim_district GROUP BY 1 ORDER BY 2").fetchall()
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "rows_per_level": _md_table(["level", "rows"], levels)})


@dg.asset(key=["modeled", "dim_outlet"], group_name=GROUP, pool=WRITER_POOL, kinds={"duckdb"},
          deps=[["cleaned", "articles"], ["cleaned", "pages"]],
          description="Outlets from the reference list plus any first seen in bylines; keys never renumbered.")
def dim_outlet(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        added = refresh_dim_outlet(conn)
        n = row_count(conn, "modeled.dim_outlet")
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "outlets_added": added})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["modeled", name], group_name=GROUP, kinds={"duckdb"}, description=desc,
                     deps=[["cleaned", "articles"], ["modeled", "dim_outlet"], ["modeled", "dim_district"],
                           ["modeled", "dim_date"]])
        for name, desc in [
            ("fact_articles", "One row per article with date, outlet and primary-district keys and counts."),
            ("fact_metrics", "One row per quantity quoted in an article, normalised."),
            ("article_districts", "Every place an article names."),
            ("article_outlets", "Every outlet an article credits."),
            ("article_keywords", "Top-10 TF-IDF keywords per article."),
        ]
    ],
    pool=PARTITION_POOL,
    partitions_def=seed_files,
    backfill_policy=SINGLE_RUN,
)
def fact_tables(context: dg.AssetExecutionContext, config: RebuildConfig, warehouse: WarehouseResource):
    with warehouse.connect() as conn:
        stats = build_facts(conn, full_refresh=config.full_refresh, paths=lake_scope(context))
        counts = {t: row_count(conn, f"modeled.{t}") for t in
                  ("fact_articles", "fact_metrics", "article_districts", "article_outlets", "article_keywords")}
        per_outlet = conn.execute(
            "SELECT o.outlet_name, count(*) FROM modeled.fact_articles f JOIN modeled.dim_outlet o USING (outlet_key) "
            "GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
        per_kind = conn.execute(
            "SELECT unit_kind, count(*), round(sum(value_base), 2) FROM modeled.fact_metrics GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        sample = conn.execute(
            "SELECT surface, value, unit, qualifier, measure FROM modeled.fact_metrics ORDER BY metric_id LIMIT 10"
        ).fetchall()
    yield dg.MaterializeResult(asset_key=["modeled", "fact_articles"], metadata={
        "dagster/row_count": counts["fact_articles"],
        "articles_derived": stats.articles_derived,
        "articles_removed": stats.articles_removed,
        "articles_per_outlet": _md_table(["outlet", "articles"], per_outlet),
    })
    yield dg.MaterializeResult(asset_key=["modeled", "fact_metrics"], metadata={
        "dagster/row_count": counts["fact_metrics"],
        "metrics_written": stats.metrics_written,
        "metrics_per_unit_kind": _md_table(["unit_kind", "metrics", "sum(value_base)"], per_kind),
        "preview": _md_table(["surface", "value", "unit", "qualifier", "measure"], sample),
    })
    for name in ("article_districts", "article_outlets", "article_keywords"):
        yield dg.MaterializeResult(asset_key=["modeled", name], metadata={"dagster/row_count": counts[name]})


@dg.asset(key=["modeled", "dim_date"], group_name=GROUP, pool=WRITER_POOL, kinds={"duckdb"},
          deps=[["cleaned", "articles"], ["cleaned", "pages"]],
          description="Continuous calendar over every article and page date, padded to whole years, with holidays and lunar date.")
def dim_date(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        n = refresh_dim_date(conn)
        span = conn.execute("SELECT min(date), max(date) FROM modeled.dim_date").fetchone()
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "first_date": str(span[0]), "last_date": str(span[1])})
