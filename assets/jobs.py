import dagster as dg


# One process per run touches DuckDB (in-process executor) and every writing
# step is in pool "duckdb_writer" (limit 1), so concurrent runs are serialised
# step by step. A run covers one file (sensor) or a range of files (schedule,
# run.sh, backfills from the UI: single-run backfill policy).
warehouse_job = dg.define_asset_job(
    name="warehouse_job",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="raw → cleaned → modeled → exports for the selected files, with all asset checks; "
                "publishes warehouse.duckdb when the blocking checks pass.",
)
