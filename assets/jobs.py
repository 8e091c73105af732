import dagster as dg

# One process per run holds the DuckDB file (in-process executor): DuckDB allows
# a single read-write process per database file, and the writer pool serialises
# runs against each other. Parsing parallelism lives inside the steps.
warehouse_job = dg.define_asset_job(
    name="warehouse_job",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Materialize every layer: raw → cleaned → modeled → exports, with all asset checks.",
)
