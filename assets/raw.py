import dagster as dg

from assets.partitions import SINGLE_RUN, run_partition_keys, seed_files
from assets.resources import PARTITION_POOL, WarehouseResource
from etl.raw import sync_source_files
from etl.warehouse import row_count


@dg.asset(
    key=["raw", "source_files"],
    group_name="raw",
    pool=PARTITION_POOL,
    partitions_def=seed_files,
    backfill_policy=SINGLE_RUN,
    description="One row per file under SEEDS_DIR: decoded text or the reason it was rejected.",
    kinds={"duckdb"},
)
def source_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        stats = sync_source_files(conn, warehouse.settings.seeds_dir, run_partition_keys(context))
        total = row_count(conn, "raw.source_files")
    for path, error in stats.rejected_files:
        context.log.warning(f"rejected {path}: {error}")
    rejected_md = "\n".join(f"| {p} | {e} |" for p, e in stats.rejected_files) or "| – | – |"
    return dg.MaterializeResult(metadata={
        "dagster/row_count": total,
        "files_read": stats.seen,
        "files_ok": stats.ok,
        "files_rejected": stats.rejected,
        "files_added": stats.added,
        "files_replaced": stats.replaced,
        "files_unchanged": stats.unchanged,
        "files_retired": stats.retired,
        "seeds_dir": str(warehouse.settings.seeds_dir),
        "rejected": dg.MetadataValue.md("| path | reason |\n|---|---|\n" + rejected_md),
    })
