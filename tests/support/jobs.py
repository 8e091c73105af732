"""Run warehouse_job in-process exactly as the UI would (graph depth: every test using it is ``e2e``)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg


def run_job(seeds_dir: Path, warehouse_dir: Path, **op_config) -> dg.ExecuteInProcessResult:
    """Run warehouse_job in-process exactly as the UI would, with launchpad-style resource config."""
    from assets.definitions import defs
    from assets.partitions import all_shards_tags

    run_config: dict = {
        "resources": {"warehouse": {"config": {"seeds_dir": str(seeds_dir), "warehouse_dir": str(warehouse_dir)}}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    if op_config:
        run_config["ops"] = {op: {"config": cfg} for op, cfg in op_config.items()}
    with dg.instance_for_test() as instance:
        return defs.resolve_job_def("warehouse_job").execute_in_process(
            run_config=run_config, instance=instance, tags=all_shards_tags())
