"""No process of a SIGKILLed run survives it: pool workers, DuckLake's --range runs and step processes.

Unit depth: a process holding a pool (``etl.clean.start_pool``) is SIGKILLed and
its workers must be gone at once, with ``PR_SET_PDEATHSIG`` and with the
portable watchdog that replaces it off Linux. System depth: scenario group
``orphans`` of scripts/fault_scenarios.py (the real command killed while the
cleaned and the facts pools are up, then a normal run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.support.scripts import fault_scenarios
from tests.support.seeds import PROJECT

fs = fault_scenarios()
pytestmark = pytest.mark.sigkill  # every test here kills a process

HOLD_POOL = """
import sys, time
import etl.clean as clean
if sys.argv[1] == "watchdog":  # as off Linux: no PR_SET_PDEATHSIG
    clean._set_pdeathsig = lambda: False
pool = clean.start_pool(2)
print(" ".join(str(p) for p in pool._processes), flush=True)
time.sleep(120)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc")
@pytest.mark.parametrize("how", ["pdeathsig", "watchdog"])
def test_pool_workers_die_with_a_sigkilled_parent(how):
    proc = subprocess.Popen([sys.executable, "-c", HOLD_POOL, how], cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(_running(p) for p in workers)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 5
    while any(_running(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _running(p)], f"orphaned pool workers ({how})"


@pytest.mark.e2e
def test_killed_runs_leave_no_process_behind(tmp_path):
    outcomes = fs.GROUPS["orphans"](tmp_path)
    assert outcomes
    failed = [o for o in outcomes if o.failed]
    assert not failed, "\n" + fs.format_table(failed)
