import dagster as dg

from assets.cleaned import RebuildConfig
from assets.metadata import (
    add_row_counts,
    file_article_ids_where,
    md_table,
    metrics_per_unit,
    metrics_per_unit_by_shard,
)
from assets.partitions import SINGLE_RUN, file_shards, run_scope, scope_files
from assets.resources import PARTITION_POOL, WRITER_POOL, WarehouseResource
from etl import contract
from etl.model import (
    FACT_TABLES,
    build_facts,
    refresh_dim_date,
    refresh_dim_district,
    refresh_dim_outlet,
    refresh_dim_reporter,
)
from etl.warehouse import row_count

GROUP = "modeled"
_md_table = md_table
# The dimensions are shared by every file and rebuilt whole by any run; they are partitioned by file
# like every asset (one run per backfill, assets/partitions.py), and each materialization reports
# the whole dimension.
DIM = dict(group_name=GROUP, pool=WRITER_POOL, kinds={"duckdb"}, partitions_def=file_shards,
           backfill_policy=SINGLE_RUN)
SHARED = " Shared by all files: every run refreshes the whole table, and each partition shows the table's row count."


def _described(name: str, extra: str = "") -> str:
    """The table's COMMENT ON TABLE (etl/sql/schema.sql), plus what the asset adds."""
    return contract.description(f"modeled.{name}") + extra


@dg.asset(key=["modeled", "dim_district"], **DIM,
          description=_described("dim_district", SHARED))
def dim_district(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        n = refresh_dim_district(conn)
        levels = conn.execute("SELECT level, count(*) FROM modeled.dim_district GROUP BY 1 ORDER BY 2").fetchall()
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "rows_per_level": _md_table(["level", "rows"], levels)})


@dg.asset(key=["modeled", "dim_outlet"], **DIM,
          deps=[["cleaned", "articles"], ["cleaned", "pages"]],
          description=_described("dim_outlet", SHARED))
def dim_outlet(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        added = refresh_dim_outlet(conn)
        n = row_count(conn, "modeled.dim_outlet")
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "outlets_added": added})


@dg.asset(key=["modeled", "dim_reporter"], **DIM,
          deps=[["cleaned", "articles"]],
          description=_described("dim_reporter", SHARED))
def dim_reporter(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        refresh_dim_reporter(conn)
        n = row_count(conn, "modeled.dim_reporter")
    return dg.MaterializeResult(metadata={"dagster/row_count": n})


# the tables build_facts writes (etl.model.FACT_TABLES: those with an article_id) and the dimensions they key into
FACT_NAMES = [t.split(".", 1)[1] for t in FACT_TABLES]
DIMENSIONS = tuple(t for t in contract.table_names("modeled") if t not in FACT_NAMES)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["modeled", name], group_name=GROUP, kinds={"duckdb"},
                     description=_described(name),
                     deps=[["cleaned", "articles"], *(["modeled", d] for d in DIMENSIONS)])
        for name in FACT_NAMES
    ],
    pool=PARTITION_POOL,
    partitions_def=file_shards,
    backfill_policy=SINGLE_RUN,
)
def fact_tables(context: dg.AssetExecutionContext, config: RebuildConfig, warehouse: WarehouseResource):
    scope = run_scope(context, warehouse.settings.seeds_dir)
    keys = scope_files(scope)
    names = FACT_NAMES
    with warehouse.connect() as conn:
        stats = build_facts(conn, full_refresh=config.full_refresh, paths=warehouse.backend_impl.write_scope(keys))
        # each partition's page shows the rows of its own shard's files; table_rows is the whole table
        counts = {k.split("/")[1]: v for k, v in
                  add_row_counts(context, conn, {f"modeled/{t}": f"modeled.{t}" for t in names}, scope).items()}
        where, params = file_article_ids_where(keys) if keys is not None else ("", {})
        per_outlet = conn.execute(
            "SELECT o.outlet_name, count(*) FROM modeled.fact_articles f JOIN modeled.dim_outlet o USING (outlet_key) "
            f"{where} GROUP BY 1 ORDER BY 2 DESC, 1", params).fetchall()
        if scope:  # per partition: its shard's quantities per unit
            for key, units in metrics_per_unit_by_shard(conn, scope).items():
                context.add_asset_metadata({"metrics_per_unit": units},
                                           asset_key=dg.AssetKey(["modeled", "fact_metrics"]), partition_key=key)
        run_units = metrics_per_unit(conn, where, params)
        table_units = metrics_per_unit(conn)
        sample = conn.execute(
            f"SELECT surface, value, unit, qualifier, measure FROM modeled.fact_metrics {where} "
            "ORDER BY metric_id LIMIT 10", params).fetchall()

    def rows(name: str) -> dict:
        return ({"table_rows": counts[name]} if keys is not None
                else {"table_rows": counts[name], "dagster/row_count": counts[name]})

    yield dg.MaterializeResult(asset_key=["modeled", "fact_articles"], metadata={
        **rows("fact_articles"),
        "run_articles_derived": stats.articles_derived,
        "run_articles_removed": stats.articles_removed,
        "articles_per_outlet": _md_table(["outlet", "articles"], per_outlet),
    })
    yield dg.MaterializeResult(asset_key=["modeled", "fact_metrics"], metadata={
        **rows("fact_metrics"),
        "run_metrics_written": stats.metrics_written,
        # never a sum across units: per unit kind and base unit (measure word for counts), no sum of percentages
        "metrics_per_unit": run_units,
        "table_metrics_per_unit": table_units,
        "preview": _md_table(["surface", "value", "unit", "qualifier", "measure"], sample),
    })
    for name in FACT_NAMES:
        if name in ("fact_articles", "fact_metrics"):
            continue  # reported above
        yield dg.MaterializeResult(asset_key=["modeled", name], metadata=rows(name))


@dg.asset(key=["modeled", "dim_date"], **DIM,
          deps=[["cleaned", "articles"], ["cleaned", "pages"]],
          description=_described("dim_date", SHARED))
def dim_date(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        n = refresh_dim_date(conn)
        span = conn.execute("SELECT min(date), max(date) FROM modeled.dim_date").fetchone()
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "first_date": str(span[0]), "last_date": str(span[1])})
