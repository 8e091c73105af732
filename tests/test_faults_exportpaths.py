"""Issue 17, faults 8 and 9: WAREHOUSE_DIR names that are SQL or glob syntax (a quote, [1], * and ?),
and exports that moved ahead of a failed publish. The scenarios are scripts/fault_groups/exportpaths.py
(one definition for scripts/fault_scenarios.py and the suite); every row must pass."""

from __future__ import annotations

import duckdb
import pytest

from etl.export import glob_escape, key_checksum, open_exports, parquet_source, sql_literal
from tests.support.scripts import fault_scenarios

fs = fault_scenarios()

ODD = ["wh 'quoted'", "wh[1]", "wh *?", 'd"q', "a]b", "x=1 {a,b} $HOME ~"]


@pytest.mark.e2e
def test_exportpaths_group(tmp_path):
    outcomes = fs.GROUPS["exportpaths"](tmp_path)
    failed = [o for o in outcomes if o.failed]
    assert outcomes and not failed, "\n" + fs.format_table(failed)


@pytest.mark.parametrize("name", ODD)
def test_parquet_paths_are_parameters_and_never_globs(tmp_path, name):
    """A decoy folder that the name matches as a glob (wh1 for wh[1]) must never be read."""
    conn = duckdb.connect()
    real, decoy = tmp_path / name, tmp_path / name.replace("[", "").replace("]", "").replace("*", "x").replace("?", "y")
    for folder, n in ((real, 3), (decoy, 5)) if decoy != real else ((real, 3),):
        folder.mkdir()
        conn.execute(f"COPY (SELECT range AS k FROM range({n})) TO ? (FORMAT parquet)",
                     [(folder / "t.parquet").as_posix()])
        assert (folder / "t.parquet").is_file()  # COPY … TO ? writes the path as given
    source, params = parquet_source(real / "t.parquet")
    assert key_checksum(conn, source, ["k"], params)[0] == 3
    assert conn.execute(f"SELECT count(*) FROM read_parquet([{sql_literal(glob_escape(real / 't.parquet'))}])"
                        ).fetchone()[0] == 3


def test_parquet_source_refuses_an_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        parquet_source(tmp_path)


def test_open_exports_under_an_odd_folder_name(built, tmp_path):
    """open_exports's views (which cannot bind parameters) read the right files under a quote and [1]."""
    import shutil

    wh = tmp_path / "wh 'q' [1]"
    decoy = tmp_path / "wh 'q' 1"
    shutil.copytree(built.exports_dir, wh / "exports", symlinks=True)  # its links are relative, inside it
    shutil.copytree(wh, decoy, symlinks=True)
    for p in (decoy / "exports").resolve().rglob("fact_articles.parquet"):
        p.unlink()  # a reader that strays into the decoy finds nothing there
    with duckdb.connect(str(built.db_path), read_only=True) as db:
        n = db.execute("SELECT count(*) FROM modeled.fact_articles").fetchone()[0]
    conn = open_exports(wh / "exports")
    assert conn.execute("SELECT count(*) FROM modeled.fact_articles").fetchone()[0] == n > 0


def test_hive_partitions_are_read_from_the_path_below_the_dataset(db, tmp_path):
    """A ``year=2020`` folder above the warehouse is not a partition: DuckDB's Hive parsing of the
    whole path would say every row is from 2020; the manifest takes year/month below the dataset."""
    from etl.export import export_all

    exports = tmp_path / "year=2020" / "wh[1] 'x'" / "exports"
    entry = export_all(db, exports, tables=["fact_articles"], views=[])["tables"][0]
    want = db.execute("SELECT CASE WHEN date_key > 0 THEN date_key // 10000 END AS y, count(*) "
                      "FROM modeled.fact_articles GROUP BY ALL").fetchall()
    got: dict = {}
    for p in entry["hive"]["partitions"]:
        got[p["year"]] = got.get(p["year"], 0) + p["rows"]
    assert got == dict(want) and 2020 not in got
