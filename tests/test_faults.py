"""Faults and recovery: a locked database, export failures, SIGKILL at any point, pool slots.

The scenarios are scripts/fault_scenarios.py's (one definition for the script
and the suite); each group runs once per module and every row of its table is
asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl.warehouse import (
    LOCK_WAIT_ENV,
    MEMORY_LIMIT_ENV,
    WarehouseLockedError,
    connect,
    describe_holder,
    lock_wait_seconds,
    memory_limit,
)
from tests.support.scripts import fault_scenarios

fs = fault_scenarios()

HOLD = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(120)"


@pytest.fixture(scope="module", autouse=True)
def zygote(request, tmp_path_factory):
    """One warm process that forks the runs the SIGKILL and pool scenarios kill (it imports the
    pipeline in the background while the first tests of this module run). Not started when no
    ``sigkill`` test of this module is selected (e.g. ``./scripts/test.sh --fast``)."""
    if not any(item.module is request.module and item.get_closest_marker("sigkill")
               for item in request.session.items):
        yield None
        return
    work = tmp_path_factory.mktemp("zygote")
    z = fs.Zygote(fs.cli_env(work / "seeds", work / "wh", work / "home"), work)
    yield z
    z.close()


def _no_failures(outcomes) -> None:
    failed = [o for o in outcomes if o.failed]
    assert not failed, "\n" + fs.format_table(failed)


# ------------------------------------------------------------------ lock: unit depth

def test_lock_wait_is_configurable(monkeypatch):
    monkeypatch.delenv(LOCK_WAIT_ENV, raising=False)
    assert lock_wait_seconds() == 30.0
    monkeypatch.setenv(LOCK_WAIT_ENV, "2.5")
    assert lock_wait_seconds() == 2.5
    monkeypatch.setenv(LOCK_WAIT_ENV, "soon")
    with pytest.raises(ValueError, match=LOCK_WAIT_ENV):
        lock_wait_seconds()


def test_pipeline_connections_carry_the_memory_limit(tmp_path, monkeypatch):
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    with connect(tmp_path / "w.duckdb") as conn:
        assert conn.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "488.2 MiB"  # 512MB
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "2GB")
    with connect(tmp_path / "w.duckdb") as conn:
        assert conn.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "1.8 GiB"
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ValueError, match=MEMORY_LIMIT_ENV):
        memory_limit()


def test_connect_waits_a_bounded_time_then_names_the_holder(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()
        monkeypatch.setenv(LOCK_WAIT_ENV, "0.6")
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError) as err:
            with connect(db):
                pass
        waited = time.monotonic() - started
        msg = str(err.value)
        assert 0.5 <= waited < 10
        assert f"is locked by process {holder.pid} (" in msg and "WAREHOUSE_LOCK_WAIT_SECONDS=0.6" in msg
        assert "gave up without writing anything" in msg
        with pytest.raises(WarehouseLockedError):  # readers are refused the same way, never hang
            with connect(db, read_only=True, wait_seconds=0):
                pass
    finally:
        holder.kill()
        holder.wait()
    with connect(db) as conn:  # once the holder is gone the next connection just works
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_describe_holder_degrades_to_the_pid():
    me = describe_holder(os.getpid())
    assert me.startswith(f"process {os.getpid()} (") and "user " in me
    assert describe_holder(2**22 + 12345) == f"process {2**22 + 12345}"


# ------------------------------------------------------------------ lock: end to end

@pytest.mark.e2e
def test_database_held_by_another_writer(tmp_path):
    _no_failures(fs.scenario_lock(tmp_path))


# ------------------------------------------------------------------ exports

@pytest.fixture(scope="module")
def export_outcomes(tmp_path_factory):
    return fs.scenario_exports(tmp_path_factory.mktemp("exports"))


@pytest.mark.e2e
def test_export_faults_fail_the_asset_and_keep_the_previous_exports(export_outcomes):
    _no_failures(export_outcomes)
    names = {o.scenario for o in export_outcomes}
    assert {"export: disk full while writing Parquet", "export: permission error on the export versions folder",
            "export: next run after the fault"} <= names


@pytest.mark.e2e
def test_a_failure_while_swapping_the_exports_link_keeps_the_previous_set(export_outcomes):
    [o] = [o for o in export_outcomes if o.scenario == "export: permission error while swapping the exports link"]
    assert o.ok, o.observed


# ------------------------------------------------------------------ SIGKILL

# A bounded subset of the script's kill points (`scripts/fault_scenarios.py sigkill` runs them all):
# inside the last layer transaction, while publishing the snapshot, with the exports staged, with a
# complete export version not yet linked, just after the link swap, and once at a seeded random moment. The killed runs are forks of one warm process (fs.Zygote): ~35 s in all.
SUITE_KILL_POINTS = ["facts-txn", "publish", "exports-staged", "exports-linking", "exports-linked"]


@pytest.fixture(scope="module")
def kill_outcomes(tmp_path_factory, zygote):
    return fs.scenario_sigkill(tmp_path_factory.mktemp("sigkill"), points=SUITE_KILL_POINTS, random_kills=1,
                               zygote=zygote)


@pytest.mark.sigkill
@pytest.mark.e2e
def test_sigkill_leaves_the_last_consistent_state_and_the_next_run_equals_a_clean_one(kill_outcomes):
    _no_failures(kill_outcomes)
    assert sum(o.scenario.startswith("SIGKILL ") for o in kill_outcomes) == len(SUITE_KILL_POINTS) + 1
    assert any(o.scenario == "SIGKILL: the next run completes" and o.ok for o in kill_outcomes)


@pytest.mark.sigkill
@pytest.mark.e2e
@pytest.mark.parametrize("point", ["exports-staged", "exports-linking", "exports-linked"])
def test_a_kill_anywhere_in_the_export_leaves_one_whole_set(kill_outcomes, point):
    """The exports a reader sees after the kill are exactly the previous set or exactly the new one."""
    [o] = [o for o in kill_outcomes if o.scenario == "SIGKILL " + fs.KILL_POINTS[point]]
    assert o.ok and "exports: NEITHER" not in o.observed, o.observed
    expected = "exports: new" if point == "exports-linked" else "exports: previous"
    assert expected in o.observed, o.observed


@pytest.mark.sigkill
@pytest.mark.e2e
def test_temporary_files_of_killed_runs_are_removed_by_the_next_run(kill_outcomes):
    [o] = [o for o in kill_outcomes if o.scenario == "SIGKILL: temporary files of killed runs removed"]
    assert o.ok, o.observed


@pytest.mark.sigkill
@pytest.mark.e2e
def test_a_killed_run_does_not_block_the_next_one_with_its_pool_slot(tmp_path, zygote):
    """With the project's dagster.yaml (pool limit 1): the dead run's slot must not make the next run wait."""
    _no_failures(fs.scenario_pools(tmp_path, zygote=zygote))


@pytest.mark.e2e
def test_the_script_runs_and_prints_the_table():
    """`scripts/fault_scenarios.py --list` works from a shell (the full run is the groups above)."""
    out = subprocess.run([sys.executable, str(Path(fs.__file__)), "--list"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and set(fs.GROUPS) <= {line.split()[0] for line in out.stdout.splitlines()}
