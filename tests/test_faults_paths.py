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


def test_shards_are_fixed_and_name_the_same_files_everywhere(tmp_path):
    """Partitions are 8 fixed shards: a file's shard depends on its stored path only (the same on every host
    and folder), two warehouses in one instance cannot delete each other's partitions (there is nothing to
    delete), and a run over some shards reads exactly the files of those shards."""
    import hashlib

    from assets.partitions import SHARD_KEYS, file_shards, run_scope, scope_files, shard_of

    assert file_shards.get_partition_keys() == SHARD_KEYS and len(SHARD_KEYS) == 8
    names = [f"{d}/p{i}.txt" for d in ("2024", "2025") for i in range(400)]
    assert shard_of("2024/p1.txt") == f"shard-{int.from_bytes(hashlib.sha1(b'2024/p1.txt').digest()[:4], 'big') % 8:02d}"
    counts = {k: 0 for k in SHARD_KEYS}
    for n in names:
        counts[shard_of(n)] += 1
    assert min(counts.values()) > 60 and max(counts.values()) < 140  # 800 files spread over every shard
    odd = os.fsdecode("新闻.txt".encode("gbk"))  # a stored key is always valid UTF-8, but be safe
    assert shard_of(odd) in SHARD_KEYS
    seeds = _folder(tmp_path / "sa", "a1.txt", "a2.txt", "b1.txt")

    class Ctx:  # what run_scope reads of a run's context
        has_partition_key, has_partition_key_range = True, False
        partition_keys = [shard_of("a1.txt")]

    scope = run_scope(Ctx(), seeds)
    assert list(scope) == [shard_of("a1.txt")]
    assert scope_files(scope) == sorted(n for n in ("a1.txt", "a2.txt", "b1.txt") if shard_of(n) == shard_of("a1.txt"))


# ------------------------------------------------------------------ end to end (scripts/run.sh)

@pytest.mark.e2e
def test_paths_scenarios(tmp_path):
    outcomes = fs.GROUPS["paths"](tmp_path)
    assert len(outcomes) >= 6
    failed = [o for o in outcomes if o.failed]
    assert not failed, "\n" + fs.format_table(failed)
