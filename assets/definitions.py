"""The Definitions object `dagster dev -w workspace.yaml` loads.

Every asset is partitioned by shard of the files (``file_shards``) with the single-run backfill policy, and the
default executor is ``warehouse_job``'s (``assets.jobs.warehouse_executor``, chosen per run by its backend): "Materialize all" in the asset graph, a backfill or a
materialization of a few assets launches one run that executes like ``warehouse_job`` (in one
process on the embedded backend), not one process per step and one run per layer.
"""

import dagster as dg

from assets import cleaned, exports, modeled, publish, raw, report
from assets.checks import ASSET_CHECKS
from assets.jobs import EXECUTOR, ingest_job, publish_job, warehouse_job
from assets.partitions import share_file_partitions
from assets.resources import WarehouseResource
from assets.schedules import daily_warehouse_refresh
from assets.sensors import seeds_folder_sensor

defs = dg.Definitions(
    assets=[share_file_partitions(a)
            for a in dg.load_assets_from_modules([raw, cleaned, modeled, exports, publish, report])],
    asset_checks=ASSET_CHECKS,
    jobs=[warehouse_job, ingest_job, publish_job],
    schedules=[daily_warehouse_refresh],
    sensors=[seeds_folder_sensor],
    resources={"warehouse": WarehouseResource()},
    executor=EXECUTOR,
)


def warehouse_job_def() -> dg.JobDefinition:
    """The resolved job, for ``dg.reconstructable`` (out-of-process executors re-import it)."""
    return defs.resolve_job_def("warehouse_job")
