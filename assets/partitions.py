"""One dynamic partition per input file, keyed by its path relative to SEEDS_DIR.

Partitions are registered in file order as files appear, so a batch of new
files forms a contiguous key range at the end; a removed file's partition is
deleted (its rows are retired by the next run, see docs/operations.md).
Partitioned assets use a single-run backfill policy: a backfill of thousands
of files from the UI is one run that processes them as a batch.

The partitions describe one seeds folder, so a Dagster instance serves one
warehouse: the scripts give every warehouse other than the project's its own
instance (``<WAREHOUSE_DIR>/.dagster_home``, see ``etl/config.py``). When two
warehouses are pointed at one ``DAGSTER_HOME`` anyway, a sync that would
delete the partitions of the warehouse that registered them (while that
warehouse still exists) is refused with an error naming both, instead of
silently breaking the other warehouse's runs.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import dagster as dg

from etl.raw import seed_paths

# Single-run backfills (BackfillPolicy) are marked beta in dagster 1.13; we rely
# on them on purpose (one run for a backfill of thousands of files), so the
# notice is silenced here, by its exact parameter, rather than shown at every load.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=r"Parameter `backfill_policy`")

seed_files = dg.DynamicPartitionsDefinition(name="seed_files")
SINGLE_RUN = dg.BackfillPolicy.single_run()

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
# instance key-value entry: the WAREHOUSE_DIR whose seeds folder the seed_files partitions list
OWNER_KEY = "qingdao_news/seed_files_warehouse"


class PartitionsOfAnotherWarehouse(RuntimeError):
    """Syncing would delete the file partitions another warehouse registered in this Dagster instance."""


def files_on_disk(seeds_dir: Path) -> list[str]:
    return list(seed_paths(seeds_dir))


def partition_changes(registered: list[str], on_disk: list[str]) -> tuple[list[str], list[str]]:
    """(to_add, to_delete) so that the registered partitions equal the files on disk."""
    reg = set(registered)
    disk = set(on_disk)
    return [k for k in on_disk if k not in reg], sorted(reg - disk)


def partitions_owner(instance: dg.DagsterInstance) -> str | None:
    """The WAREHOUSE_DIR that last synced the partitions of this instance (None: not recorded)."""
    return instance.run_storage.get_cursor_values({OWNER_KEY}).get(OWNER_KEY)


def _check_owner(instance: dg.DagsterInstance, seeds_dir: Path, warehouse_dir: Path, to_delete: list[str]) -> None:
    owner = partitions_owner(instance)
    if not owner or owner == str(warehouse_dir) or not Path(owner).exists():
        return
    shown = ", ".join(to_delete[:3]) + (f" and {len(to_delete) - 3} more" if len(to_delete) > 3 else "")
    raise PartitionsOfAnotherWarehouse(
        f"DAGSTER_HOME {instance.root_directory} holds the file partitions of the warehouse {owner}; "
        f"syncing {seeds_dir} for the warehouse {warehouse_dir} would delete {len(to_delete)} of them ({shown}). "
        "Give each warehouse its own Dagster instance: leave DAGSTER_HOME unset (the scripts then use "
        "<WAREHOUSE_DIR>/.dagster_home) or set a different one.")


def sync_partitions(instance: dg.DagsterInstance, seeds_dir: Path, attempts: int = 5,
                    warehouse_dir: Path | None = None) -> list[str]:
    """Register new files, delete removed ones; return all keys in partition order.

    Safe when two processes (sensor, schedule, run.sh) do it at once: a key the
    other one registered first makes the insert fail, and the diff is re-read.
    With ``warehouse_dir``, the instance records which warehouse the partitions
    belong to, and refuses (:class:`PartitionsOfAnotherWarehouse`) to delete the
    partitions another, still existing warehouse registered.
    """
    on_disk = files_on_disk(seeds_dir)
    wh = Path(warehouse_dir).resolve() if warehouse_dir is not None else None
    for attempt in range(attempts):
        to_add, to_delete = partition_changes(instance.get_dynamic_partitions(seed_files.name), on_disk)
        if wh is not None and to_delete:
            _check_owner(instance, seeds_dir, wh, to_delete)
        try:
            if to_add:
                instance.add_dynamic_partitions(seed_files.name, to_add)
            for key in to_delete:
                instance.delete_dynamic_partition(seed_files.name, key)
            break
        except Exception:  # noqa: BLE001 - storage-specific IntegrityError from a concurrent registrar
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    if wh is not None and partitions_owner(instance) != str(wh):
        instance.run_storage.set_cursor_values({OWNER_KEY: str(wh)})
    return instance.get_dynamic_partitions(seed_files.name)


def range_tags(keys: list[str]) -> dict[str, str]:
    """Tags that make one run cover the partition range keys[0]..keys[-1]."""
    return {RANGE_START: keys[0], RANGE_END: keys[-1]}


def run_partition_keys(context: dg.AssetExecutionContext) -> list[str] | None:
    """Paths this run covers (one key, or a range), None for an unpartitioned run."""
    if context.has_partition_key or context.has_partition_key_range:
        return list(context.partition_keys)
    return None


def write_scope(context: dg.AssetExecutionContext, backend) -> list[str] | None:
    """The files a partitioned step may write (``etl.backends.Backend.write_scope``): its own partitions
    on DuckLake, where other runs write the others at the same time; None on the embedded backend,
    whose single writer also heals leftovers."""
    return backend.write_scope(run_partition_keys(context))


def share_file_partitions(assets_def: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """Put an unpartitioned asset on ``seed_files`` with the single-run policy.

    Every asset of the graph is partitioned by file, so "Materialize all" in the asset graph (and any
    backfill) is one run: Dagster's asset backfill never puts an unpartitioned asset in the same run
    as partitioned parents (it launches it after they finish, and logs "parent … is requesting a
    different set of partitions" on every daemon tick until then). An asset that is a whole-table
    build (dimensions, the publish and exports, the report) simply rebuilds the table in whichever
    run materializes it, for one file, a range or all of them.
    """
    if not isinstance(assets_def, dg.AssetsDefinition) or assets_def.partitions_def is not None:
        return assets_def
    mapped = assets_def.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=seed_files))
    return mapped.with_attributes(backfill_policy=SINGLE_RUN)
