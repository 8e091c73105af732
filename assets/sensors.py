"""Watch SEEDS_DIR: a run for each shard holding an added or changed file, a catch-up run when files disappear.

The sensor's cursor holds a (size, mtime) fingerprint per file. A file the cursor has never seen
(the sensor's first tick, e.g. the first ``dagster dev`` after ``scripts/run.sh``, or a cursor
reset) is compared with the published warehouse instead: when ``raw.source_files`` already holds
that path with the same size and sha256 (``file_id``), the file is recorded in the cursor and not
run again. Only files that are new or differ from what the warehouse holds get a run: one run per
shard (``assets.partitions``) that holds such files, which reads that shard's files and skips the
unchanged ones by content hash. On the first tick, paths the warehouse holds but the folder no
longer has count as removed.
"""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from assets.jobs import warehouse_job
from assets.partitions import all_shards_tags, files_by_shard
from assets.resources import WarehouseResource
from etl.ingest import sha256_hex
from etl.raw import seed_paths

# Above this many new or changed files in one tick, one catch-up run covers
# every shard instead of one run per shard.
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


def stored_files(warehouse: WarehouseResource, log=None) -> dict[str, tuple[str, int]]:
    """:func:`_warehouse_files`, or {} (with a warning) when the warehouse cannot be read: then every
    file the sensor has not seen is run, as if new."""
    try:
        return _warehouse_files(warehouse)
    except Exception as exc:  # noqa: BLE001 - a snapshot that cannot be read means: run the files
        if log is not None:
            log.warning(f"could not read the warehouse to skip files it already holds: {exc}")
        return {}


def held_unchanged(warehouse: WarehouseResource, keys: list[str], log=None,
                   stored: dict[str, tuple[str, int]] | None = None) -> set[str]:
    """The keys whose file the published warehouse already holds with these exact bytes.

    Reads only files whose size matches the stored row, once per file the sensor has not seen before.
    Any failure (no warehouse yet, a damaged snapshot) means "not held": the file is run, as before."""
    if not keys:
        return set()
    if stored is None:
        stored = stored_files(warehouse, log)
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
    description="Runs the shard of each new or changed file (one run per shard; unchanged files in it are "
                "skipped by content hash); when files are removed or many arrive at once, one catch-up run "
                "over every shard, which also retires the rows of removed files.",
)
def seeds_folder_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    seeds = warehouse.settings.seeds_dir
    current = fingerprints(seeds)
    first_tick = not context.cursor
    previous: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    changed = [k for k in current if k in previous and previous[k] != current[k]]
    # a file present on disk but never seen by this sensor (first tick, or a cursor reset) is new to it;
    # the ones the warehouse already holds byte for byte (run.sh processed them) need no run
    unseen = [k for k in current if k not in previous]
    stored = stored_files(warehouse, context.log) if unseen or first_tick else {}
    held = held_unchanged(warehouse, unseen, context.log, stored)
    work = [k for k in unseen if k not in held] + changed
    removed = sorted((set(previous) | (set(stored) if first_tick else set())) - set(current))

    requests: list[dg.RunRequest] = []
    if removed or len(work) > BATCH_THRESHOLD:
        # one catch-up run over every shard: unchanged files are skipped by content hash,
        # removed files are retired, and a backlog of new files is processed as one batch
        requests.append(dg.RunRequest(
            run_key=f"catchup:{len(current)}:{hashlib.sha1(json.dumps(current, sort_keys=True).encode()).hexdigest()[:12]}",
            tags={**all_shards_tags(), "trigger": "seeds_folder_sensor:catch-up"}))
    else:
        for shard, files in files_by_shard(work).items():
            stamp = hashlib.sha1(json.dumps([(k, current[k]) for k in files]).encode()).hexdigest()[:12]
            requests.append(dg.RunRequest(run_key=f"{shard}:{stamp}", partition_key=shard,
                                          tags={"trigger": "seeds_folder_sensor", "qingdao_news/files": ", ".join(files[:5])[:200]}))
    context.update_cursor(json.dumps(current, ensure_ascii=False, sort_keys=True))
    if not requests:
        known = f" ({len(held)} already in the warehouse, unchanged)" if held else ""
        return dg.SkipReason(f"no change in {len(current)} files{known}")
    return dg.SensorResult(run_requests=requests)
