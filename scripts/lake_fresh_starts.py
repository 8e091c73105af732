"""Start the DuckLake build N times in a row, each on a fresh PostgreSQL catalog (docs/deployment.md).

The first run of a new deployment attaches an empty catalog from several step processes at once; before
``etl.lake.attach`` retried the creation race, ``--runs 1`` failed 2 of 4 times. Each start here gets a
new database on one PostgreSQL server (tests/support/pg.py), a new WAREHOUSE_DIR and DAGSTER_HOME, and
runs either

- ``cli``: ``python -m assets.cli --runs 1`` (what an operator types), or
- ``job``: ``dagster job execute -m assets.definitions -j warehouse_job`` over every file, the way a
  first UI launch starts: nothing creates the catalog first. With ``--max-concurrent 2``
  (LAKE_MAX_CONCURRENT) the first steps (raw and dim_district) start at once.
- ``sensor``: one such run per file, all five at once, the way the sensor's first tick launches them on
  a new deployment: five run processes attach the empty catalog together.

    .venv/bin/python scripts/lake_fresh_starts.py [--starts 10] [--mode cli|job|sensor] [--max-concurrent N]

Prints one line per start (exit code, seconds) and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assets.partitions import shards_of  # noqa: E402
from tests.support.pg import pg_bin, postgres  # noqa: E402
from tests.support.seeds import PROJECT, copy_seeds  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--starts", type=int, default=10)
    ap.add_argument("--mode", choices=("cli", "job", "sensor"), default="cli")
    ap.add_argument("--max-concurrent", type=int, default=1, help="LAKE_MAX_CONCURRENT of the runs")
    args = ap.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="lake-fresh-") as tmp:
        root = Path(tmp)
        seeds = root / "seeds"
        copy_seeds(seeds)
        keys = shards_of(p.relative_to(seeds).as_posix() for p in seeds.rglob("*") if p.is_file())
        with postgres(root / "pg", dbname="lake0") as catalog:
            parts = dict(p.split("=", 1) for p in catalog.removeprefix("postgres:").split())
            prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
            for i in range(1, args.starts + 1):
                db = f"lake{i}"
                subprocess.run([*prefix, str(pg_bin() / "createdb"), "-h", "127.0.0.1", "-p", parts["port"],
                                "-U", parts["user"], db], check=True, capture_output=True)
                home = root / f"home{i}"
                home.mkdir()
                (home / "dagster.yaml").write_text((PROJECT / ".dagster_home" / "dagster.yaml").read_text())
                env = {k: v for k, v in os.environ.items() if not k.startswith(("WAREHOUSE_", "DUCKLAKE_", "DAGSTER_"))}
                env.update(WAREHOUSE_BACKEND="ducklake", DUCKLAKE_CATALOG=catalog.replace("dbname=lake0", f"dbname={db}"),
                           DUCKLAKE_DATA_PATH=str(root / f"data{i}"), SEEDS_DIR=str(seeds),
                           WAREHOUSE_DIR=str(root / f"wh{i}"), DAGSTER_HOME=str(home),
                           LAKE_MAX_CONCURRENT=str(args.max_concurrent))
                if args.mode == "cli":
                    cmds = [[sys.executable, "-m", "assets.cli", "--runs", "1"]]
                else:
                    ranges = [(keys[0], keys[-1])] if args.mode == "job" else [(k, k) for k in keys]
                    cmds = [[sys.executable, "-m", "dagster", "job", "execute", "-m", "assets.definitions",
                             "-j", "warehouse_job", "--tags",
                             json.dumps({"dagster/asset_partition_range_start": a,
                                         "dagster/asset_partition_range_end": b})] for a, b in ranges]
                started = time.perf_counter()
                procs = [subprocess.Popen(c, env=env, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True) for c in cmds]
                outs = [(p.wait(timeout=1800), p.communicate()[1]) for p in procs]
                seconds = time.perf_counter() - started
                bad = [(code, err) for code, err in outs if code]
                failed += bool(bad)
                tail = "" if not bad else " | " + " / ".join(
                    next((ln for ln in err.splitlines() if "Error" in ln), err.strip()[-150:])[:200] for _, err in bad)
                print(f"start {i:2d} ({args.mode}): {len(outs) - len(bad)} of {len(outs)} runs exit 0, "
                      f"{seconds:.1f} s{tail}", flush=True)
    print(f"{args.starts - failed} of {args.starts} fresh-catalog starts succeeded")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
