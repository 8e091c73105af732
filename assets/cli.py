"""`python -m assets.cli`: run warehouse_job once against the project's Dagster instance.

The run is recorded in DAGSTER_HOME (default <project>/.dagster_home), so it
shows in the UI's run history next to scheduled and sensor runs.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time

import dagster as dg
import psutil

from etl.config import PROJECT_ROOT, Settings
from etl.summary import summary_text


RUN_PID_TAG = "qingdao_news/cli_pid"
RUN_HOST_TAG = "qingdao_news/cli_host"
RUN_STARTED_TAG = "qingdao_news/cli_process_started"


def process_tags() -> dict[str, str]:
    me = psutil.Process()
    return {RUN_PID_TAG: str(me.pid), RUN_HOST_TAG: socket.gethostname(), RUN_STARTED_TAG: f"{me.create_time():.3f}"}


def reap_dead_cli_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail runs of this command whose process died (SIGKILL, OOM) and free their pool slots.

    An in-process run has no run worker for Dagster's run monitoring to watch;
    without this, a killed run would keep its duckdb_writer slot and the next
    run would wait for it forever.
    """
    reaped = []
    runs = instance.get_runs(filters=dg.RunsFilter(
        statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING],
        tags={RUN_HOST_TAG: socket.gethostname()}))
    for run in runs:
        try:
            pid, started = int(run.tags[RUN_PID_TAG]), float(run.tags[RUN_STARTED_TAG])
        except (KeyError, ValueError):
            continue
        try:
            alive = abs(psutil.Process(pid).create_time() - started) < 1.0
        except psutil.Error:
            alive = False
        if alive:
            continue
        instance.report_run_failed(run, message=f"the process running it (pid {pid}) is gone; marked failed by the next run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(run.run_id)
    return reaped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full-refresh", action="store_true", help="re-derive every page and article")
    args = parser.parse_args(argv)
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home"))
    os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)

    from assets.definitions import defs
    from assets.partitions import range_tags, sync_partitions

    run_config: dict = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    if args.full_refresh:
        run_config["ops"] = {"cleaned_tables": {"config": {"full_refresh": True}},
                             "fact_tables": {"config": {"full_refresh": True}}}
    settings = Settings.from_env()
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        for run_id in reap_dead_cli_runs(instance):
            print(f"note: run {run_id} was killed earlier; marked failed and its pool slot freed", file=sys.stderr)
        keys = sync_partitions(instance, settings.seeds_dir)
        if not keys:
            print(f"No input files in {settings.seeds_dir}; nothing to do.", file=sys.stderr)
            return 0
        result = defs.resolve_job_def("warehouse_job").execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False,
            tags={**range_tags(keys), "trigger": "scripts/run.sh", **process_tags()})
    seconds = time.perf_counter() - started
    failed_checks = [e for e in result.get_asset_check_evaluations()
                     if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    if not result.success:
        print(f"\nRUN FAILED (run id {result.run_id}); see the run in the Dagster UI or the log above.", file=sys.stderr)
        return 1
    print(summary_text(settings, seconds))
    for e in failed_checks:
        print(f"CHECK FAILED: {e.asset_key.to_user_string()} {e.check_name}", file=sys.stderr)
    return 1 if failed_checks else 0


if __name__ == "__main__":
    sys.exit(main())
