"""A fixed set of partitions, hash shards of the file path: Dagster's bookkeeping does not grow with files.

``file_shards`` has :data:`SHARD_COUNT` static keys (``shard-00`` … ``shard-07``). A file belongs to
the shard :func:`shard_of` its path (relative to SEEDS_DIR, as stored in ``raw.source_files.path``):
the first bytes of its SHA-1, so the assignment is the same on every host, in every process and
after every restart, and a file never changes shard. A run over some shards reads the files of
those shards that are on disk (:func:`run_files`); content hashes skip the unchanged ones, so work
stays proportional to what is new or changed, while the Dagster events of a run are bounded by
assets × shards touched, whatever the number of files (docs/operations.md, "Partitions").

Every asset is partitioned by shard with the single-run backfill policy, so "Materialize all" and a
UI backfill of any set of shards is one run. The sensor starts one run per shard holding a new or
changed file; removals and large batches get one catch-up run over every shard; the schedule and
``scripts/run.sh`` run every shard; DuckLake's parallel runs each take a contiguous range of shards,
which are disjoint sets of files.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from etl.raw import seed_paths

# Single-run backfills (BackfillPolicy) are marked beta in dagster 1.13; we rely
# on them on purpose (one run for a backfill of every shard), so the
# notice is silenced here, by its exact parameter, rather than shown at every load.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=r"Parameter `backfill_policy`")

# Changing it re-assigns files to shards, so it is fixed. Each asset writes one materialization (and,
# on SQLite, one planned event) per shard a run covers, about 17 ms each on this 2-core machine: 8 keys
# keep a full run's bookkeeping to ~670 events and still give 8 disjoint parallel runs and sensor runs
# that read 1/8 of the folder (docs/operations.md, "Partitions").
SHARD_COUNT = 8
SHARD_KEYS = [f"shard-{i:02d}" for i in range(SHARD_COUNT)]
file_shards = dg.StaticPartitionsDefinition(SHARD_KEYS)
SINGLE_RUN = dg.BackfillPolicy.single_run()

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
PARTITION = "dagster/partition"


def shard_of(path: str) -> str:
    """The partition key of a file: its stored path's SHA-1, modulo :data:`SHARD_COUNT`."""
    digest = hashlib.sha1(path.encode("utf-8", "surrogateescape")).digest()
    return SHARD_KEYS[int.from_bytes(digest[:4], "big") % SHARD_COUNT]


def files_by_shard(paths: Iterable[str]) -> dict[str, list[str]]:
    """shard → its paths (sorted), for the shards that have any."""
    out: dict[str, list[str]] = {}
    for p in sorted(paths):
        out.setdefault(shard_of(p), []).append(p)
    return out


def shards_of(paths: Iterable[str]) -> list[str]:
    """The shards holding ``paths``, in key order."""
    return sorted({shard_of(p) for p in paths})


def range_tags(keys: list[str]) -> dict[str, str]:
    """Tags that make one run cover the shard range keys[0]..keys[-1]."""
    return {RANGE_START: keys[0], RANGE_END: keys[-1]}


def all_shards_tags() -> dict[str, str]:
    """Tags of a run over every file: the whole shard range (run.sh, the schedule, a catch-up)."""
    return range_tags(SHARD_KEYS)


def run_partition_keys(context) -> list[str] | None:
    """Shards this run covers (one key, or a range), None for an unpartitioned run."""
    try:
        if context.has_partition_key or context.has_partition_key_range:
            return list(context.partition_keys)
    except Exception:  # noqa: BLE001 - a check outside a partitioned run has no partition context
        pass
    return None


def run_scope(context, seeds_dir: Path) -> dict[str, list[str]] | None:
    """shard → the files on disk in it, for every shard this run covers (empty ones included); None for
    an unpartitioned run (all files)."""
    keys = run_partition_keys(context)
    if keys is None:
        return None
    by_shard = files_by_shard(seed_paths(seeds_dir))
    return {k: by_shard.get(k, []) for k in keys}


def scope_files(scope: dict[str, list[str]] | None) -> list[str] | None:
    """The files of a :func:`run_scope` (None stays None: every file). A partitioned step passes them to
    ``Backend.write_scope``: on DuckLake it writes only these, while other runs write the other shards."""
    return None if scope is None else sorted(p for files in scope.values() for p in files)


def share_file_partitions(assets_def: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """Put an unpartitioned asset on ``file_shards`` with the single-run policy.

    Every asset of the graph is partitioned by shard, so "Materialize all" in the asset graph (and any
    backfill) is one run: Dagster's asset backfill never puts an unpartitioned asset in the same run
    as partitioned parents (it launches it after they finish, and logs "parent … is requesting a
    different set of partitions" on every daemon tick until then). An asset that is a whole-table
    build (dimensions, the publish and exports, the report) simply rebuilds the table in whichever
    run materializes it, for one shard, a range or all of them.
    """
    if not isinstance(assets_def, dg.AssetsDefinition) or assets_def.partitions_def is not None:
        return assets_def
    mapped = assets_def.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=file_shards))
    return mapped.with_attributes(backfill_policy=SINGLE_RUN)
