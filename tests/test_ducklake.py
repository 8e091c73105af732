"""System depth: the whole graph on DuckLake (PostgreSQL catalog), two runs at once, equals the embedded run.

A real PostgreSQL server from Debian's package is started on loopback
(tests/support/pg.py), `python -m assets.cli --runs 2` runs warehouse_job twice at
once over disjoint halves of the seed files, each run with Dagster's
multiprocess executor, and every contract table, the Parquet exports and the
README's marts queries are compared with the embedded run of the same seeds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from etl.export import read_manifest
from tests.support.pg import postgres
from tests.support.readme import examples, render
from tests.support.scripts import fault_scenarios
from tests.support.seeds import PROJECT, copy_seeds
from tests.support.snapshots import TABLE_IDS, snapshot, snapshot_of

fs = fault_scenarios()

IDS = {**TABLE_IDS, "raw.source_files": "path || ':' || file_id"}  # ingest times differ between two builds


@pytest.fixture(scope="module")
def lake_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    seeds, wh, home = root / "seeds", root / "wh", root / "home"
    copy_seeds(seeds)
    home.mkdir()
    shutil.copy(PROJECT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")  # pools: duckdb_writer limit 1
    with postgres(root / "pg") as catalog:
        # LAKE_MAX_CONCURRENT=2: steps as processes here (the multiprocess path); the two-host test runs the default, 1
        settings = dict(WAREHOUSE_BACKEND="ducklake", DUCKLAKE_CATALOG=catalog, DUCKLAKE_DATA_PATH=str(root / "data"),
                        LAKE_MAX_CONCURRENT="2",
                        SEEDS_DIR=str(seeds), WAREHOUSE_DIR=str(wh), DAGSTER_HOME=str(home))
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}, **settings}
        out = subprocess.run([sys.executable, "-m", "assets.cli", "--runs", "2"], cwd=PROJECT, env=env,
                             capture_output=True, text=True, timeout=2400)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-6000:]
        # read the lake back through the product's own connection code, with the run's settings
        with fs.env(**settings):
            from etl.backends import open_warehouse
            from etl.config import Settings

            with open_warehouse(Settings.from_env(), read_only=True) as conn:
                tables = snapshot_of(conn, IDS)
                marts = {v: conn.execute(f"SELECT count(*) FROM marts.{v}").fetchone()[0]
                         for v in ("articles_wide", "metrics_wide", "metrics_by_district_month")}
                publications = conn.execute("SELECT snapshot_id, checks FROM ops.publications "
                                            "ORDER BY published_at").fetchall()
                readme = []
                for sql, _, _ in examples():
                    cur = conn.execute(sql)
                    readme.append(([d[0] for d in cur.description], [[render(v) for v in r] for r in cur.fetchall()]))
            with dg.DagsterInstance.get() as instance:
                runs = instance.get_run_records()
                workers = {r.dagster_run.run_id: len({e.dagster_event.pid for e in instance.all_logs(r.dagster_run.run_id)
                                                      if e.dagster_event and e.dagster_event.event_type_value
                                                      == "STEP_WORKER_STARTED"})
                           for r in runs}
    return {"tables": tables, "marts": marts, "readme": readme, "publications": publications, "runs": runs, "workers": workers, "wh": wh,
            "data": root / "data", "stdout": out.stdout}


@pytest.mark.postgres
@pytest.mark.e2e
def test_every_contract_table_equals_the_embedded_run(lake_build, built):
    embedded = snapshot(built.db_path, with_ingest_times=False)
    assert lake_build["tables"] == embedded
    assert lake_build["tables"]["modeled.fact_articles"][0] == 26
    assert lake_build["tables"]["modeled.fact_metrics"][0] == 157


@pytest.mark.postgres
@pytest.mark.e2e
def test_two_runs_wrote_at_once_each_with_several_worker_processes(lake_build):
    runs = lake_build["runs"]
    assert len(runs) == 2 and all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    (a0, a1), (b0, b1) = sorted((r.start_time, r.end_time) for r in runs)
    assert b0 < a1, "the two runs did not overlap"
    assert all(n >= 2 for n in lake_build["workers"].values()), lake_build["workers"]
    ranges = sorted((r.dagster_run.tags["dagster/asset_partition_range_start"],
                     r.dagster_run.tags["dagster/asset_partition_range_end"]) for r in runs)
    assert ranges[0][0] == "shard-00" and ranges[1][1] == "shard-07" and ranges[0][1] < ranges[1][0]


@pytest.mark.postgres
@pytest.mark.e2e
def test_the_readme_sql_examples_answer_the_same_on_the_lake(lake_build):
    expected = [(header, rows) for _, header, rows in examples()]
    assert len(expected) >= 5 and lake_build["readme"] == expected


@pytest.mark.postgres
@pytest.mark.e2e
def test_the_exports_are_the_same_on_both_backends(lake_build, built):
    def entries(d: Path) -> dict:
        m = read_manifest(d)
        return {(e["schema"], e["table"]): (e["rows"], e["key_checksum"], [c["name"] for c in e["columns"]])
                for e in m["tables"] + m["marts"]}

    assert entries(lake_build["wh"] / "exports") == entries(built.exports_dir)


@pytest.mark.postgres
@pytest.mark.e2e
def test_marts_views_answer_on_the_lake(lake_build, built):
    import duckdb

    with duckdb.connect(str(built.db_path), read_only=True) as conn:
        embedded = {v: conn.execute(f"SELECT count(*) FROM marts.{v}").fetchone()[0] for v in lake_build["marts"]}
    assert lake_build["marts"] == embedded


@pytest.mark.postgres
@pytest.mark.e2e
def test_data_is_parquet_in_the_data_path_and_the_audited_snapshot_is_published(lake_build):
    assert list(lake_build["data"].rglob("*.parquet"))
    # two runs, two publications, each of the snapshot its own audit read; recorded in the catalog, not on the host
    assert [sid for sid, _ in lake_build["publications"]] == sorted(sid for sid, _ in lake_build["publications"])
    assert len(lake_build["publications"]) == 2 and all(checks > 20 for _, checks in lake_build["publications"])
    assert not (lake_build["wh"] / "published_snapshot.json").exists()
    assert "DuckLake catalog  ducklake:postgres:" in lake_build["stdout"]
    assert f"Published snapshot {lake_build['publications'][-1][0]} " in lake_build["stdout"]


def test_a_missing_extension_package_is_named(monkeypatch):
    import importlib.util

    from etl import lake

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "duckdb_extension_ducklake" else real(name, *a))
    with pytest.raises(lake.LakeConfigError, match="duckdb-extension-ducklake==1.5.5"):
        lake.load_extensions(__import__("duckdb").connect(), ["ducklake"])


def test_the_backend_setting_is_checked(monkeypatch):
    from etl.config import Settings, SettingsError

    monkeypatch.setenv("WAREHOUSE_BACKEND", "ducklake")
    monkeypatch.delenv("DUCKLAKE_CATALOG", raising=False)
    with pytest.raises(SettingsError, match="DUCKLAKE_CATALOG"):
        Settings.from_env()
    monkeypatch.setenv("WAREHOUSE_BACKEND", "snowflake")
    with pytest.raises(SettingsError, match="embedded, ducklake"):
        Settings.from_env()


def test_the_lake_schema_drops_only_constraints():
    from etl.lake import lake_schema_sql
    from etl.warehouse import schema_sql

    sql = lake_schema_sql(schema_sql())
    assert "PRIMARY KEY" not in sql and "CHECK (" not in sql
    assert sql.count("CREATE TABLE") == schema_sql().count("CREATE TABLE")
    assert sql.count("COMMENT ON COLUMN") == schema_sql().count("COMMENT ON COLUMN")
