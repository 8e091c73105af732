"""Issue 17, faults 8 and 9: WAREHOUSE_DIR names that are SQL or glob syntax, and exports ahead of a failed publish.

- ``wh 'quoted'``: a quote in the folder name used to end the SQL string literal of every
  ``COPY … TO '…'`` and ``read_parquet('…')``, so the database was published and the exports never;
- ``wh[1]`` and ``wh *``: ``[1]``, ``*`` and ``?`` are glob syntax to ``read_parquet``, so the
  verification (and a reader's views) read the files of *another* folder (``wh1``) or none;
- ``wh ?``: DuckDB itself cannot keep a database below it, so the folder is refused up front with an
  error naming WAREHOUSE_DIR and the '?' (``etl.config.Settings``);
- the publish copy fails for lack of space after a first good run and a new page: the exports used
  to be swapped anyway (they did not wait for the publish), so BI tools saw a page the published
  database lacked.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path


def _check_warehouse(fs, wh: Path) -> str | None:
    """None when the exports below ``wh`` are linked, verified and readable (by pyarrow and by
    ``open_exports``), and hold exactly what the published database holds; else what is wrong."""
    import pyarrow.parquet as pq

    from etl.export import current_version, open_exports, python_key_checksum

    exports, db = wh / "exports", wh / "warehouse.duckdb"
    if current_version(exports) is None:
        return "no exports link"
    bad = fs.exports_consistent(exports)
    if bad:
        return bad
    man = json.loads((exports / "_manifest.json").read_text(encoding="utf-8"))
    problems = []
    for e in man["tables"] + man["marts"]:
        keys = pq.read_table(exports / e["file"], columns=e["key_columns"]).to_pylist()
        if python_key_checksum(tuple(r[k] for k in e["key_columns"]) for r in keys) != e["key_checksum"]:
            problems.append(f"{e['file']}: key checksum differs from the manifest")
        if "hive" in e:
            n = sum(pq.read_metadata(p).num_rows for p in (exports / e["hive"]["path"]).rglob("*.parquet"))
            if n != e["rows"]:
                problems.append(f"{e['hive']['path']}: {n} rows, manifest says {e['rows']}")
    db_ids = {r[0] for r in fs.db_rows(db, "SELECT article_id FROM modeled.fact_articles")}
    conn = open_exports(exports)
    try:
        exp_rows = [r[0] for r in conn.execute("SELECT article_id FROM modeled.fact_articles").fetchall()]
        wide = conn.execute("SELECT count(*) FROM marts.articles_wide").fetchone()[0]
    finally:
        conn.close()
    exp_ids = set(exp_rows)
    if len(exp_rows) != len(db_ids) or exp_ids != db_ids:
        problems.append(f"open_exports reads {len(exp_rows)} article rows, the published database has "
                        f"{len(db_ids)} ({len(exp_ids - db_ids)} not in it)")
    if wide != len(db_ids):
        problems.append(f"marts.articles_wide has {wide} rows, expected {len(db_ids)}")
    return "; ".join(problems) or None


def _odd_name(fs, work: Path, tag: str, name: str, pages: list[Path], decoy: str | None = None) -> list:
    """Build a warehouse in ``work/name`` (two runs, the second adds a page) and check its exports.

    ``decoy``: a sibling folder that the name matches as a glob (``wh1`` for ``wh[1]``), holding a
    copy of the first build with other data in it, so a reader that globs reads the wrong files.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    label = f"WAREHOUSE_DIR named {name!r}"
    seeds, wh = work / f"{tag}-seeds", work / name
    seeds.mkdir()
    shutil.copy(pages[0], seeds / "a.txt")
    _, err = fs.try_run(seeds, wh)
    problem = err or _check_warehouse(fs, wh)
    if problem is None and decoy:
        # the decoy: the same layout and version name, but its flat fact_articles holds every row
        # twice and its Hive dataset a partition more, so a glob that strays into it changes what is read
        d = work / decoy
        shutil.copytree(wh, d, symlinks=True)
        from etl.export import current_version

        version = current_version(d / "exports")
        flat = version / "fact_articles.parquet"
        pq.write_table(pa.concat_tables([pq.read_table(flat)] * 2), flat)
        hive = version / "hive" / "fact_articles"
        extra = hive / "year=1999" / "month=1"
        extra.mkdir(parents=True)
        shutil.copy(next(hive.rglob("*.parquet")), extra / "part-0.parquet")
        problem = _check_warehouse(fs, wh)
    if problem is None:
        shutil.copy(pages[1], seeds / "b.txt")  # a second run: a new version next to the first
        _, err = fs.try_run(seeds, wh)
        problem = err or _check_warehouse(fs, wh)
    if problem is None:
        n = fs.db_rows(wh / "warehouse.duckdb", "SELECT count(*) FROM modeled.fact_articles")[0][0]
        observed = (f"2 runs succeeded; exports verified, readable by pyarrow and open_exports, = published db "
                    f"({n} articles)" + (f"; decoy {decoy!r} not read" if decoy else ""))
    else:
        observed = fs._clip(problem, 200)
    return [fs.Outcome(f"{label}: run and exports", "run succeeds; exports verified, readable, = published db",
                       observed, problem is None)]


