"""Issue 17, "Nothing lost, nothing left behind": file names that read the same, and NUL bytes.

Each scenario builds a temporary seeds folder with real files (names written
as raw bytes: Linux allows any byte but ``/`` and NUL in a name) and runs
warehouse_job end to end on a fresh warehouse:

- (a) the GBK bytes of ``中文.txt`` beside a UTF-8 ``中文.txt`` (and a real page);
- (b) a name holding the byte 0xFF (``b"bad\\xff.txt"``) beside a name holding
  the four characters backslash, x, f, f (``"bad\\\\xff.txt"``) (and a real page);
- (c) a good page with one NUL byte in its first 4 KB;
- (d) a good page with NUL bytes after its first 4 KB;
- (e) NUL-heavy input (UTF-16 without BOM, binary data) still decoded or
  rejected as before (decoder only, no run);
- (f) the issue's folder (five pages + both pairs, 9 files) with the old
  one-name-one-key mapping patched back in: ``every_file_accounted`` must
  fail, because it counts the files on disk without going through the keys.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

PAGE_B = "# 即墨古城灯会开幕\n\n本报讯 即墨古城第十届灯会今晚开幕，展出花灯120组，预计接待游客30万人次。\n"
PAGE_C = "# 西海岸新区开通夜间公交\n\n本报讯 西海岸新区新开通夜间公交线路5条，覆盖主要商圈和居民区。\n"


def _put(seeds: Path, name: bytes | str, data: bytes) -> Path:
    raw = name if isinstance(name, bytes) else name.encode("utf-8")
    target = os.path.join(os.fsencode(seeds), raw)
    with open(target, "wb") as fh:
        fh.write(data)
    return Path(os.fsdecode(target))


def _with_seeds(seeds: Path, fs, n: int = 5) -> list[str]:
    """Copy the first ``n`` real pages into ``seeds``; their names."""
    for p in fs.seed_pages()[:n]:
        shutil.copy(p, seeds / p.name)
    return [p.name for p in fs.seed_pages()[:n]]


def _check(result, name: str):
    """(passed, metadata) of the asset check ``name`` in a run's result, or (None, {}) when it did not run."""
    if result is None:
        return None, {}
    for ev in result.get_asset_check_evaluations():
        if ev.check_name == name:
            return ev.passed, {k: v.value for k, v in ev.metadata.items()}
    return None, {}


