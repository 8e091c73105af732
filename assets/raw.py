import socket

import dagster as dg

from assets.metadata import add_row_counts, md_table
from assets.partitions import SINGLE_RUN, file_shards, run_scope, scope_files
from assets.resources import PARTITION_POOL, WarehouseResource
from etl import contract
from etl.raw import sync_source_files

KEY = dg.AssetKey(["raw", "source_files"])


@dg.asset(
    key=KEY,
    group_name="raw",
    pool=PARTITION_POOL,
    partitions_def=file_shards,
    backfill_policy=SINGLE_RUN,
    description=contract.description("raw.source_files") + " A partition is a shard of the files (by a hash "
                "of the path): its page shows how many of its files were read, ok, rejected, added, replaced "
                "or unchanged, and which were rejected and why.",
    kinds={"duckdb"},
)
def source_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    seeds = warehouse.settings.seeds_dir
    scope = run_scope(context, seeds)
    keys = scope_files(scope)
    with warehouse.connect() as conn:
        before = {p: f for p, f in conn.execute("SELECT path, file_id FROM raw.source_files").fetchall()}
        stats = sync_source_files(conn, seeds, keys)
        after = {p: (f, s, e) for p, f, s, e in
                 conn.execute("SELECT path, file_id, status, error FROM raw.source_files").fetchall()}
        totals = add_row_counts(context, conn, {"raw/source_files": "raw.source_files"}, scope)
    if stats.rejected_files:  # one log line per run, not per file
        shown = "; ".join(f"{path}: {error}" for path, error in stats.rejected_files[:20])
        more = f" (and {len(stats.rejected_files) - 20} more)" if len(stats.rejected_files) > 20 else ""
        context.log.warning(f"rejected {len(stats.rejected_files)} file(s): {shown}{more}")
    for shard, files in (scope or {}).items():
        rows = [after.get(k) for k in files]
        outcomes = {"added": 0, "replaced": 0, "unchanged": 0}
        for k, row in zip(files, rows):
            outcomes["added" if k not in before else "replaced" if row and before[k] != row[0] else "unchanged"] += 1
        rejected = [(k, row[2] or "") for k, row in zip(files, rows) if row is not None and row[1] == "rejected"]
        context.add_asset_metadata({
            "files_read": len(files), "files_ok": sum(1 for r in rows if r is not None and r[1] == "ok"),
            "files_rejected": len(rejected), **{f"files_{k}": v for k, v in outcomes.items()},
            "rejected": md_table(["path", "reason"], rejected[:50] or [("–", "–")]),
        }, asset_key=KEY, partition_key=shard)
    rejected_md = md_table(["path", "reason"], stats.rejected_files[:50] or [("–", "–")])
    run_level = {
        "run_files_read": stats.seen, "run_files_ok": stats.ok, "run_files_rejected": stats.rejected,
        "run_files_added": stats.added, "run_files_replaced": stats.replaced,
        "run_files_unchanged": stats.unchanged, "run_files_retired": stats.retired,
        "table_rows": totals["raw/source_files"],
        "seeds_dir": str(seeds),
        "run_rejected": rejected_md,
        # where the step ran (a multi-host deployment runs a fan-out's runs on several hosts)
        "host": socket.gethostname(),
        "warehouse_dir": str(warehouse.settings.warehouse_dir),
    }
    if scope is None:  # an unpartitioned run: its figures are the table's
        run_level.update({"dagster/row_count": totals["raw/source_files"], "files_read": stats.seen,
                          "files_ok": stats.ok, "files_rejected": stats.rejected})
    return dg.MaterializeResult(metadata=run_level)
