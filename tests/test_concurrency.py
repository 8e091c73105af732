"""Concurrency: readers never make a run fail, and two runs at once neither fail nor corrupt."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.support.jobs import run_job
from tests.support.seeds import PROJECT, SEEDS
from tests.support.snapshots import snapshot

pytestmark = pytest.mark.e2e  # whole runs, in-process and through the CLI

HOLD = """
import duckdb, sys, time
conn = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro')
n = conn.execute('SELECT count(*) FROM modeled.fact_articles').fetchone()[0]
print(n, flush=True)
time.sleep(120)
"""


def cli_env(tmp: Path, seeds: Path, wh: Path, home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(SEEDS_DIR=str(seeds), WAREHOUSE_DIR=str(wh), DAGSTER_HOME=str(home))
    return env


@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_reader_holding_the_warehouse_open_never_fails_a_run(tmp_path, mode):
    """An analyst's read-only shell (ro), or even a careless read-write one (rw), holds warehouse.duckdb."""
    seeds, wh = tmp_path / "seeds", tmp_path / "wh"
    seeds.mkdir()
    pages = sorted(SEEDS.glob("*.txt"))
    shutil.copy(pages[0], seeds / "a.txt")
    assert run_job(seeds, wh).success
    db = wh / "warehouse.duckdb"
    holders = [subprocess.Popen([sys.executable, "-c", HOLD, str(db), mode], stdout=subprocess.PIPE, text=True)]
    try:
        before = [int(h.stdout.readline()) for h in holders]
        shutil.copy(pages[1], seeds / "b.txt")
        started = time.monotonic()
        assert run_job(seeds, wh).success
        assert time.monotonic() - started < 120
        assert all(h.poll() is None for h in holders)  # still connected, still reading their snapshot
        with duckdb.connect(str(db), read_only=True) as c:  # a new connection sees the new data
            after = c.execute("SELECT count(*) FROM modeled.fact_articles").fetchone()[0]
        assert after > before[0]
    finally:
        for h in holders:
            h.kill()
            h.wait()


def test_two_runs_at_once(tmp_path):
    """Sensor and schedule fire together on an existing warehouse: both runs succeed, nothing doubles."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    pages = sorted(SEEDS.glob("*.txt"))
    shutil.copy(pages[0], seeds / pages[0].name)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    wh = tmp_path / "wh"
    env = cli_env(tmp_path, seeds, wh, home)
    first = subprocess.run([sys.executable, "-m", "assets.cli"], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    for page in pages[1:3]:
        shutil.copy(page, seeds / page.name)
    procs = [subprocess.Popen([sys.executable, "-m", "assets.cli"], cwd=PROJECT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    for p, out in zip(procs, outputs):
        assert p.returncode == 0, out[-3000:]
        assert "Could not set lock" not in out
    # the result equals one clean run's
    clean = tmp_path / "clean"
    assert run_job(seeds, clean).success
    assert snapshot(wh / "warehouse.duckdb", False) == snapshot(clean / "warehouse.duckdb", False)
