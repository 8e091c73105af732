"""Unit depth: where a DuckLake keeps its data when many hosts share one catalog (``etl/lake.py``).

Every host uses the data path stored in the catalog: a new catalog is created with
``DUCKLAKE_DATA_PATH`` (or ``<WAREHOUSE_DIR>/lake/``), a host with the variable unset attaches the
existing catalog and its stored path, a host with another path is refused. Several processes
creating one PostgreSQL catalog at once all succeed. An ``s3://`` data path goes through httpfs and
a secret built from the AWS_* variables (moto's S3 server on loopback stands in for MinIO/S3).
"""

from __future__ import annotations

import logging
import multiprocessing
import re
import socket
import subprocess

import duckdb
import pytest

from etl import lake
from etl.config import Settings, SettingsError

ROWS = 2000  # more than DuckLake inlines into the catalog, so the rows are written as Parquet
KEYS = {"AWS_ACCESS_KEY_ID": "testing-key", "AWS_SECRET_ACCESS_KEY": "testing-secret"}


def settings(tmp_path, host: str, catalog: str, data_path: str | None = None, **env: str) -> Settings:
    """The settings of one host: its own WAREHOUSE_DIR, the shared catalog, its own DUCKLAKE_DATA_PATH (if any)."""
    environ = {"WAREHOUSE_BACKEND": "ducklake", "DUCKLAKE_CATALOG": catalog, "SEEDS_DIR": str(tmp_path / "seeds"),
               "WAREHOUSE_DIR": str(tmp_path / host), **env}
    if data_path is not None:
        environ["DUCKLAKE_DATA_PATH"] = data_path
    return Settings.from_env(environ=environ)


def attached(s: Settings, **kwargs) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    lake.attach(conn, s, **kwargs)
    return conn


