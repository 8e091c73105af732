"""Measure a fan-out over two hosts, Dagster's own costs included (docs/deployment.md, "Capacity").

Starts the two-host deployment of tests/test_multihost.py (tests/support/multihost.py: PostgreSQL for the
Dagster instance and the DuckLake catalog, moto's S3 server, two code servers, one daemon), runs
``python -m assets.fanout`` once and reads the run records and event logs back from the instance:

- wall: the fan-out command, submit to publish;
- per run: time queued (run submitted → the daemon launches it), run worker start-up (RUN_STARTING → RUN_START:
  a new process imports Dagster and the code), run time (RUN_START → end), Dagster events written;
- per step: step process start-up (STEP_WORKER_STARTING → STEP_WORKER_STARTED; multiprocess executor
  only) and the step's own time (STEP_START → STEP_SUCCESS).

    .venv/bin/python scripts/multihost_bench.py [--scale 20] [--runs 2] [--max-concurrent 1] [--json out.json]

``--scale`` generates that many times the seeds (etl.corpus.generate) instead of the five seed pages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.multihost import two_hosts  # noqa: E402


def run_costs(d) -> list[dict]:
    rows = []
    with d.env("a"), d._instance() as instance:
        for rec in instance.get_run_records():
            run = rec.dagster_run
            at: dict[str, float] = {}
            starting: dict[str, float] = {}
            startup, work = [], []
            step_began: dict[str, float] = {}
            logs = instance.all_logs(run.run_id)
            for e in logs:
                de = e.dagster_event
                if de is None:
                    continue
                kind, key = de.event_type.name, de.step_key  # enum names (RUN_START); values are legacy PIPELINE_*
                at.setdefault(kind, e.timestamp)
                if kind == "STEP_WORKER_STARTING":
                    starting[key] = e.timestamp
                elif kind == "STEP_WORKER_STARTED" and key in starting:
                    startup.append(e.timestamp - starting[key])
                elif kind == "STEP_START":
                    step_began[key] = e.timestamp
                elif kind == "STEP_SUCCESS" and key in step_began:
                    work.append(e.timestamp - step_began[key])
            end = at.get("RUN_SUCCESS") or at.get("RUN_FAILURE") or 0.0
            rows.append({
                "job": run.job_name, "location": run.remote_job_origin.location_name if run.remote_job_origin else "",
                "status": run.status.value, "events": len(logs),
                # submitted (the run record is created queued) → its run worker reports RUN_START
                "queued_s": round((rec.start_time or 0) - rec.create_timestamp.timestamp()
                                  - (at.get("RUN_START", 0) - at.get("RUN_STARTING", at.get("RUN_START", 0))), 2),
                "worker_startup_s": round(at.get("RUN_START", 0) - at.get("RUN_STARTING", 0), 2),
                "run_s": round(end - at.get("RUN_START", end), 2),
                "steps": len(work), "step_work_s": round(sum(work), 2),
                "step_processes": len(startup),
                "step_startup_median_s": round(statistics.median(startup), 2) if startup else 0.0,
                "step_startup_max_s": round(max(startup), 2) if startup else 0.0,
            })
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0, help="generate this many times the seeds (0: the seeds)")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--max-concurrent", type=int, default=2, help="LAKE_MAX_CONCURRENT of both hosts")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="multihost-bench-") as tmp:
        root = Path(tmp)
        seeds = None
        if args.scale:
            from etl.corpus import generate

            seeds = root / "generated"
            generate(seeds, scale=args.scale)
        with two_hosts(root / "deploy", seeds_from=seeds, LAKE_MAX_CONCURRENT=str(args.max_concurrent)) as d:
            started = time.perf_counter()
            out = d.fanout("--runs", str(args.runs))
            wall = time.perf_counter() - started
            if out.returncode:
                print(out.stdout[-3000:], out.stderr[-3000:], file=sys.stderr)
                return 1
            rows = run_costs(d)
            mb = sum(p.stat().st_size for p in (root / "deploy" / "shared" / "seeds").rglob("*") if p.is_file()) / 1e6
    by_job = defaultdict(list)
    for r in rows:
        by_job[r["job"]].append(r)
    result = {"wall_s": round(wall, 1), "input_mb": round(mb, 2), "runs": args.runs,
              "lake_max_concurrent": args.max_concurrent, "per_run": rows}
    print(f"fan-out wall {wall:.1f} s for {mb:.2f} MB ({args.runs} ingest runs, LAKE_MAX_CONCURRENT="
          f"{args.max_concurrent})")
    cols = ["job", "location", "events", "queued_s", "worker_startup_s", "run_s", "steps", "step_work_s",
            "step_processes", "step_startup_median_s", "step_startup_max_s"]
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c in cols))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
