import socket

import dagster as dg

from assets.metadata import add_row_counts, md_table
from assets.partitions import SINGLE_RUN, run_partition_keys, seed_files
from assets.resources import PARTITION_POOL, WarehouseResource
from etl import contract
from etl.raw import seed_paths, sync_source_files

KEY = dg.AssetKey(["raw", "source_files"])


@dg.asset(
    key=KEY,
    group_name="raw",
    pool=PARTITION_POOL,
    partitions_def=seed_files,
    backfill_policy=SINGLE_RUN,
    description=contract.description("raw.source_files") + " A partition is one file: its page shows that "
                "file's status, reason and whether this run added, replaced or left it unchanged.",
    kinds={"duckdb"},
)
def source_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    keys = run_partition_keys(context)
    seeds = warehouse.settings.seeds_dir
    with warehouse.connect() as conn:
        before = {p: (f, s) for p, f, s in conn.execute("SELECT path, file_id, status FROM raw.source_files").fetchall()}
        stats = sync_source_files(conn, seeds, keys)
        after = {p: (f, s, e) for p, f, s, e in
                 conn.execute("SELECT path, file_id, status, error FROM raw.source_files").fetchall()}
        totals = add_row_counts(context, conn, {"raw/source_files": "raw.source_files"}, keys)
    for path, error in stats.rejected_files:
        context.log.warning(f"rejected {path}: {error}")
    if keys:
        on_disk = seed_paths(seeds)
        without_file = [k for k in keys if k not in on_disk]
        for k in without_file:
            # a partition with no file (added by hand in the UI's "Add a partition", or a file removed since):
            # nothing is read for it; the sensor deletes such partitions on its next tick
            context.log.warning(f"partition {k!r} has no file under {seeds}: nothing read for it "
                                "(a key added by hand, or a file removed since)")
        for k in keys:
            row = after.get(k)
            if k not in on_disk:
                outcome = "no such file: nothing read" + (" (its rows retired)" if k in before else "")
            elif k not in before:
                outcome = "added"
            elif row is not None and before[k] != row[:2]:
                outcome = "replaced"
            else:
                outcome = "unchanged"
            ok = row is not None and row[1] == "ok"
            context.add_asset_metadata({
                "files_read": int(k in on_disk), "files_ok": int(ok),
                "files_rejected": int(row is not None and row[1] == "rejected"),
                "status": row[1] if row else "absent", "reason": (row[2] or "") if row else "",
                "outcome": outcome, "file_id": row[0] if row else "",
            }, asset_key=KEY, partition_key=k)
    rejected_md = md_table(["path", "reason"], stats.rejected_files or [("–", "–")])
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
    if not keys:  # an unpartitioned run: its figures are the table's
        run_level.update({"dagster/row_count": totals["raw/source_files"], "files_read": stats.seen,
                          "files_ok": stats.ok, "files_rejected": stats.rejected})
    return dg.MaterializeResult(metadata=run_level)
