"""`python -m assets.fanout`: spread one build over every host of a multi-host deployment.

The hosts are the code locations of a workspace file (``deploy/workspace.hosts.yaml``: one
``grpc_server`` per host, each started there with ``dagster code-server start``). Dagster does the
fan-out: this command only *submits* runs to the shared instance (PostgreSQL, QueuedRunCoordinator);
the daemon dequeues them and launches each one through its location's code server, so its run worker
and step processes run on that host, with that host's settings. The steps:

1. register the files of SEEDS_DIR as partitions (shared by every host through the instance) and
   create the lake's schema once;
2. one ``ingest_job`` run per contiguous range of files, the ranges dealt round-robin over the hosts
   (``--runs``, default one per host), all queued at once; pools (``partition_writer``, ``duckdb_writer``)
   are counted by the shared instance, so whole-table steps still take turns across hosts;
3. when all succeeded, one ``publish_job`` run (``--publish-location``, default the first host): it
   audits the lake at one snapshot and publishes exactly that snapshot (``etl.publication``), then
   writes the Parquet exports and the report on that host.

Exit status 0 when every run succeeded, 1 otherwise (nothing is published when an ingest run failed).
Needs ``WAREHOUSE_BACKEND=ducklake`` and DAGSTER_HOME pointing at the shared instance (docs/deployment.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import yaml

from assets.cli import ensure_dagster_home, prepare_lake_runs, register_files
from assets.partitions import range_tags
from etl.config import Settings, child_environment
from etl.summary import summary_text

FANOUT_TAG = "qingdao_news/fanout"
TERMINAL = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def workspace_locations(workspace: Path) -> list[str]:
    """The code location names of a workspace file, in file order (one per host)."""
    entries = (yaml.safe_load(Path(workspace).read_text(encoding="utf-8")) or {}).get("load_from") or []
    names = []
    for entry in entries:
        (kind, cfg), = entry.items()
        name = (cfg or {}).get("location_name")
        if not name:
            raise SystemExit(f"{workspace}: every entry needs a location_name (the host it runs on); {kind} has none")
        names.append(name)
    if not names:
        raise SystemExit(f"{workspace} lists no code locations")
    return names


def chunks(keys: list[str], n: int) -> list[list[str]]:
    """``keys`` in ``n`` (at most len(keys)) contiguous ranges of nearly equal size."""
    n = max(1, min(n, len(keys)))
    size, extra = divmod(len(keys), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(keys[start:end])
        start = end
    return out


def submit(workspace: Path, location: str, job: str, tags: dict[str, str]) -> str:
    """Queue one run of ``job`` on ``location`` (``dagster job launch`` through the instance's run
    coordinator); returns its run id."""
    run_id = str(uuid.uuid4())
    cmd = [sys.executable, "-m", "dagster", "job", "launch", "-w", str(workspace), "-l", location, "-j", job,
           "--tags", json.dumps(tags), "--run-id", run_id]
    out = subprocess.run(cmd, env=child_environment(), capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError(f"submitting {job} to {location} failed ({out.returncode}): "
                           f"{(out.stderr or out.stdout).strip()[-2000:]}")
    return run_id


def wait(instance: dg.DagsterInstance, run_ids: list[str], timeout: float) -> dict[str, dg.DagsterRun]:
    deadline = time.monotonic() + timeout
    while True:
        runs = {rid: instance.get_run_by_id(rid) for rid in run_ids}
        if all(r is not None and r.status in TERMINAL for r in runs.values()):
            return runs
        if time.monotonic() > deadline:
            pending = [f"{rid[:8]} {r.status.value if r else 'missing'}" for rid, r in runs.items()
                       if r is None or r.status not in TERMINAL]
            raise TimeoutError(f"runs not finished after {timeout:.0f} s: {', '.join(pending)} "
                               "(is dagster-daemon running against this instance?)")
        time.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", required=True, type=Path, help="workspace file listing one code server per host")
    parser.add_argument("--locations", help="comma-separated subset of its locations (default: all)")
    parser.add_argument("--runs", type=int, help="ingest runs (default: one per location)")
    parser.add_argument("--publish-location", help="where publish_job runs and the exports are written "
                                                   "(default: the first location)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the runs")
    args = parser.parse_args(argv)
    locations = workspace_locations(args.workspace)
    if args.locations:
        wanted = [s.strip() for s in args.locations.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(locations))
        if unknown:
            raise SystemExit(f"not in {args.workspace}: {', '.join(unknown)} (it has {', '.join(locations)})")
        locations = wanted
    publish_at = args.publish_location or locations[0]
    ensure_dagster_home()
    settings = Settings.from_env()
    if not settings.is_lake:
        print("error: a fan-out over hosts needs the DuckLake backend (WAREHOUSE_BACKEND=ducklake, "
              "docs/deployment.md); the embedded DuckDB file has one writer on one host", file=sys.stderr)
        return 2
    started = time.perf_counter()
    fanout = uuid.uuid4().hex[:12]
    with dg.DagsterInstance.get() as instance:
        keys = register_files(instance, settings)
        if not keys:
            return 0
        ranges = chunks(keys, args.runs or len(locations))
        prepare_lake_runs(instance, settings, len(ranges))
        base = {FANOUT_TAG: fanout, "trigger": "assets.fanout"}
        ingest = {submit(args.workspace, locations[i % len(locations)], "ingest_job", {**base, **range_tags(r)}): r
                  for i, r in enumerate(ranges)}
        print(f"fan-out {fanout}: {len(keys)} shards in {len(ranges)} ingest runs over {', '.join(locations)}")
        done = wait(instance, list(ingest), args.timeout)
        failed = [rid for rid, r in done.items() if r.status != dg.DagsterRunStatus.SUCCESS]
        for rid, run in done.items():
            r = ingest[rid]
            print(f"  ingest_job {rid[:8]} on {run.remote_job_origin.location_name if run.remote_job_origin else '?'}: "
                  f"{run.status.value} ({len(r)} shards, {r[0]} … {r[-1]})")
        if failed:
            print(f"{len(failed)} ingest run(s) failed; nothing published. See them in the Dagster UI.", file=sys.stderr)
            return 1
        pub = submit(args.workspace, publish_at, "publish_job", {**base, **range_tags(keys)})
        run = wait(instance, [pub], args.timeout)[pub]
        print(f"  publish_job {pub[:8]} on {publish_at}: {run.status.value}")
        if run.status != dg.DagsterRunStatus.SUCCESS:
            print("the publish run failed; the last published snapshot stays as it was", file=sys.stderr)
            return 1
    print(summary_text(settings, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
