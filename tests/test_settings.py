"""Settings and backend: one reader of the environment, clear errors, the backend chosen per run.

Unit depth: ``etl.config.Settings`` is the only code in ``etl/`` and ``assets/`` that reads the
environment, every setting is validated with an error naming its variable, and importing the Dagster
code reads nothing. Graph depth: one run is pointed at a DuckLake from the launchpad's resource config
(``resources.warehouse.config.backend``) while the environment says embedded, and the executor follows.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from etl.config import Settings, SettingsError
from tests.support.seeds import PROJECT, copy_seeds

ENV_READ = re.compile(r"os\.environ|getenv\(|os\.putenv")


def test_settings_is_the_only_reader_of_the_environment():
    readers = []
    for folder in ("etl", "assets"):
        for path in sorted((PROJECT / folder).rglob("*.py")):
            if path.relative_to(PROJECT).as_posix() == "etl/config.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ENV_READ.search(line):
                    readers.append(f"{path.relative_to(PROJECT)}:{n}: {line.strip()}")
    assert readers == []


def test_every_setting_is_parsed_once_with_its_defaults():
    s = Settings.from_env(environ={})
    assert (s.seeds_dir, s.warehouse_dir) == (PROJECT / "seeds", PROJECT / "warehouse")
    assert (s.backend, s.lock_wait_seconds, s.memory_limit, s.max_page_bytes, s.tokenizer) == \
        ("embedded", 30.0, "512MB", 20 << 20, "rjieba")
    s = Settings.from_env(environ={"WAREHOUSE_BACKEND": "DuckLake", "DUCKLAKE_CATALOG": "ducklake:sqlite:/x/c.sqlite",
                                   "MAX_PAGE_MB": "0", "LAKE_RUNS": "3", "WAREHOUSE_LOCK_WAIT_SECONDS": "2.5"})
    assert (s.backend, s.lake_catalog, s.max_page_bytes, s.lake_runs, s.lock_wait_seconds) == \
        ("ducklake", "sqlite:/x/c.sqlite", None, 3, 2.5)
    # the launchpad's values win over the environment's
    s = Settings.from_env("/in", "/out", "embedded", environ={"WAREHOUSE_BACKEND": "ducklake", "SEEDS_DIR": "/x"})
    assert (s.seeds_dir, s.warehouse_dir, s.backend) == (Path("/in"), Path("/out"), "embedded")


@pytest.mark.parametrize("name, value", [
    ("WAREHOUSE_BACKEND", "snowflake"), ("WAREHOUSE_LOCK_WAIT_SECONDS", "soon"), ("WAREHOUSE_LOCK_WAIT_SECONDS", "-1"),
    ("WAREHOUSE_MEMORY_LIMIT", "lots"), ("MAX_PAGE_MB", "big"), ("ETL_TOKENIZER", "hanlp"), ("LAKE_RUNS", "0"),
    ("LAKE_MAX_CONCURRENT", "two"), ("WAREHOUSE_DIR", "/tmp/what?"),
])
def test_a_bad_setting_is_refused_naming_its_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(environ={name: value})


def test_ducklake_without_a_catalog_says_which_variable_is_missing():
    with pytest.raises(SettingsError, match="DUCKLAKE_CATALOG"):
        Settings.from_env(environ={"WAREHOUSE_BACKEND": "ducklake"})


@pytest.mark.e2e
def test_importing_the_dagster_code_reads_no_setting():
    """A broken setting must not stop `dagster dev` from loading the code: it fails the run that uses it."""
    code = ("import assets.definitions as d; j = d.defs.resolve_job_def('warehouse_job'); "
            "print(j.executor_def.name, sorted(d.defs.resolve_all_asset_keys())[0].to_user_string())")
    env = {"PATH": "/usr/bin:/bin", "WAREHOUSE_BACKEND": "snowflake", "WAREHOUSE_MEMORY_LIMIT": "lots",
           "MAX_PAGE_MB": "big", "HOME": str(PROJECT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["warehouse_executor", "cleaned/articles"]


def test_the_executor_follows_the_run_backend():
    from dagster._core.execution.retries import RetryMode

    from assets.jobs import BackendExecutor, run_backend_settings

    executor = BackendExecutor(RetryMode.ENABLED, None)
    env_default = {"resources": {"warehouse": {"config": {"backend": "embedded"}}}}
    lake_run = {"resources": {"warehouse": {"config": {"backend": "ducklake", "lake_catalog": "sqlite:/x/c.sqlite"}}}}
    assert type(executor.executor_for(run_backend_settings(env_default))).__name__ == "InProcessExecutor"
    # one step at a time on the lake (the default): in the run's process, no step process to start
    assert type(executor.executor_for(run_backend_settings(lake_run))).__name__ == "InProcessExecutor"
    chosen = BackendExecutor(RetryMode.ENABLED, 2).executor_for(run_backend_settings(lake_run))
    assert type(chosen).__name__ == "MultiprocessExecutor"


@pytest.mark.e2e
def test_the_backend_is_chosen_per_run_from_the_launchpad(tmp_path, monkeypatch):
    """The environment says embedded; one run's resource config says DuckLake (SQLite catalog). That run,
    launched as the UI launches it (reconstructable job, the job's own executor), writes the lake, runs
    its steps in step processes, and leaves no staging file; the next run without the override is embedded."""
    from assets.definitions import warehouse_job_def
    from assets.partitions import all_shards_tags

    monkeypatch.delenv("WAREHOUSE_BACKEND", raising=False)
    monkeypatch.delenv("DUCKLAKE_CATALOG", raising=False)
    seeds, wh = tmp_path / "seeds", tmp_path / "wh"
    copy_seeds(seeds)
    catalog = f"sqlite:{tmp_path / 'lake' / 'catalog.sqlite'}"
    (tmp_path / "lake").mkdir()
    warehouse = {"seeds_dir": str(seeds), "warehouse_dir": str(wh)}
    lake_config = {"resources": {"warehouse": {"config": {**warehouse, "backend": "ducklake", "lake_catalog": catalog,
                                                          "lake_data_path": str(tmp_path / "lake" / "data")}}},
                   "execution": {"config": {"max_concurrent": 2}},  # steps as processes (default: in-process)
                   "loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        with dg.execute_job(dg.reconstructable(warehouse_job_def), instance=instance, run_config=lake_config,
                            tags=all_shards_tags()) as result:
            assert result.success
            engine = " ".join(e.message or "" for e in result.all_events if e.event_type_value == "ENGINE_EVENT")
            assert "multiprocess executor" in engine
    assert not (wh / "staging").exists()
    from etl.backends import backend_for
    from etl.publication import latest

    lake = Settings.from_env(str(seeds), str(wh), "ducklake", catalog, str(tmp_path / "lake" / "data"))
    with backend_for(lake).connect(read_only=True) as conn:
        assert latest(conn)["snapshot_id"] > 0  # published in the catalog
    with backend_for(lake).reader() as conn:
        assert conn.execute("SELECT count(*) FROM modeled.fact_articles").fetchone()[0] == 26
        assert conn.execute("SELECT count(*) FROM modeled.fact_metrics").fetchone()[0] == 157
    # the same resource without the override: the environment's backend (embedded), the staging file
    from tests.support.jobs import run_job

    assert run_job(seeds, wh).success
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM modeled.fact_articles").fetchone()[0] == 26