def attached_names(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT database_name FROM duckdb_databases()").fetchall()}


def write_rows(s: Settings) -> None:
    with attached(s) as conn:
        conn.execute(f"CREATE TABLE t AS SELECT range AS i FROM range({ROWS})")


# ------------------------------------------------------------------ one data path for every host

def test_a_second_host_without_a_data_path_uses_the_catalogs(tmp_path):
    catalog = f"sqlite:{tmp_path / 'cat.sqlite'}"
    write_rows(settings(tmp_path, "a", catalog, str(tmp_path / "data")))
    assert list((tmp_path / "data").rglob("*.parquet"))
    b = settings(tmp_path, "b", catalog)
    with attached(b) as conn:
        assert lake.catalog_data_path(conn) == str(tmp_path / "data") + "/"
        assert conn.execute("SELECT count(*), sum(i) FROM t").fetchone() == (ROWS, ROWS * (ROWS - 1) // 2)
    assert not (tmp_path / "b" / "lake").exists()  # not the default <WAREHOUSE_DIR>/lake/ of host b


def test_a_new_catalog_without_a_data_path_takes_the_default_folder(tmp_path):
    s = settings(tmp_path, "a", f"sqlite:{tmp_path / 'cat.sqlite'}")
    with attached(s) as conn:
        assert lake.catalog_data_path(conn) == lake.data_path(s) == str(tmp_path / "a" / "lake") + "/"
    with attached(settings(tmp_path, "a", f"{tmp_path / 'cat.ducklake'}")) as conn:  # a DuckDB-file catalog
        assert lake.catalog_data_path(conn) == str(tmp_path / "a" / "lake") + "/"


def test_a_host_with_another_data_path_is_refused_naming_both(tmp_path):
    catalog = f"sqlite:{tmp_path / 'cat.sqlite'}"
    write_rows(settings(tmp_path, "a", catalog, str(tmp_path / "data")))
    conn = duckdb.connect()
    stored, other = str(tmp_path / "data") + "/", str(tmp_path / "elsewhere") + "/"
    with pytest.raises(lake.LakeConfigError) as err:
        lake.attach(conn, settings(tmp_path, "b", catalog, str(tmp_path / "elsewhere")))
    message = str(err.value)
    assert f"DUCKLAKE_DATA_PATH is {other}" in message and f"keeps its data at {stored}" in message
    assert f"unset DUCKLAKE_DATA_PATH on this host, or set it to {stored}" in message
    assert lake.LAKE_ALIAS not in attached_names(conn)  # detached again
    conn.close()


def test_a_symlink_to_the_stored_folder_is_the_same_data_path(tmp_path):
    catalog = f"sqlite:{tmp_path / 'cat.sqlite'}"
    write_rows(settings(tmp_path, "a", catalog, str(tmp_path / "data") + "/"))
    (tmp_path / "mnt").symlink_to(tmp_path / "data", target_is_directory=True)
    b = settings(tmp_path, "b", catalog, str(tmp_path / "mnt"))
    assert lake.data_path(b) == str(tmp_path / "mnt") + "/"  # made absolute, not resolved
    with attached(b) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == ROWS
        assert lake.catalog_data_path(conn) == str(tmp_path / "data") + "/"


def test_a_reader_attaches_a_published_snapshot(tmp_path):
    s = settings(tmp_path, "a", f"sqlite:{tmp_path / 'cat.sqlite'}", str(tmp_path / "data"))
    write_rows(s)
    with attached(s) as conn:
        version = conn.execute(f"SELECT max(snapshot_id) FROM ducklake_snapshots('{lake.LAKE_ALIAS}')").fetchone()[0]
        conn.execute("INSERT INTO t VALUES (-1)")
    with attached(s, snapshot_version=version) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == ROWS
        with pytest.raises(duckdb.Error, match="read-only"):
            conn.execute("INSERT INTO t VALUES (-2)")


def test_needed_extensions_follow_the_catalog_and_the_data_path():
    assert lake.needed_extensions("sqlite:/x/c.sqlite") == ["ducklake", "sqlite_scanner"]
    assert lake.needed_extensions("postgres:dbname=x", "s3://b/p/") == ["ducklake", "postgres_scanner", "httpfs"]
    assert lake.needed_extensions("/x/c.ducklake", "/srv/lake/") == ["ducklake"]


# ------------------------------------------------------------------ many processes create one catalog

def _create_at_once(catalog: str, root: str, host: int, barrier, results) -> None:
    from pathlib import Path

    try:
        s = settings(Path(root), f"host{host}", catalog, str(Path(root) / "data"))
        barrier.wait(timeout=60)
        with attached(s) as conn:
            for attempt in range(10):  # two creators of one table conflict at commit; the loser retries
                try:
                    conn.execute("CREATE TABLE IF NOT EXISTS hosts (host INTEGER)")
                    break
                except duckdb.TransactionException:
                    if attempt == 9:
                        raise
            conn.execute("INSERT INTO hosts VALUES (?)", [host])
        results.put((host, "ok"))
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        results.put((host, f"{type(e).__name__}: {e}"))


@pytest.mark.postgres
def test_processes_creating_one_postgres_catalog_at_once_all_succeed(tmp_path):
    from tests.support.pg import pg_bin, postgres

    ctx = multiprocessing.get_context("forkserver")  # a clean single-threaded parent, this module imported once
    ctx.set_forkserver_preload([__name__])
    n = 6
    with postgres(tmp_path / "pg", "lake0") as first:
        conn = dict(re.findall(r"(\w+)=(\S+)", first.removeprefix("postgres:")))
        for round_ in range(3):
            dbname = f"lake{round_}"
            if round_:
                subprocess.run([str(pg_bin() / "createdb"), "-h", conn["host"], "-p", conn["port"], "-U", conn["user"],
                                dbname], check=True, capture_output=True, timeout=60)
            catalog = first.replace("dbname=lake0", f"dbname={dbname}")
            root = tmp_path / dbname
            barrier, results = ctx.Barrier(n), ctx.Queue()
            procs = [ctx.Process(target=_create_at_once, args=(catalog, str(root), i, barrier, results))
                     for i in range(n)]
            for p in procs:
                p.start()
            got = dict(results.get(timeout=120) for _ in procs)
            for p in procs:
                p.join(timeout=60)
            assert got == {i: "ok" for i in range(n)}, (dbname, got)
            with attached(settings(tmp_path, "reader", catalog)) as reader:
                assert sorted(r[0] for r in reader.execute("SELECT host FROM hosts").fetchall()) == list(range(n))
                assert lake.catalog_data_path(reader) == str(root / "data") + "/"


# ------------------------------------------------------------------ S3-compatible storage

@pytest.fixture(scope="module")
def s3():
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"])
    yield endpoint, client
    server.stop()


def test_an_s3_data_path_through_an_s3_compatible_endpoint(tmp_path, s3):
    endpoint, client = s3
    client.create_bucket(Bucket="news-lake")
    catalog = f"sqlite:{tmp_path / 'cat.sqlite'}"
    env = {**KEYS, "AWS_ENDPOINT_URL_S3": endpoint}
    a = settings(tmp_path, "a", catalog, "s3://news-lake/lake/", **env)
    with attached(a) as conn:
        conn.execute(f"CREATE TABLE t AS SELECT range AS i FROM range({ROWS})")
        conn.execute(f"INSERT INTO t SELECT range FROM range({ROWS})")
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 2 * ROWS
    keys = [o["Key"] for o in client.list_objects_v2(Bucket="news-lake").get("Contents", [])]
    assert keys and all(k.startswith("lake/") and k.endswith(".parquet") for k in keys), keys
    assert not (tmp_path / "a" / "lake").exists()
    # a second host: DUCKLAKE_DATA_PATH unset, the same credentials; it reads the rows from the bucket
    with attached(settings(tmp_path, "b", catalog, **env)) as conn:
        assert lake.catalog_data_path(conn) == "s3://news-lake/lake/"
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 2 * ROWS
    # a third host without credentials learns the path only by attaching, and is refused then
    conn = duckdb.connect()
    with pytest.raises(lake.LakeConfigError, match="AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"):
        lake.attach(conn, settings(tmp_path, "c", catalog, AWS_ENDPOINT_URL_S3=endpoint))
    assert lake.LAKE_ALIAS not in attached_names(conn)
    conn.close()


def test_an_s3_data_path_without_credentials_names_the_variables(tmp_path):
    s = settings(tmp_path, "a", f"sqlite:{tmp_path / 'cat.sqlite'}", "s3://news-lake/lake/",
                 AWS_SECRET_ACCESS_KEY="x")
    with pytest.raises(lake.LakeConfigError, match=r"s3://news-lake/lake/ is on S3 but AWS_ACCESS_KEY_ID is not set"):
        attached(s)
    assert not (tmp_path / "cat.sqlite").exists()  # refused before the catalog is touched


def test_the_s3_settings_are_read_from_the_aws_variables():
    s = Settings.from_env(environ={**KEYS, "AWS_SESSION_TOKEN": "tok", "AWS_DEFAULT_REGION": "eu-west-1",
                                   "AWS_ENDPOINT_URL": "https://minio.internal:9000"})
    assert (s.aws_region, s.s3_endpoint, s.s3_url_style) == ("eu-west-1", "https://minio.internal:9000", "path")
    assert not {"testing-key", "testing-secret", "tok"} & set(re.findall(r"[\w-]+", repr(s)))
    s = Settings.from_env(environ={"AWS_REGION": "ap-east-1", "AWS_DEFAULT_REGION": "eu-west-1",
                                   "AWS_ENDPOINT_URL": "http://a:1", "AWS_ENDPOINT_URL_S3": "http://b:2",
                                   "DUCKLAKE_S3_URL_STYLE": "VHost"})
    assert (s.aws_region, s.s3_endpoint, s.s3_url_style, s.aws_access_key_id) == \
        ("ap-east-1", "http://b:2", "vhost", None)
    s = Settings.from_env(environ={})
    assert (s.aws_region, s.s3_endpoint, s.s3_url_style) == ("us-east-1", None, "vhost")


@pytest.mark.parametrize("name, value", [("DUCKLAKE_S3_URL_STYLE", "virtual"), ("AWS_ENDPOINT_URL_S3", "minio:9000"),
                                         ("AWS_ENDPOINT_URL", "ftp://minio:21")])
def test_a_bad_s3_setting_is_refused_naming_its_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(environ={name: value})
