"""Watch SEEDS_DIR: a run for each added or changed file, a catch-up run when files disappear."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from assets.jobs import warehouse_job
from assets.partitions import partition_changes, range_tags, seed_files
from assets.resources import WarehouseResource
from etl.raw import seed_paths

# Above this many new or changed files in one tick, one catch-up run covers
# every file instead of one run per file.
BATCH_THRESHOLD = 20


def fingerprints(seeds_dir) -> dict[str, str]:
    """path → short hash of (size, mtime): cheap, and changes when the file does."""
    out = {}
    for rel, path in seed_paths(seeds_dir).items():
        try:
            st = path.lstat()
        except OSError:
            continue
        out[rel] = hashlib.sha1(f"{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:12]
    return out


@dg.sensor(
    name="seeds_folder_sensor",
    job=warehouse_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers new files as partitions and runs just those; re-runs a changed file's partition; "
                "deletes the partition of a removed file and launches a catch-up run that retires its rows.",
)
def seeds_folder_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    seeds = warehouse.settings.seeds_dir
    current = fingerprints(seeds)
    previous: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    registered = context.instance.get_dynamic_partitions(seed_files.name)
    to_add, to_delete = partition_changes(registered, list(current))
    changed = [k for k in current if k in previous and previous[k] != current[k] and k not in to_add]
    # a file present on disk but never seen by this sensor (first tick, or registered by run.sh) is new to it
    unseen = [k for k in current if k not in previous and k not in to_add]

    work = to_add + changed + unseen
    remaining = [k for k in registered if k not in set(to_delete)] + to_add
    requests: list[dg.RunRequest] = []
    if (to_delete or len(work) > BATCH_THRESHOLD) and remaining:
        # one catch-up run over every file: unchanged files are skipped by content hash,
        # removed files are retired, and a backlog of new files is processed as one batch
        requests.append(dg.RunRequest(
            run_key=f"catchup:{len(remaining)}:{hashlib.sha1(json.dumps(current, sort_keys=True).encode()).hexdigest()[:12]}",
            tags={**range_tags(remaining), "trigger": "seeds_folder_sensor:catch-up"}))
    else:
        requests += [dg.RunRequest(run_key=f"{k}:{current[k]}", partition_key=k) for k in work]
    context.update_cursor(json.dumps(current, ensure_ascii=False, sort_keys=True))
    if not requests and not to_delete:
        return dg.SkipReason(f"no change in {len(current)} files")
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[
            *([seed_files.build_add_request(to_add)] if to_add else []),
            *([seed_files.build_delete_request(to_delete)] if to_delete else []),
        ],
    )