def _run_like_the_cli(fs, seeds: Path, wh: Path):
    """warehouse_job as ``assets.cli`` and the Dagster daemon run it: a failed step does not stop
    the steps that do not depend on it (``raise_on_error=False``). (result, error text or None)."""
    import dagster as dg

    from assets.definitions import defs
    from assets.partitions import all_shards_tags

    run_config = {
        "resources": {"warehouse": {"config": {"seeds_dir": str(seeds), "warehouse_dir": str(wh)}}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("warehouse_job").execute_in_process(
            run_config=run_config, instance=instance, tags=all_shards_tags(), raise_on_error=False)
    if result.success:
        return result, None
    fails = []
    for ev in result.all_events:
        if ev.event_type_value != "STEP_FAILURE" or ev.event_specific_data is None:
            continue
        msgs, e = [], ev.event_specific_data.error
        while e is not None and len(msgs) < 4:  # the step's own exception is the wrapper's cause
            msgs.append(e.message.strip().splitlines()[0] if e.message.strip() else e.cls_name)
            e = e.cause or e.context
        fails.append(f"{ev.step_key}: " + " <- ".join(reversed(msgs)))
    return result, "; ".join(fails) or "run failed"


@contextlib.contextmanager
def _disk_full_while_publishing(fs, staging: Path, limit_bytes: int):
    """The publish copy of ``staging`` fails for real (RLIMIT_FSIZE: EFBIG "File too large") past
    ``limit_bytes``; yields a list that records each copy the limit was applied to.

    The seam is ``shutil.copyfile`` with the staging database as its source (how etl/publish.py
    copies); only that copy runs under the limit, so DuckDB, the exports and Dagster's storage are
    written normally.
    """
    orig = shutil.copyfile
    hits: list[str] = []

    def copyfile(src, dst, *a, **k):
        if Path(src).resolve() != staging.resolve():
            return orig(src, dst, *a, **k)
        hits.append(str(dst))
        with fs.file_size_limit(limit_bytes):
            return orig(src, dst, *a, **k)

    shutil.copyfile = copyfile
    try:
        yield hits
    finally:
        shutil.copyfile = orig


def _publish_full(fs, work: Path) -> list:
    from etl.export import current_version

    setup = fs.one_page_warehouse(work, "pubfull", "publish copy fails for lack of space")
    if isinstance(setup, fs.Outcome):
        return [setup]
    seeds, wh, settings, pages = setup
    exports, db = settings.exports_dir, settings.db_path
    shutil.copy(pages[1], seeds / "b.txt")  # a new page: the next run has new data to publish and export
    p0, e0, v0 = fs.snapshot(db, True), fs.file_digests(exports), current_version(exports)
    out = []
    limit = max(settings.staging_db_path.stat().st_size // 4, 64 << 10)
    with _disk_full_while_publishing(fs, settings.staging_db_path, limit) as hits:
        result, err = _run_like_the_cli(fs, seeds, wh)
    failed = result is None or not result.success
    clear = err is not None and any(w in err for w in ("File too large", "No space left"))
    db_kept = fs.snapshot(db, True) == p0
    link_kept = current_version(exports) == v0
    exp_kept = fs.file_digests(exports) == e0
    db_ids = {r[0] for r in fs.db_rows(db, "SELECT article_id FROM modeled.fact_articles")}
    import pyarrow.parquet as pq

    exp_ids = set(pq.read_table(exports / "fact_articles.parquet", columns=["article_id"]).column(0).to_pylist())
    ahead = exp_ids - db_ids
    if not hits:
        observed, ok = "fault not injected: the publish did not copy the staging database with shutil.copyfile", False
    else:
        why = next((w for w in ("File too large", "No space left") if w in (err or "")), fs._clip(err or "", 60))
        observed = (f"run {'failed (' + why + ')' if failed else 'SUCCEEDED'}; published db "
                    f"{'old' if db_kept else 'CHANGED'}; exports link {'old version' if link_kept else 'SWAPPED'}, "
                    f"files {'byte-identical' if exp_kept else 'CHANGED'}; "
                    + (f"{len(ahead)} exported article(s) the published db lacks" if ahead
                       else f"exports = published db ({len(exp_ids)} articles)"))
        ok = failed and clear and db_kept and link_kept and exp_kept and not ahead and exp_ids == db_ids
    out.append(fs.Outcome("publish copy fails for lack of space: nothing moves ahead",
                          "run fails (File too large); published db and exports link both old", observed, ok))
    _, err = fs.try_run(seeds, wh)
    problem = err or _check_warehouse(fs, wh)
    n = len({r[0] for r in fs.db_rows(db, "SELECT article_id FROM modeled.fact_articles")})
    link_moved = current_version(exports) != v0
    if problem is None and not (link_moved and n > len(db_ids)):
        problem = (f"published db has {n} articles (was {len(db_ids)}); exports link "
                   f"{'moved' if link_moved else 'NOT moved'}")
    out.append(fs.Outcome("publish copy fails for lack of space: next run with space",
                          "run succeeds; db and exports both new and equal",
                          f"db {len(db_ids)} → {n} articles; exports new version, = published db" if problem is None
                          else fs._clip(problem, 200), problem is None))
    return out


QUESTION_MARK = "WAREHOUSE_DIR named 'wh ?': run and exports"
QUESTION_MARK_BUG = (
    "DuckDB (1.5.5) reads '?' in a database path as the start of URL parameters: the staging database's WAL "
    "becomes '…/wh .wal?/staging/warehouse.duckdb' and every commit fails ('Cannot open file'), or, if that "
    "folder exists, writes there. Not an export fault: etl/config.py or etl/warehouse.connect should refuse "
    "such a WAREHOUSE_DIR up front with an error naming WAREHOUSE_DIR and the '?'")


def _question_mark(fs, work: Path, pages: list[Path]) -> list:
    """``?`` works in the exports (tests/test_faults_exportpaths.py) but not in DuckDB's database path:
    the run must succeed, or refuse the folder clearly before writing anything."""
    seeds, wh = work / "question-seeds", work / "wh ?"
    seeds.mkdir()
    shutil.copy(pages[0], seeds / "a.txt")
    _, err = fs.try_run(seeds, wh)
    if err is None:
        problem = _check_warehouse(fs, wh)
        ok, observed = problem is None, problem or "run succeeded; exports verified, readable, = published db"
    else:
        ok = "WAREHOUSE_DIR" in err and "?" in err and "Cannot open file" not in err
        observed = f"run failed: {fs._clip(err, 150)}"
    if not ok:
        fs.KNOWN_BUGS.setdefault(QUESTION_MARK, QUESTION_MARK_BUG)
    return [fs.Outcome(QUESTION_MARK, "run succeeds with verified exports, or refuses the folder clearly",
                       observed, ok)]


def scenario(work: Path, fs) -> list:
    """WAREHOUSE_DIR named with a quote, [1], * or ?; the publish copy failing for lack of space."""
    pages = fs.seed_pages()
    out = []
    out += _odd_name(fs, work, "quote", "wh 'quoted'", pages)
    out += _odd_name(fs, work, "brackets", "wh[1]", pages, decoy="wh1")
    out += _odd_name(fs, work, "star", "wh *", pages, decoy="wh x")
    out += _question_mark(fs, work, pages)
    out += _publish_full(fs, work)
    return out
