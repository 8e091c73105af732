"""`python -m assets.cli`: run warehouse_job once against the warehouse's Dagster instance.

The run is recorded in DAGSTER_HOME (default <project>/.dagster_home for the
project's warehouse, <WAREHOUSE_DIR>/.dagster_home for any other), so it shows
in the UI's run history next to scheduled and sensor runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil

from etl.backends import open_warehouse
from etl.config import (
    PROJECT_DAGSTER_HOME,
    Settings,
    child_environment,
    dagster_home_setting,
    default_dagster_home,
    pop_setting,
    set_dagster_home,
)
from etl.summary import summary_text
from etl.warehouse import ensure_schema

RUN_PID_TAG = "qingdao_news/cli_pid"
RUN_HOST_TAG = "qingdao_news/cli_host"
RUN_STARTED_TAG = "qingdao_news/cli_process_started"
PARENT_PID_ENV = "QINGDAO_NEWS_PARENT_PID"  # a --range run's parent (the command): the run dies with it


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


def ensure_dagster_home() -> str:
    """Set DAGSTER_HOME to an absolute, existing folder and return it.

    Unset, it is the warehouse's own instance (``etl.config.default_dagster_home``: the
    project's ``.dagster_home`` for the project's warehouse, ``<WAREHOUSE_DIR>/.dagster_home``
    otherwise), which starts from the project's ``dagster.yaml`` (pools, run limit).
    """
    given = dagster_home_setting()
    home = Path(given).expanduser().resolve() if given else default_dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not given and home != PROJECT_DAGSTER_HOME and not config.exists():
        tmp = home / f".dagster.yaml.tmp-{os.getpid()}"
        shutil.copyfile(PROJECT_DAGSTER_HOME / "dagster.yaml", tmp)
        os.replace(tmp, config)
    set_dagster_home(home)
    return str(home)


def _execute(instance: dg.DagsterInstance, run_config: dict, tags: dict[str, str], settings: Settings):
    """One run of warehouse_job: in this process (embedded), or with the job's multiprocess
    executor (DuckLake), which needs a reconstructable job. Returns (success, run_id, failed checks)."""
    from assets.definitions import warehouse_job_def

    if not settings.is_lake:
        result = warehouse_job_def().execute_in_process(instance=instance, run_config=run_config,
                                                        raise_on_error=False, tags=tags)
        evals = result.get_asset_check_evaluations()
        return result.success, result.run_id, evals
    from assets.cli import step_job_def  # by module name even under `python -m assets.cli` (reconstructable)

    with dg.execute_job(dg.reconstructable(step_job_def), instance=instance, run_config=run_config,
                        tags=tags, raise_on_error=False) as result:
        evals = [e.event_specific_data for e in result.all_events
                 if e.event_type_value == "ASSET_CHECK_EVALUATION"]
        return result.success, result.run_id, evals


_WATCHED: set[int] = set()


def step_job_def() -> dg.JobDefinition:
    """warehouse_job for the multiprocess executor, which calls this in the run's process and in
    every step process. A step process is forked by a forkserver, not by the run, so nothing ends
    it when the run is SIGKILLed: here it starts watching the run's process (its multiprocessing
    parent) and ends with it; its pool workers end with it in turn (``etl.clean.start_pool``)."""
    import multiprocessing

    from assets.definitions import warehouse_job_def
    from etl.clean import exit_with_parent

    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid not in _WATCHED:
        _WATCHED.add(parent.pid)
        exit_with_parent(parent.pid, pdeathsig=False)
    return warehouse_job_def()


def _parallel_runs(keys: list[str], runs: int, argv_extra: list[str]) -> int:
    """DuckLake: split the files into ``runs`` contiguous ranges, one run (own process) each, all at once."""
    n = max(1, min(runs, len(keys)))
    size = -(-len(keys) // n)
    chunks = [keys[i:i + size] for i in range(0, len(keys), size)]
    env = child_environment(**{PARENT_PID_ENV: str(os.getpid())})  # each run ends with this process (main)
    procs = [subprocess.Popen([sys.executable, "-m", "assets.cli", "--range", c[0], c[-1], *argv_extra], env=env)
             for c in chunks]
    codes = [p.wait() for p in procs]
    for c, code in zip(chunks, codes):
        if code:
            print(f"run over {c[0]} … {c[-1]} ({len(c)} files) failed (exit {code})", file=sys.stderr)
    return max(codes)


def register_files(instance: dg.DagsterInstance, settings: Settings) -> list[str]:
    """The partition keys a run over every file covers (every shard, ``assets.partitions``); empty,
    saying so, when SEEDS_DIR has no files. Partitions are fixed, so nothing is registered in the
    instance, however many files arrive."""
    from assets.partitions import SHARD_KEYS
    from etl.raw import seed_paths

    if not seed_paths(settings.seeds_dir):
        print(f"No input files in {settings.seeds_dir}; nothing to do.", file=sys.stderr)
        return []
    return list(SHARD_KEYS)


def prepare_lake_runs(instance: dg.DagsterInstance, settings: Settings, runs: int) -> None:
    """Before DuckLake runs start: create the catalog and schema once (their first steps would race for
    them), and let ``runs`` runs write partitions at once (pool ``partition_writer``)."""
    from assets.resources import PARTITION_POOL

    with open_warehouse(settings) as conn:
        ensure_schema(conn)
    if runs > 1:
        info = instance.event_log_storage.get_concurrency_info(PARTITION_POOL)
        if (info.slot_count or 0) < runs:
            instance.event_log_storage.set_concurrency_slots(PARTITION_POOL, runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full-refresh", action="store_true", help="re-derive every page and article")
    parser.add_argument("--runs", type=int, default=None,
                        help="DuckLake only: how many runs process the files at once (default LAKE_RUNS or 2)")
    parser.add_argument("--partition", metavar="SHARD",
                        help="run one partition (shard-00 … shard-07), as the sensor does for a new file's shard; "
                             "`python -c 'from assets.partitions import shard_of; print(shard_of(\"a.txt\"))'` names it")
    parser.add_argument("--range", nargs=2, metavar=("FIRST", "LAST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    parent = pop_setting(PARENT_PID_ENV)
    if args.range and parent.isdigit():  # a SIGKILL of the command must not leave this run going
        from etl.clean import exit_with_parent

        exit_with_parent(int(parent))
    ensure_dagster_home()

    from assets.partitions import PARTITION, SHARD_KEYS, range_tags

    run_config: dict = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    if args.full_refresh:
        run_config["ops"] = {"cleaned_tables": {"config": {"full_refresh": True}},
                             "fact_tables": {"config": {"full_refresh": True}}}
    settings = Settings.from_env()
    runs = args.runs if args.runs is not None else settings.lake_runs
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        for run_id in reap_dead_cli_runs(instance):
            print(f"note: run {run_id} was killed earlier; marked failed and its pool slot freed", file=sys.stderr)
        if args.partition is not None and args.partition not in SHARD_KEYS:
            print(f"error: no partition {args.partition!r}; the partitions are {SHARD_KEYS[0]} … {SHARD_KEYS[-1]}",
                  file=sys.stderr)
            return 2
        one_run = bool(args.range or args.partition)
        if args.range:  # one of the parallel DuckLake runs started below
            keys = list(args.range)
        elif args.partition:
            keys = [args.partition]
        else:
            keys = register_files(instance, settings)
            if not keys:
                return 0
        if settings.is_lake and not args.range:
            prepare_lake_runs(instance, settings, 1 if one_run else runs)
        if settings.is_lake and not one_run and runs > 1:
            code = _parallel_runs(keys, runs, ["--full-refresh"] if args.full_refresh else [])
            if code:
                return 1
            print(summary_text(settings, time.perf_counter() - started))
            return 0
        scope = {PARTITION: args.partition} if args.partition else range_tags(keys)
        success, run_id, evals = _execute(
            instance, run_config, {**scope, "trigger": "scripts/run.sh", **process_tags()}, settings)
    seconds = time.perf_counter() - started
    failed_checks = [e for e in evals if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    if not success:
        print(f"\nRUN FAILED (run id {run_id}); see the run in the Dagster UI or the log above.", file=sys.stderr)
        return 1
    if not args.range:
        print(summary_text(settings, seconds))
    for e in failed_checks:
        print(f"CHECK FAILED: {e.asset_key.to_user_string()} {e.check_name}", file=sys.stderr)
    return 1 if failed_checks else 0


if __name__ == "__main__":
    sys.exit(main())
