"""System depth: the multi-host deployment of docs/deployment.md, scripted on this machine with two "hosts".

What runs (each a separate process, as it would be on its own machine):

- one PostgreSQL server on loopback (tests/support/pg.py) with two databases: ``dagster`` (the Dagster
  instance every host shares: runs, partitions, pool slots, the run queue) and ``lake`` (the DuckLake
  catalog);
- an S3 emulator on loopback (moto's server mode) holding the lake's Parquet files (``s3://news-lake/lake/``);
- host A and host B: each its own cwd, ``WAREHOUSE_DIR`` and ``DAGSTER_HOME`` (the same deploy/dagster.yaml),
  each serving the code with ``dagster code-server start``; host B does not even set
  ``DUCKLAKE_DATA_PATH`` (the catalog holds the one data path);
- on host A, ``dagster-daemon`` with deploy/workspace.hosts.yaml's shape (both code servers), and
  ``python -m assets.fanout``, which queues one ingest run per host and then one publish run.

The scripted procedure is tests/support/multihost.py; docs/deployment.md is that procedure in words.
"""

from __future__ import annotations

import shutil

import pytest

from etl.config import Settings
from tests.support.multihost import two_hosts
from tests.support.seeds import PROJECT
from tests.support.snapshots import TABLE_IDS, snapshot, snapshot_of

IDS = {**TABLE_IDS, "raw.source_files": "path || ':' || file_id"}  # ingest times differ between two builds

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    with two_hosts(tmp_path_factory.mktemp("multihost")) as d:
        d.fanout_result = d.fanout("--runs", "2")
        yield d


def test_the_fanout_succeeds_on_two_hosts(deployment):
    out = deployment.fanout_result
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-6000:]
    assert "2 ingest runs over qingdao_news@host-a, qingdao_news@host-b" in out.stdout


def test_every_contract_table_equals_the_embedded_build(deployment, built):
    from etl.backends import LakeBackend

    with deployment.env("a"):
        with LakeBackend(Settings.from_env()).reader() as conn:  # the published snapshot
            tables = snapshot_of(conn, IDS)
    assert tables == snapshot(built.db_path, with_ingest_times=False)
    assert tables["modeled.fact_articles"][0] == 26
    assert tables["modeled.fact_metrics"][0] == 157


def test_both_hosts_did_part_of_the_work(deployment):
    runs = deployment.runs()
    ingest = [r for r in runs if r["job"] == "ingest_job"]
    assert sorted(r["location"] for r in ingest) == ["qingdao_news@host-a", "qingdao_news@host-b"]
    assert all(r["status"] == "SUCCESS" for r in runs), runs
    # each ingest run read its own half of the files, and its steps ran with that host's settings
    shards = [set(r["raw_partitions"]) for r in ingest]  # disjoint shard ranges = disjoint sets of files
    assert shards[0] and shards[1] and not shards[0] & shards[1]
    assert len(shards[0] | shards[1]) == 8
    assert all(r["raw_files_read"] > 0 for r in ingest) and sum(r["raw_files_read"] for r in ingest) == 5
    for r in ingest:
        host = r["location"].rsplit("-", 1)[1]
        assert r["raw_warehouse_dir"] == str(deployment.hosts[host].warehouse_dir)
    # the Parquet files of the lake are in the object store, none on either host
    assert deployment.s3_keys(".parquet")
    for h in deployment.hosts.values():
        assert not list(h.warehouse_dir.rglob("*.parquet")) or h.name == "a"  # host A: only its exports


def test_exactly_one_snapshot_is_published_and_it_is_the_audited_one(deployment):
    pubs = deployment.publications()
    assert len(pubs) == 1
    (sid, run_id, checks), = pubs
    publish = [r for r in deployment.runs() if r["job"] == "publish_job"]
    assert len(publish) == 1 and publish[0]["run_id"] == run_id and publish[0]["location"] == "qingdao_news@host-a"
    assert publish[0]["published_snapshot"] == sid
    assert checks > 20
    # the blocking checks, run again at that snapshot from host B, all pass
    assert deployment.audit_at(sid, host="b") == (checks, [])
    # the exports were written once, by the publish run on host A, from that snapshot
    assert (deployment.hosts["a"].warehouse_dir / "exports" / "_manifest.json").exists()
    assert not (deployment.hosts["b"].warehouse_dir / "exports").exists()
    assert not list(deployment.root.rglob("published_snapshot.json"))


def test_nothing_leaks_between_runs(deployment):
    assert deployment.open_runs() == []
    assert deployment.claimed_slots() == {}
    assert deployment.leftover_processes() == []


def test_a_second_fanout_adds_a_new_file_and_publishes_once_more(deployment):
    """Runs last (it changes the deployment): a page arrives, the next fan-out takes it on either host."""
    from etl.backends import LakeBackend

    first = deployment.publications()
    shutil.copy(PROJECT / "tests" / "corpus" / "pages" / "001_qdrb-guanhai-epaper.txt",
                deployment.root / "shared" / "seeds" / "zz_new_page.txt")
    out = deployment.fanout("--runs", "2")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-6000:]
    pubs = deployment.publications()
    assert len(pubs) == 2 and pubs[0] == first[0] and pubs[1][0] > pubs[0][0]
    with deployment.env("b"), LakeBackend(Settings.from_env()).reader() as conn:
        paths = {r[0] for r in conn.execute("SELECT path FROM raw.source_files WHERE status = 'ok'").fetchall()}
        assert "zz_new_page.txt" in paths and len(paths) == 6
        assert conn.execute("SELECT count(*) FROM modeled.fact_articles").fetchone()[0] > 26
    assert deployment.open_runs() == [] and deployment.claimed_slots() == {}
    assert deployment.leftover_processes() == []
