"""Parquet exports round-trip: every export read back with pyarrow, polars and DuckDB matches the
warehouse, with one column type per column in all three; the exports folder survives ``cp -r``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.export import (
    CURRENT_LINK,
    HIVE_PARTITIONED,
    KEEP_VERSIONS,
    MARTS_VIEWS,
    NULL_PARTITION,
    SCHEMA_VERSION,
    apply_marts,
    current_version,
    export_all,
    hive_partitioning,
    key_checksum,
    open_exports,
    python_key_checksum,
    read_manifest,
    versions_root,
)
from etl.warehouse import MODELED_TABLES


@pytest.fixture(scope="module")
def manifest(built) -> dict:
    return read_manifest(built.exports_dir)


def entries(manifest: dict) -> list[dict]:
    return manifest["tables"] + manifest["marts"]


def pa_checksum(table: pa.Table, keys: list[str]) -> str:
    cols = [table.column(k).to_pylist() for k in keys]
    return python_key_checksum(zip(*cols))


def test_manifest_lists_every_table_and_view(manifest):
    assert manifest["schema_version"] == SCHEMA_VERSION
    datetime.fromisoformat(manifest["built_at"])
    assert sorted(e["table"] for e in manifest["tables"]) == sorted(MODELED_TABLES)
    assert sorted(e["table"] for e in manifest["marts"]) == sorted(MARTS_VIEWS)
    for e in entries(manifest):
        assert {"table", "schema", "file", "rows", "bytes", "columns", "key_columns", "key_checksum"} <= e.keys()
        assert ("hive" in e) == (e["table"] in HIVE_PARTITIONED), e["table"]
    assert manifest["format"]["compression"] == "zstd"


def test_flat_exports_round_trip_with_pyarrow_and_duckdb(built, db, manifest):
    mem = duckdb.connect()
    for e in entries(manifest):
        relation = f"{e['schema']}.{e['table']}"
        path = built.exports_dir / e["file"]
        rows, digest = key_checksum(db, relation, e["key_columns"])
        assert (e["rows"], e["key_checksum"]) == (rows, digest), relation
        table = pq.read_table(path)
        assert table.num_rows == rows, relation
        assert pa_checksum(table, e["key_columns"]) == digest, relation
        assert key_checksum(mem, f"read_parquet('{path.as_posix()}')", e["key_columns"]) == (rows, digest), relation
        # same columns, same order as the warehouse
        assert table.column_names == [c[0] for c in db.execute(f"DESCRIBE {relation}").fetchall()], relation
        assert [c["name"] for c in e["columns"]] == table.column_names


def test_hive_partitioned_exports_round_trip(built, db, manifest):
    mem = duckdb.connect()
    for e in entries(manifest):
        if "hive" not in e:
            continue
        relation = f"{e['schema']}.{e['table']}"
        root = built.exports_dir / e["hive"]["path"]
        rows, digest = e["rows"], e["key_checksum"]
        # pyarrow discovers the Hive layout; the unknown partition reads back as NULL
        table = pq.read_table(root)
        assert table.num_rows == rows and pa_checksum(table, e["key_columns"]) == digest, relation
        assert table.column_names[-2:] == ["year", "month"]
        glob = f"read_parquet('{(root / '**' / '*.parquet').as_posix()}', hive_partitioning = true)"
        assert key_checksum(mem, glob, e["key_columns"]) == (rows, digest), relation
        # every row sits in the partition of its own date
        key = e["key_columns"][0]
        wrong = mem.execute(
            f"""SELECT count(*) FROM {glob} p JOIN (SELECT {key}, date_key FROM read_parquet('{(built.exports_dir / e['file']).as_posix()}')) f
                USING ({key})
                WHERE p.year IS DISTINCT FROM (CASE WHEN f.date_key > 0 THEN f.date_key // 10000 END)
                   OR p.month IS DISTINCT FROM (CASE WHEN f.date_key > 0 THEN f.date_key // 100 % 100 END)""").fetchone()[0]
        assert wrong == 0, relation
        parts = e["hive"]["partitions"]
        assert sum(p["rows"] for p in parts) == rows
        for p in parts:
            assert (built.exports_dir / p["path"]).is_dir(), p
        undated = db.execute(f"SELECT count(*) FROM {relation} WHERE date_key = -1").fetchone()[0]
        unknown = [p for p in parts if p["year"] is None]
        assert (unknown[0]["rows"] if unknown else 0) == undated
        if undated:
            assert unknown[0]["path"].endswith(f"year={NULL_PARTITION}/month={NULL_PARTITION}")


def test_exports_have_bi_friendly_types(built, manifest):
    for e in entries(manifest):
        pf = pq.ParquetFile(built.exports_dir / e["file"])
        schema = pf.schema_arrow
        for field in schema:
            assert not pa.types.is_nested(field.type), f"{e['table']}.{field.name} is {field.type}"
            if field.name.endswith("_key"):
                assert field.type == pa.int64(), f"{e['table']}.{field.name} is {field.type}"
            if pa.types.is_floating(field.type):
                assert field.type == pa.float64()
            assert not pa.types.is_decimal(field.type) and not pa.types.is_large_string(field.type)
        assert pf.metadata.row_group(0).column(0).compression == "ZSTD"
    metrics = pq.read_schema(built.exports_dir / "fact_metrics.parquet")
    assert metrics.field("value").type == pa.float64() and metrics.field("date_key").type == pa.int64()
    wide = pq.read_schema(built.exports_dir / "marts" / "articles_wide.parquet")
    assert wide.field("news_date").type == pa.date32() and wide.field("outlets").type == pa.string()


def test_open_exports_answers_like_the_warehouse(built, db):
    sql = ("SELECT district_name, articles, articles_mentioning FROM marts.articles_by_district_month "
           "WHERE year = 2024 AND month = 11 AND level = 'county' ORDER BY ALL")
    conn = open_exports(built.exports_dir)
    try:
        assert conn.execute(sql).fetchall() == db.execute(sql).fetchall()
        assert conn.execute("SELECT count(*) FROM modeled.fact_metrics").fetchone() == \
            db.execute("SELECT count(*) FROM modeled.fact_metrics").fetchone()
    finally:
        conn.close()


def _tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_failed_export_leaves_the_previous_one(built, tmp_path):
    db_copy = tmp_path / "copy.duckdb"
    shutil.copyfile(built.db_path, db_copy)
    out = tmp_path / "exports"
    with duckdb.connect(str(db_copy)) as conn:
        apply_marts(conn)
        first = export_all(conn, out)
        before = _tree_digest(out)
        # a relation that cannot be exported fails the export after others were staged
        with pytest.raises((LookupError, KeyError)):
            export_all(conn, out, views=MARTS_VIEWS + ["no_such_view"])
        assert _tree_digest(out) == before
        assert not list(versions_root(out).glob(".staging-*"))
        # a staging folder left by a killed export (its process is gone) is cleaned up by the next one
        stale = versions_root(out) / ".staging-999999999"
        (stale / "hive").mkdir(parents=True)
        second = export_all(conn, out)
        assert not stale.exists()
    assert [(e["table"], e["rows"], e["key_checksum"]) for e in first["tables"] + first["marts"]] == \
        [(e["table"], e["rows"], e["key_checksum"]) for e in second["tables"] + second["marts"]]
    assert json.loads((out / "_manifest.json").read_text(encoding="utf-8")) == second
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name or ".old-" in p.name]


def test_an_empty_warehouse_exports_empty_files(tmp_path):
    from etl.warehouse import schema_sql

    with duckdb.connect(str(tmp_path / "empty.duckdb")) as conn:
        conn.execute(schema_sql())
        apply_marts(conn)
        manifest = export_all(conn, tmp_path / "exports")
    assert all(e["rows"] == 0 for e in entries(manifest))
    for e in entries(manifest):
        assert pq.read_table(tmp_path / "exports" / e["file"]).num_rows == 0
        if "hive" in e:
            assert e["hive"]["partitions"] == [] and (tmp_path / "exports" / e["hive"]["path"]).is_dir()


# ------------------------------------------------------------------ versions behind one link

def test_exports_is_a_folder_whose_links_stay_inside_it(built, manifest):
    folder = built.exports_dir
    assert folder.is_dir() and not folder.is_symlink()
    version = current_version(folder)
    assert version.parent == versions_root(folder) == folder / ".versions" and version.name == manifest["version"]
    assert (version / "_manifest.json").is_file()
    links = [p for p in folder.rglob("*") if p.is_symlink()]
    assert {p.name for p in links} == {CURRENT_LINK} | {p.name for p in version.iterdir()}
    for p in links:  # relative, and resolving inside the folder: the folder can be moved or copied
        assert not os.path.isabs(os.readlink(p)) and p.exists(), p
        assert p.resolve().is_relative_to(folder.resolve()), p


# ------------------------------------------------------------------ one type per column, in every reader

def _arrow_type(t: pa.DataType) -> str:
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_int32(t):
        return "INTEGER"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "VARCHAR"
    if pa.types.is_date32(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    return f"arrow:{t}"  # anything else (dictionary, int16, decimal…) differs from the others on purpose


def _polars_type(t) -> str:
    names = {pl.Int64: "BIGINT", pl.Int32: "INTEGER", pl.Float64: "DOUBLE", pl.String: "VARCHAR",
             pl.Date: "DATE", pl.Boolean: "BOOLEAN"}
    for k, v in names.items():
        if t == k:
            return v
    if isinstance(t, pl.Datetime):
        return "TIMESTAMPTZ" if t.time_zone else "TIMESTAMP"
    return f"polars:{t}"


def _duckdb_type(t: str) -> str:
    return {"TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}.get(t, t)


def _three_readers(path: Path, hive: bool) -> dict[str, dict[str, str]]:
    """{reader: {column: common type}} of a flat file or a Hive folder, read as each tool's docs say."""
    if hive:
        arrow = pq.read_table(path, partitioning=hive_partitioning()).schema
        polars = pl.scan_parquet(path, hive_partitioning=True).collect_schema()
        src = f"read_parquet('{(path / '**' / '*.parquet').as_posix()}', hive_partitioning = true)"
    else:
        arrow = pq.read_table(path).schema
        polars = pl.scan_parquet(path).collect_schema()
        src = f"read_parquet('{path.as_posix()}')"
    duck = duckdb.connect().execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    return {"pyarrow": {f.name: _arrow_type(f.type) for f in arrow},
            "polars": {n: _polars_type(t) for n, t in polars.items()},
            "duckdb": {r[0]: _duckdb_type(r[1]) for r in duck}}


def test_every_export_has_the_same_column_types_in_pyarrow_polars_and_duckdb(built, manifest):
    checked = 0
    for e in entries(manifest):
        flat = _three_readers(built.exports_dir / e["file"], hive=False)
        assert flat["pyarrow"] == flat["polars"] == flat["duckdb"], (e["file"], flat)
        assert list(flat["pyarrow"]) == [c["name"] for c in e["columns"]]
        assert flat["duckdb"] == {c["name"]: _duckdb_type(c["type"]) for c in e["columns"]}, e["file"]
        checked += 1
        if "hive" not in e:
            continue
        hive = _three_readers(built.exports_dir / e["hive"]["path"], hive=True)
        assert hive["pyarrow"] == hive["polars"] == hive["duckdb"], (e["hive"]["path"], hive)
        # the Hive dataset has the flat file's columns with the flat file's types, plus year and month
        assert hive["duckdb"] == {**flat["duckdb"], "year": "BIGINT", "month": "BIGINT"}, e["hive"]["path"]
        checked += 1
    assert checked == len(entries(manifest)) + len(HIVE_PARTITIONED)
    # year/month are one integer type everywhere they occur, flat or Hive
    for e in entries(manifest):
        for c in e["columns"]:
            if c["name"] in ("year", "month"):
                assert c["type"] == "BIGINT", (e["file"], c)


def test_pyarrow_groups_a_hive_dataset_by_year_and_month(built, db):
    path = built.exports_dir / "hive" / "fact_metrics"
    table = pq.read_table(path, partitioning=hive_partitioning())
    assert table.schema.field("year").type == pa.int64() == table.schema.field("month").type
    got = {(r["year"], r["month"]): r["metric_id_count"]
           for r in table.group_by(["year", "month"]).aggregate([("metric_id", "count")]).to_pylist()}
    want = dict(((y, m), n) for y, m, n in db.execute(
        "SELECT CASE WHEN date_key > 0 THEN date_key // 10000 END, CASE WHEN date_key > 0 THEN date_key // 100 % 100 END, "
        "count(*) FROM modeled.fact_metrics GROUP BY ALL").fetchall())
    assert got == want and (None, None) in got  # the seeds have metrics of unknown date
    # without the partitioning pyarrow still reads every row, as dictionaries (its default for any Hive
    # folder; README and analyst guide give the one-line fix)
    plain = pq.read_table(path)
    assert plain.num_rows == table.num_rows and pa.types.is_dictionary(plain.schema.field("year").type)
    # polars and DuckDB group the same way without any option beyond hive partitioning
    pl_got = {(r[0], r[1]): r[2] for r in pl.scan_parquet(path, hive_partitioning=True)
              .group_by("year", "month").len().collect().rows()}
    assert pl_got == want


# ------------------------------------------------------------------ the folder can be copied

def test_cp_r_of_the_exports_is_a_readable_copy(built, manifest, tmp_path):
    dst = tmp_path / "copy"
    dst.mkdir()
    subprocess.run(["cp", "-r", str(built.exports_dir), str(dst)], check=True)
    copy = dst / built.exports_dir.name
    assert copy.is_dir() and not copy.is_symlink()
    dangling = subprocess.run(["find", str(copy), "-xtype", "l"], capture_output=True, text=True, check=True).stdout
    assert dangling == ""
    for p in copy.rglob("*"):
        if p.is_symlink():
            assert p.resolve().is_relative_to(copy.resolve()), p  # nothing reaches back into the warehouse
    assert read_manifest(copy) == manifest
    for e in entries(manifest):
        table = pq.read_table(copy / e["file"])
        assert (table.num_rows, pa_checksum(table, e["key_columns"])) == (e["rows"], e["key_checksum"]), e["file"]
        if "hive" in e:
            assert pq.read_table(copy / e["hive"]["path"], partitioning=hive_partitioning()).num_rows == e["rows"]
    conn = open_exports(copy)
    assert conn.execute("SELECT count(*) FROM modeled.fact_metrics").fetchone()[0] == \
        next(e["rows"] for e in manifest["tables"] if e["table"] == "fact_metrics")


def test_an_exports_link_of_an_older_build_is_migrated(db, tmp_path):
    """An ``exports`` link to ``.exports/v…`` (schema 2) becomes a folder of this layout in one exchange."""
    wh = tmp_path / "wh"
    old = wh / ".exports" / "v20240101T000000000000Z-1"
    old.mkdir(parents=True)
    (old / "_manifest.json").write_text('{"tables": [], "marts": []}', encoding="utf-8")
    (wh / "exports").symlink_to(".exports/v20240101T000000000000Z-1")
    export_all(db, wh / "exports", tables=["dim_outlet"], views=[])
    assert (wh / "exports").is_dir() and not (wh / "exports").is_symlink() and not (wh / ".exports").exists()
    assert read_manifest(wh / "exports")["tables"][0]["table"] == "dim_outlet"
    assert sorted(p.name for p in wh.iterdir()) == ["exports"]


def test_versions_are_swapped_pruned_and_a_plain_folder_is_migrated(db, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()  # a plain folder, as a pre-versioning build left it
    (exports / "old.parquet").write_bytes(b"old")
    seen = []
    for _ in range(3):
        export_all(db, exports, tables=["dim_outlet"], views=[])
        seen.append(current_version(exports).name)
        left = sorted(p.name for p in versions_root(exports).iterdir())
        assert len(left) <= KEEP_VERSIONS and seen[-1] in left, left
    assert len(set(seen)) == 3 and seen == sorted(seen)
    assert not (exports / "old.parquet").exists()
    assert read_manifest(exports)["tables"][0]["table"] == "dim_outlet"
    pinned = open_exports(exports)  # resolves the link once: a later swap does not move it
    n = pinned.execute("SELECT count(*) FROM modeled.dim_outlet").fetchone()[0]
    export_all(db, exports, tables=["dim_outlet"], views=[])
    assert pinned.execute("SELECT count(*) FROM modeled.dim_outlet").fetchone()[0] == n


def test_a_failed_export_removes_its_version_and_keeps_the_link(db, tmp_path, monkeypatch):
    exports = tmp_path / "exports"
    export_all(db, exports, tables=["dim_outlet"], views=[])
    before = current_version(exports)

    def refuse(*a, **k):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr("etl.export.os.symlink", refuse)
    with pytest.raises(PermissionError):
        export_all(db, exports, tables=["dim_outlet"], views=[])
    assert current_version(exports) == before
    assert sorted(p.name for p in versions_root(exports).iterdir()) == [before.name]