def _run_keep_going(seeds: Path, wh: Path):
    """fs.run_job, but a failed blocking check is returned in the result instead of raised (scenario f)."""
    import dagster as dg

    from assets.definitions import defs
    from assets.partitions import all_shards_tags

    run_config = {"resources": {"warehouse": {"config": {"seeds_dir": str(seeds), "warehouse_dir": str(wh)}}},
                  "loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with dg.instance_for_test() as instance:
        return defs.resolve_job_def("warehouse_job").execute_in_process(
            run_config=run_config, instance=instance, tags=all_shards_tags(), raise_on_error=False)


def _nul_columns(db: Path, fs) -> list[str]:
    """Every text column of every table in the warehouse that holds a NUL character: 'table.column (n)'."""
    cols = fs.db_rows(db, """SELECT table_schema, table_name, column_name FROM information_schema.columns
                             WHERE data_type = 'VARCHAR' AND table_schema NOT IN ('information_schema', 'pg_catalog')
                               AND table_catalog = current_database()""")
    out = []
    for schema, table, column in cols:
        n = fs.db_rows(db, f'SELECT count(*) FROM "{schema}"."{table}" WHERE strpos("{column}", chr(0)) > 0')[0][0]
        if n:
            out.append(f"{schema}.{table}.{column} ({n})")
    return out


def _name_pair(work: Path, fs, label: str, prefix: str, names: list[tuple[bytes, bytes]],
               plain: str, tagged_prefix: str) -> object:
    """A real page plus ``names`` (raw name, content); one run; every file must have its own row."""
    from etl.raw import sync_source_files
    from etl.warehouse import connect

    seeds, wh = work / f"{prefix}-seeds", work / f"{prefix}-wh"
    seeds.mkdir()
    seed_names = _with_seeds(seeds, fs, 1)
    for raw, data in names:
        _put(seeds, raw, data)
    on_disk = {hashlib.sha256(p.read_bytes()).hexdigest() for p in seeds.iterdir()}
    n_files = len(os.listdir(os.fsencode(seeds)))
    result, err = fs.try_run(seeds, wh)
    expected = f"{n_files} files → {n_files} rows, distinct keys; check passes"
    if err:
        return fs.Outcome(label, expected, f"run failed: {err}", False)
    db = wh / "warehouse.duckdb"
    rows = fs.db_rows(db, "SELECT path, file_id, status FROM raw.source_files ORDER BY path")
    keys = [r[0] for r in rows]
    ids = {r[1] for r in rows}
    mine = {r[0]: r for r in rows if r[0] not in seed_names}
    tagged = [k for k in mine if k != plain]
    articles = dict(fs.db_rows(db, "SELECT file_id, count(*) FROM cleaned.articles GROUP BY 1"))
    passed, meta = _check(result, "every_file_accounted")
    with connect(db) as conn:  # a rerun on the same folder: same keys, nothing rewritten
        stats = sync_source_files(conn, seeds)
    problems = []
    if len(rows) != n_files or len(set(keys)) != n_files:
        problems.append("rows or keys lost")
    if ids != on_disk:
        problems.append(f"{len(on_disk - ids)} file content(s) without a row")
    if plain not in mine or len(tagged) != 1 or not tagged[0].startswith(tagged_prefix):
        problems.append(f"keys {sorted(mine)}")
    if not all(seed in keys for seed in seed_names):
        problems.append("the real page's key changed")
    if any(articles.get(r[1], 0) == 0 for r in mine.values()):
        problems.append("a page of the pair has no article")
    if passed is not True:
        problems.append(f"every_file_accounted {passed}")
    if (stats.unchanged, stats.added, stats.replaced, stats.retired) != (n_files, 0, 0, 0):
        problems.append(f"rerun {stats}")
    observed = (f"{n_files} files → {len(rows)} rows, {len(set(keys))} keys: {', '.join(sorted(mine))}; "
                f"check {'passed' if passed else 'FAILED'}; rerun {stats.unchanged} unchanged")
    return fs.Outcome(label, expected, observed + ("; " + "; ".join(problems) if problems else ""), not problems)


def _nul_page(work: Path, fs, label: str, prefix: str, offsets: list[int]) -> object:
    """The first real page, clean and with NUL bytes at ``offsets`` (bytes, on character boundaries)."""
    seeds, wh = work / f"{prefix}-seeds", work / f"{prefix}-wh"
    seeds.mkdir()
    page = fs.seed_pages()[0].read_text(encoding="utf-8")
    data = page.encode("utf-8")
    cut = []
    for off in offsets:  # move each offset back to the start of a UTF-8 character
        while data[off] & 0xC0 == 0x80:
            off -= 1
        cut.append(off)
    dirty = bytearray(data)
    for off in sorted(cut, reverse=True):
        dirty[off:off] = b"\x00"
    _put(seeds, "clean.txt", data)
    _put(seeds, "nul.txt", bytes(dirty))
    where = "first 4 KB" if max(cut) < 4096 else "after 4 KB"
    expected = "ok + warning; articles = clean page's; no NUL stored"
    result, err = fs.try_run(seeds, wh)
    if err:
        return fs.Outcome(label, expected, f"run failed: {err}", False)
    db = wh / "warehouse.duckdb"
    rows = {r[0]: r[1:] for r in fs.db_rows(db, "SELECT path, file_id, status, error, text FROM raw.source_files")}
    _, status, error, text = rows["nul.txt"]
    art = {p: fs.db_rows(db, "SELECT title, body FROM cleaned.articles WHERE file_id = ? ORDER BY ordinal",
                         [rows[p][0]]) for p in ("clean.txt", "nul.txt")}
    nul_cols = _nul_columns(db, fs)
    problems = []
    if status != "ok":
        problems.append(f"status {status}: {error}")
    if f"{len(cut)} NUL byte(s) removed (first at byte {min(cut)})" not in (error or ""):
        problems.append(f"warning {error!r}")
    if text != page:
        problems.append("raw text differs from the clean page")
    if not art["nul.txt"] or art["nul.txt"] != art["clean.txt"]:
        problems.append(f"articles {len(art['nul.txt'])} vs clean {len(art['clean.txt'])} differ")
    if nul_cols:
        problems.append(f"NUL in {', '.join(nul_cols)}")
    observed = (f"NUL at {', '.join(map(str, cut))} ({where}): {status}, '{(error or '').split(' (')[0]}'; "
                f"{len(art['nul.txt'])} articles = clean's; {', '.join(nul_cols) or 0} NULs stored")
    return fs.Outcome(label, expected, observed + ("; " + "; ".join(problems) if problems else ""), not problems)


def _nul_heavy(fs) -> object:
    """Input with NULs in a large share of positions keeps its old treatment."""
    from etl.ingest import decode_bytes

    page = fs.SAMPLE_PAGE
    got = {
        "UTF-16BE": decode_bytes(page.encode("utf-16-be")),
        "UTF-16LE": decode_bytes(page.encode("utf-16-le")),
        "binary": decode_bytes(bytes(range(256)) * 8),
        "NUL/50 B": decode_bytes(b"".join(page.encode()[i:i + 50] + b"\x00"
                                                    for i in range(0, len(page.encode()), 50))),
        "BOM+U+0000": decode_bytes(b"\xff\xfe" + (page[:40] + "\x00" + page[40:]).encode("utf-16-le")),
    }
    want = {
        "UTF-16BE": (page, "utf-16-be", None),
        "UTF-16LE": (page, "utf-16-le", None),
        "binary": (None, None, "not text: contains NUL bytes"),
        "NUL/50 B": (None, None, "not text: contains NUL bytes"),
        "BOM+U+0000": (page, "utf-16-le", "1 NUL character(s) (U+0000) removed"),
    }
    bad = [k for k in want if got[k][:2] != want[k][:2] or not (got[k][2] or "").startswith(want[k][2] or "")
           or (want[k][2] is None and got[k][2] is not None)]
    observed = ", ".join(f"{k}: {'ok' if v[0] is not None else 'rejected'}" for k, v in got.items())
    return fs.Outcome("(e) NUL-dense input: UTF-16 without BOM, binary",
                      "UTF-16 decoded as before; NUL-dense rejected",
                      observed + (f"; wrong: {bad}" if bad else ""), not bad)


def _check_counts_files(work: Path, fs) -> object:
    """every_file_accounted must see a loss even when the key mapping itself collapses two files."""
    import etl.raw as raw
    from etl.ingest import relative_path

    seeds, wh = work / "f-seeds", work / "f-wh"
    seeds.mkdir()
    _with_seeds(seeds, fs)
    _put(seeds, "中文.txt", PAGE_B.encode())
    _put(seeds, "中文.txt".encode("gbk"), PAGE_C.encode())
    _put(seeds, b"bad\\xff.txt", PAGE_B.replace("即墨", "莱西").encode())
    _put(seeds, b"bad\xff.txt", PAGE_C.replace("西海岸", "崂山").encode())
    n_files = len(os.listdir(os.fsencode(seeds)))
    real = raw.file_keys
    raw.file_keys = lambda paths, seeds_dir: {relative_path(p, seeds_dir): p for p in paths}  # the old mapping
    try:
        result = _run_keep_going(seeds, wh)
    except Exception as exc:  # noqa: BLE001 - reported as the observation
        result, err = None, f"{type(exc).__name__}: {exc}"
    finally:
        raw.file_keys = real
    passed, meta = _check(result, "every_file_accounted")
    observed = (f"{meta.get('files_seen')} files on disk, {meta.get('distinct_keys')} keys, {meta.get('rows')} rows: "
                f"check {'FAILED' if passed is False else passed}, files_sharing_a_key "
                f"{meta.get('files_sharing_a_key')} ({meta.get('names_sharing_a_key')})" if meta
                else f"no check result: {fs._clip(err if result is None else 'check did not run', 80)}")
    return fs.Outcome("(f) every_file_accounted if names collapse to one key",
                      f"{n_files} files, 7 keys, 7 rows: check fails", observed,
                      passed is False and meta.get("rows") == 7 and meta.get("files_seen") == n_files)


def scenario(work: Path, fs) -> list:
    """File names that read the same get distinct keys; stray NUL bytes are removed wherever they are."""
    out = [
        _name_pair(work, fs, "(a) GBK-bytes name 中文.txt beside UTF-8 中文.txt", "a",
                   [("中文.txt".encode("utf-8"), PAGE_B.encode()), ("中文.txt".encode("gbk"), PAGE_C.encode())],
                   "中文.txt", "中文~"),
        _name_pair(work, fs, "(b) bad<0xFF>.txt beside a file named bad\\xff.txt", "b",
                   [(b"bad\\xff.txt", PAGE_B.encode()), (b"bad\xff.txt", PAGE_C.encode())],
                   "bad\\xff.txt", "bad\\xff~"),
        _nul_page(work, fs, "(c) good page with one NUL in its first 4 KB", "c", [100]),
        _nul_page(work, fs, "(d) good page with NULs after its first 4 KB", "d", [5000, 9000]),
        _nul_heavy(fs),
        _check_counts_files(work, fs),
    ]
    return out
