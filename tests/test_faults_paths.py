"""Issue 17 faults 4-6: two warehouses from one checkout, relative paths, an unwritable HOME.

The end-to-end scenarios are scripts/fault_groups/paths.py's (group ``paths`` of
scripts/fault_scenarios.py; they run the real ``scripts/run.sh``); the unit
tests below check the path resolution where it lives (etl/config.py,
scripts/bootstrap.sh, assets/cli.py) and the partition guard (assets/partitions.py).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from etl.config import (
    DEFAULT_WAREHOUSE_DIR,
    PROJECT_DAGSTER_HOME,
    PROJECT_ROOT,
    default_dagster_home,
    script_environment,
)
from tests.support.scripts import fault_scenarios

fs = fault_scenarios()

BOOTSTRAP = PROJECT_ROOT / "scripts" / "bootstrap.sh"


# ------------------------------------------------------------------ etl/config.py

def test_relative_paths_resolve_against_the_callers_directory(tmp_path):
    got = script_environment({"SEEDS_DIR": "seeds", "WAREHOUSE_DIR": "out/wh", "DAGSTER_HOME": "dh"}, tmp_path)
    assert got == {"SEEDS_DIR": str(tmp_path / "seeds"), "WAREHOUSE_DIR": str(tmp_path / "out" / "wh"),
                   "DAGSTER_HOME": str(tmp_path / "dh")}


def test_unset_paths_keep_the_project_defaults(tmp_path):
    assert script_environment({}, tmp_path) == {"DAGSTER_HOME": str(PROJECT_DAGSTER_HOME)}
    # an explicit WAREHOUSE_DIR that is the project's warehouse (however spelled) keeps the project's instance
    spelled = str(DEFAULT_WAREHOUSE_DIR / ".." / "warehouse") + "/"
    assert script_environment({"WAREHOUSE_DIR": spelled}, tmp_path)["DAGSTER_HOME"] == str(PROJECT_DAGSTER_HOME)


def test_another_warehouse_gets_its_own_dagster_home(tmp_path):
    got = script_environment({"WAREHOUSE_DIR": "wh"}, tmp_path)
    assert got["DAGSTER_HOME"] == str(tmp_path / "wh" / ".dagster_home")
    assert default_dagster_home(tmp_path / "wh") == tmp_path / "wh" / ".dagster_home"
    assert default_dagster_home(DEFAULT_WAREHOUSE_DIR) == PROJECT_DAGSTER_HOME
    # an explicit DAGSTER_HOME wins
    got = script_environment({"WAREHOUSE_DIR": "wh", "DAGSTER_HOME": "/srv/dh"}, tmp_path)
    assert got["DAGSTER_HOME"] == "/srv/dh"


def test_absolute_home_relative_and_ducklake_values(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    got = script_environment({"SEEDS_DIR": "/data/seeds", "WAREHOUSE_DIR": "~/wh",
                              "DUCKLAKE_DATA_PATH": "lake", "DUCKLAKE_CATALOG": "sqlite:cat.sqlite"}, tmp_path)
    assert got["SEEDS_DIR"] == "/data/seeds"
    assert got["WAREHOUSE_DIR"] == str(tmp_path / "home" / "wh")
    assert got["DUCKLAKE_DATA_PATH"] == str(tmp_path / "lake")
    assert got["DUCKLAKE_CATALOG"] == f"sqlite:{tmp_path / 'cat.sqlite'}"
    assert script_environment({"DUCKLAKE_CATALOG": "ducklake:cat.ducklake"}, tmp_path)["DUCKLAKE_CATALOG"] \
        == f"ducklake:{tmp_path / 'cat.ducklake'}"
    untouched = {"DUCKLAKE_DATA_PATH": "s3://bucket/prefix/", "DUCKLAKE_CATALOG": "postgres:dbname=news host=db"}
    got = script_environment(untouched, tmp_path)
    assert "DUCKLAKE_DATA_PATH" not in got and "DUCKLAKE_CATALOG" not in got


# ------------------------------------------------------------------ scripts/bootstrap.sh

def _source_bootstrap(cwd: Path, **env: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("SEEDS_DIR", "WAREHOUSE_DIR", "DAGSTER_HOME", "CALLER_DIR") and not k.startswith("PYTEST")}
    p = subprocess.run(
        ["bash", "-c", 'source "$0" >/dev/null; printf "%s\\n" "${SEEDS_DIR-}" "${WAREHOUSE_DIR-}" '
                       '"$DAGSTER_HOME" "$CALLER_DIR" "$PWD"', str(BOOTSTRAP)],
        cwd=cwd, env={**base, **env}, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    keys = ("SEEDS_DIR", "WAREHOUSE_DIR", "DAGSTER_HOME", "CALLER_DIR", "PWD")
    return dict(zip(keys, p.stdout.splitlines()))


def test_bootstrap_makes_relative_paths_absolute_against_the_caller(tmp_path):
    got = _source_bootstrap(tmp_path, SEEDS_DIR="seeds", WAREHOUSE_DIR="wh")
    assert got == {"SEEDS_DIR": str(tmp_path / "seeds"), "WAREHOUSE_DIR": str(tmp_path / "wh"),
                   "DAGSTER_HOME": str(tmp_path / "wh" / ".dagster_home"), "CALLER_DIR": str(tmp_path),
                   "PWD": str(PROJECT_ROOT)}
    # the warehouse's own instance starts from the project's settings (pool limits)
    assert (tmp_path / "wh" / ".dagster_home" / "dagster.yaml").read_text() == \
        (PROJECT_DAGSTER_HOME / "dagster.yaml").read_text()


def test_bootstrap_defaults_stay_in_the_project(tmp_path):
    got = _source_bootstrap(tmp_path)
    assert got["SEEDS_DIR"] == "" and got["WAREHOUSE_DIR"] == ""
    assert got["DAGSTER_HOME"] == str(PROJECT_DAGSTER_HOME)


def test_bootstrap_keeps_an_explicit_home_as_given(tmp_path):
    got = _source_bootstrap(tmp_path, WAREHOUSE_DIR="wh", DAGSTER_HOME="dh")
    assert got["DAGSTER_HOME"] == str(tmp_path / "dh")
    assert not (tmp_path / "dh" / "dagster.yaml").exists()  # an explicit instance is the caller's to configure


# ------------------------------------------------------------------ assets/cli.py

def test_cli_dagster_home(tmp_path, monkeypatch):
    from assets.cli import ensure_dagster_home

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("WAREHOUSE_DIR", "wh")
    assert ensure_dagster_home() == str(tmp_path / "wh" / ".dagster_home") == os.environ["DAGSTER_HOME"]
    assert (tmp_path / "wh" / ".dagster_home" / "dagster.yaml").exists()
    monkeypatch.setenv("DAGSTER_HOME", "dh")
    assert ensure_dagster_home() == str(tmp_path / "dh")
    assert (tmp_path / "dh").is_dir() and not (tmp_path / "dh" / "dagster.yaml").exists()
    monkeypatch.delenv("DAGSTER_HOME")
    monkeypatch.delenv("WAREHOUSE_DIR")
    assert ensure_dagster_home() == str(PROJECT_DAGSTER_HOME)


# ------------------------------------------------------------------ assets/partitions.py

def _folder(root: Path, *names: str) -> Path:
    root.mkdir(parents=True)
    for n in names:
        (root / n).write_text("# 标题\n\n本报讯 正文。\n", encoding="utf-8")
    return root


def test_sync_refuses_to_delete_another_warehouses_partitions(tmp_path):
    from assets.partitions import PartitionsOfAnotherWarehouse, partitions_owner, sync_partitions

    seeds_a, seeds_b = _folder(tmp_path / "sa", "a1.txt", "a2.txt"), _folder(tmp_path / "sb", "b1.txt")
    wh_a, wh_b, wh_c = tmp_path / "wa", tmp_path / "wb", tmp_path / "wc"
    for d in (wh_a, wh_b):
        d.mkdir()
    with dg.instance_for_test() as instance:
        assert sync_partitions(instance, seeds_a, warehouse_dir=wh_a) == ["a1.txt", "a2.txt"]
        assert partitions_owner(instance) == str(wh_a.resolve())
        with pytest.raises(PartitionsOfAnotherWarehouse, match="own Dagster instance"):
            sync_partitions(instance, seeds_b, warehouse_dir=wh_b)
        assert instance.get_dynamic_partitions("seed_files") == ["a1.txt", "a2.txt"]
        # the same warehouse may drop its own removed files
        (seeds_a / "a2.txt").unlink()
        assert sync_partitions(instance, seeds_a, warehouse_dir=wh_a) == ["a1.txt"]
        # once the owning warehouse is gone, another one takes the instance over
        wh_a.rmdir()
        assert sync_partitions(instance, seeds_b, warehouse_dir=wh_b) == ["b1.txt"]
        assert partitions_owner(instance) == str(wh_b.resolve())
        # a second warehouse over the same files deletes nothing: allowed
        assert sync_partitions(instance, seeds_b, warehouse_dir=wh_c) == ["b1.txt"]
        # without a warehouse (sensor, schedule, tests): the plain sync, as before
        assert sync_partitions(instance, seeds_a) == ["a1.txt"]


# ------------------------------------------------------------------ end to end (scripts/run.sh)

@pytest.mark.e2e
def test_paths_scenarios(tmp_path):
    outcomes = fs.GROUPS["paths"](tmp_path)
    assert len(outcomes) >= 6
    failed = [o for o in outcomes if o.failed]
    assert not failed, "\n" + fs.format_table(failed)
