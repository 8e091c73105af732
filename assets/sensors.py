import hashlib

import dagster as dg

from assets.jobs import warehouse_job
from assets.resources import WarehouseResource
from etl.ingest import discover


def folder_fingerprint(seeds_dir) -> tuple[str, int]:
    """Hash of (path, size, mtime) of every file: changes when a file is added, changed or removed."""
    h = hashlib.sha256()
    files = discover(seeds_dir)
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        h.update(f"{p.relative_to(seeds_dir).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest(), len(files)


@dg.sensor(
    name="seeds_folder_sensor",
    job=warehouse_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a run when a file in SEEDS_DIR is added, changed or removed.",
)
def seeds_folder_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    fingerprint, n = folder_fingerprint(warehouse.settings.seeds_dir)
    if fingerprint == context.cursor:
        return dg.SkipReason(f"no change in {n} files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint, tags={"trigger": "seeds_folder_sensor", "files": str(n)})
