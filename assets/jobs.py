"""The job and its executor.

Embedded: one process per run touches DuckDB (in-process executor), and writers take turns on the
staging file (pools and its writer lock), so concurrent runs are serialised step by step. A run covers
one file (sensor) or a range of files (schedule, run.sh, backfills from the UI: single-run policy).
DuckLake: there is no single-writer file, so steps run as separate processes (multiprocess executor,
``LAKE_MAX_CONCURRENT`` steps per run, default 2) and runs over different files write at once (pool
``partition_writer``). A cluster swaps in k8s_job_executor / celery_executor (docs/deployment.md).

The backend is chosen per run (the warehouse resource's ``backend`` field, else ``WAREHOUSE_BACKEND``),
so the executor decides when the run starts, from that run's config: :class:`BackendExecutor`.
"""

from __future__ import annotations

from typing import Any, Mapping

import dagster as dg
from dagster._core.execution.retries import RetryMode
from dagster._core.executor.in_process import InProcessExecutor
from dagster._core.executor.multiprocess import MultiprocessExecutor

from etl.config import Settings


def run_backend_settings(run_config: Mapping[str, Any]) -> Settings:
    """The Settings a run's warehouse resource will build (launchpad config over the environment)."""
    cfg = ((run_config.get("resources") or {}).get("warehouse") or {}).get("config") or {}
    return Settings.from_env(cfg.get("seeds_dir"), cfg.get("warehouse_dir"), cfg.get("backend"),
                             cfg.get("lake_catalog"), cfg.get("lake_data_path"))


class BackendExecutor(dg.Executor):
    """In-process for an embedded run, multiprocess for a DuckLake run, decided from the run's config.

    A DuckLake run's step processes fork from a server that imported the code once (~0.1 s a step,
    not ~4 s of imports each)."""

    def __init__(self, retries: RetryMode, max_concurrent: int | None):
        self._retries = retries
        self._max_concurrent = max_concurrent

    @property
    def retries(self) -> RetryMode:
        return self._retries

    def executor_for(self, settings: Settings) -> dg.Executor:
        if settings.is_lake:
            return MultiprocessExecutor(retries=self._retries,
                                        max_concurrent=self._max_concurrent or settings.lake_max_concurrent,
                                        start_method="forkserver", explicit_forkserver_preload=["assets.definitions"])
        return InProcessExecutor(retries=self._retries)

    def execute(self, plan_context, execution_plan):
        yield from self.executor_for(run_backend_settings(plan_context.run_config)).execute(
            plan_context, execution_plan)


@dg.executor(
    name="warehouse_executor",
    config_schema={
        "max_concurrent": dg.Field(int, is_required=False,
                                   description="DuckLake runs: step processes at once (default LAKE_MAX_CONCURRENT "
                                               "or 2); embedded runs execute in one process"),
        "retries": dg.Field(dict, is_required=False, default_value={"enabled": {}}),
    },
)
def warehouse_executor(init_context) -> BackendExecutor:
    config = init_context.executor_config
    return BackendExecutor(RetryMode.from_config(config.get("retries") or {"enabled": {}}),
                           config.get("max_concurrent"))


EXECUTOR = warehouse_executor

warehouse_job = dg.define_asset_job(
    name="warehouse_job",
    selection=dg.AssetSelection.all(),
    executor_def=EXECUTOR,
    description="raw → cleaned → modeled → exports for the selected files, with all asset checks; "
                "publishes warehouse.duckdb when the blocking checks pass.",
)
