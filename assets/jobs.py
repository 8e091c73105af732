"""The job and its executor.

Embedded: one process per run touches DuckDB (in-process executor), and writers take turns on the
staging file (pools and its writer lock), so concurrent runs are serialised step by step. A run covers
one file (sensor) or a range of files (schedule, run.sh, backfills from the UI: single-run policy).
DuckLake: there is no single-writer file, so runs over different files write at once (pool
``partition_writer``), on one host (``assets.cli --runs N``) or on several (``assets.fanout``, the daemon
launching each run on its host's code server: docs/deployment.md). A run's steps run in the run's process
by default (``LAKE_MAX_CONCURRENT=1``): its graph is a chain whose whole-table steps take turns anyway, and
a step process costs ~2 s to start (measured, docs/deployment.md "Capacity"); ``LAKE_MAX_CONCURRENT=N``
runs N steps at once as separate processes (multiprocess executor).

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
    """In-process for an embedded run and a DuckLake run of one step at a time, multiprocess for a
    DuckLake run of ``LAKE_MAX_CONCURRENT`` > 1 steps at once; decided from the run's config.

    Those step processes fork from a forkserver that imported the code once, yet each still takes
    ~2 s (median on 2 cores) to start: Dagster sets up the instance, resources and logging per step."""

    def __init__(self, retries: RetryMode, max_concurrent: int | None):
        self._retries = retries
        self._max_concurrent = max_concurrent

    @property
    def retries(self) -> RetryMode:
        return self._retries

    def executor_for(self, settings: Settings) -> dg.Executor:
        steps = self._max_concurrent or settings.lake_max_concurrent
        if settings.is_lake and steps > 1:
            return MultiprocessExecutor(retries=self._retries, max_concurrent=steps,
                                        start_method="forkserver", explicit_forkserver_preload=["assets.definitions"])
        # embedded, or a lake run of one step at a time: no step process to start (docs/deployment.md, capacity)
        return InProcessExecutor(retries=self._retries)

    def execute(self, plan_context, execution_plan):
        yield from self.executor_for(run_backend_settings(plan_context.run_config)).execute(
            plan_context, execution_plan)


@dg.executor(
    name="warehouse_executor",
    config_schema={
        "max_concurrent": dg.Field(int, is_required=False,
                                   description="DuckLake runs: steps at once (default LAKE_MAX_CONCURRENT or 1; above 1 "
                                               "each step is a process); embedded runs execute in one process"),
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

# A fan-out over hosts (``python -m assets.fanout``, docs/deployment.md) splits warehouse_job in two: runs
# of ingest_job over disjoint file ranges, launched on every host at once, then one run of publish_job,
# which audits the lake at one snapshot and publishes exactly that snapshot, once.
PUBLISH_GROUP = "exports"
ingest_job = dg.define_asset_job(
    name="ingest_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(PUBLISH_GROUP),
    executor_def=EXECUTOR,
    description="raw → cleaned → modeled for the selected files, with their asset checks; publishes nothing. "
                "The per-host part of a fan-out (python -m assets.fanout).",
)
publish_job = dg.define_asset_job(
    name="publish_job",
    selection=dg.AssetSelection.groups(PUBLISH_GROUP),
    executor_def=EXECUTOR,
    description="Audit the warehouse at one snapshot, publish that snapshot, export it to Parquet and render "
                "the report: the single last run of a fan-out.",
)
