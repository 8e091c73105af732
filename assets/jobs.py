import os

import dagster as dg

from etl.lake import is_lake

# One process per run touches DuckDB (in-process executor) and every writing
# step is in pool "duckdb_writer" (limit 1), so concurrent runs are serialised
# step by step. A run covers one file (sensor) or a range of files (schedule,
# run.sh, backfills from the UI: single-run backfill policy).
# On DuckLake there is no single-writer file: steps run as separate processes (multiprocess
# executor, LAKE_MAX_CONCURRENT steps per run, default 2) and runs over different files write at
# once (pool lake_partition_writer). A cluster swaps in k8s_job_executor / celery_executor
# (docs/deployment.md).
if is_lake():
    EXECUTOR = dg.multiprocess_executor.configured(
        {"max_concurrent": int(os.environ.get("LAKE_MAX_CONCURRENT", "2")),
         # step processes fork from a server that imported the code once (~0.1 s a step, not ~4 s)
         "start_method": {"forkserver": {"preload_modules": ["assets.definitions"]}}},
        name="lake_multiprocess")
else:
    EXECUTOR = dg.in_process_executor

warehouse_job = dg.define_asset_job(
    name="warehouse_job",
    selection=dg.AssetSelection.all(),
    executor_def=EXECUTOR,
    description="raw → cleaned → modeled → exports for the selected files, with all asset checks; "
                "publishes warehouse.duckdb when the blocking checks pass.",
)


def warehouse_job_def() -> dg.JobDefinition:
    """The resolved job, for ``dg.reconstructable`` (out-of-process executors re-import it)."""
    from assets.definitions import defs

    return defs.resolve_job_def("warehouse_job")
