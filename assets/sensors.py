"""Watch SEEDS_DIR: a run for each added or changed file, a catch-up run when files disappear.

The sensor's cursor holds a (size, mtime) fingerprint per file. A file the cursor has never seen
(the sensor's first tick, e.g. the first ``dagster dev`` after ``scripts/run.sh``, or a cursor
reset) is compared with the published warehouse instead: when ``raw.source_files`` already holds
that path with the same size and sha256 (``file_id``), the file is recorded in the cursor and not
run again. Only files that are new or differ from what the warehouse holds get a run.
"""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from assets.jobs import warehouse_job
from assets.partitions import partition_changes, range_tags, seed_files
from assets.resources import WarehouseResource
from etl.ingest import sha256_hex
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


def _warehouse_files(warehouse: WarehouseResource) -> dict[str, tuple[str, int]]:
    """path → (file_id, size_bytes) of the files the published warehouse holds ({} when there is none).
    Embedded: the published snapshot (read-only, never locked by a run); DuckLake: the lake."""
    sql = "SELECT path, file_id, size_bytes FROM raw.source_files WHERE status = 'ok'"
    if warehouse.backend_impl.name != "embedded":
        with warehouse.connect(read_only=True) as conn:
            return {p: (f, n) for p, f, n in conn.execute(sql).fetchall()}
    import duckdb

    db = warehouse.settings.db_path
    if not db.exists():
        return {}
    with duckdb.connect(str(db), read_only=True) as conn:
        return {p: (f, n) for p, f, n in conn.execute(sql).fetchall()}


def held_unchanged(warehouse: WarehouseResource, keys: list[str], log=None) -> set[str]:
    """The keys whose file the published warehouse already holds with these exact bytes.

    Reads only files whose size matches the stored row, once per file the sensor has not seen before.
    Any failure (no warehouse yet, a damaged snapshot) means "not held": the file is run, as before."""
    if not keys:
        return set()
    try:
        stored = _warehouse_files(warehouse)
    except Exception as exc:  # noqa: BLE001 - a snapshot that cannot be read means: run the files
        if log is not None:
            log.warning(f"could not read the warehouse to skip files it already holds: {exc}")
        return set()
    paths = seed_paths(warehouse.settings.seeds_dir)
    held = set()
    for key in keys:
        row, path = stored.get(key), paths.get(key)
        if row is None or path is None:
            continue
        try:
            if path.stat().st_size == row[1] and sha256_hex(path.read_bytes()) == row[0]:  # as ingest makes file_id
                held.add(key)
        except OSError:
            continue
    return held


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
    # a file present on disk but never seen by this sensor (first tick, or registered by run.sh) is new to
    # it; the ones the warehouse already holds byte for byte (run.sh processed them) need no run
    unseen = [k for k in current if k not in previous]
    held = held_unchanged(warehouse, unseen, context.log)
    unseen = [k for k in unseen if k not in held and k not in to_add]
    runs_for_added = [k for k in to_add if k not in held]

    work = runs_for_added + changed + unseen
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
    if not requests and not to_delete and not to_add:
        known = f" ({len(held)} already in the warehouse, unchanged)" if held else ""
        return dg.SkipReason(f"no change in {len(current)} files{known}")
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[
            *([seed_files.build_add_request(to_add)] if to_add else []),
            *([seed_files.build_delete_request(to_delete)] if to_delete else []),
        ],
    )
