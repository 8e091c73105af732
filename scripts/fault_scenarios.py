#!/usr/bin/env python
"""Bad input, faults and recovery, end to end on temporary warehouses.

    .venv/bin/python scripts/fault_scenarios.py              # every scenario; table; exit 1 if one FAILs
    .venv/bin/python scripts/fault_scenarios.py inputs lock  # only these groups
    .venv/bin/python scripts/fault_scenarios.py --list       # groups and what they cover
    .venv/bin/python scripts/fault_scenarios.py --verbose    # also show the runs' own logs (stderr)

Prints one row per scenario: scenario | expected | observed | result, where
result is PASS, FAIL, XFAIL (fails because of a known bug in a file this
script does not own; the bug is named) or XPASS (a known bug is fixed: drop its
marker in KNOWN_BUGS). The exit status is 1 when any row is FAIL.

Groups (what each one does is in its function's docstring):

- ``inputs``  every bad input of the issue in one seeds folder next to the five
  real pages, one run of warehouse_job, then a rerun with the faults fixed;
- ``edges``   inputs checked at the component they used to break (dangling
  symlink, a file name that is not UTF-8), without a full run;
- ``lock``    the staging database held read-write by another process;
- ``exports`` disk full and permission errors while exporting Parquet;
- ``sigkill`` the run process SIGKILLed at several points, then a rerun,
  compared with a clean run;
- ``pools``   what a SIGKILLed run leaves in Dagster's pool slots;
- further groups, one file each in ``scripts/fault_groups/`` (``--list`` shows them).

The test suite runs the same scenarios (tests/test_bad_input.py,
tests/test_faults.py import this module), so they are defined once, here.
What is simulated rather than real (also in docs/guarantees.md): the tests run as root, for whom
``chmod 000`` does not block reads, so "no permission" is a real ``chmod 000``
plus, when running as root, an injected ``PermissionError`` at the read seam
(``etl.ingest._read_bytes``); the export permission error is a real
``chattr +i`` (immutable folder; root cannot write it either) when available;
"disk full" is a real write failure from DuckDB (``RLIMIT_FSIZE``: EFBIG,
"File too large"), since a full filesystem cannot be made without mounting one;
a file "changing while read" is appended to from the same read seam.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

SEEDS = PROJECT / "seeds"
PYTHON = sys.executable

# Known bugs in files this work does not own: scenario name → where and why.
# A scenario listed here that fails is XFAIL; one that passes is XPASS.
KNOWN_BUGS: dict[str, str] = {}


# ====================================================================== results

@dataclass
class Outcome:
    scenario: str
    expected: str
    observed: str
    ok: bool

    @property
    def result(self) -> str:
        if self.scenario in KNOWN_BUGS:
            return "XPASS" if self.ok else "XFAIL"
        return "PASS" if self.ok else "FAIL"

    @property
    def failed(self) -> bool:
        return self.result == "FAIL"


def _clip(s: str, n: int) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def format_table(outcomes: list[Outcome]) -> str:
    widths = (58, 56, 96)
    rows = [("scenario", "expected", "observed", "result")]
    rows += [(_clip(o.scenario, widths[0]), _clip(o.expected, widths[1]), _clip(o.observed, widths[2]), o.result)
             for o in outcomes]
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    line = lambda r: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |"  # noqa: E731
    out = [line(rows[0]), "|" + "|".join("-" * (x + 2) for x in w) + "|"] + [line(r) for r in rows[1:]]
    notes = [f"  XFAIL {o.scenario}: {KNOWN_BUGS[o.scenario]}" for o in outcomes if o.result == "XFAIL"]
    notes += [f"  XPASS {o.scenario}: the known bug seems fixed; remove it from KNOWN_BUGS" for o in outcomes
              if o.result == "XPASS"]
    return "\n".join(out + ([""] + notes if notes else []))


# ====================================================================== helpers

@contextlib.contextmanager
def env(**values: str | None) -> Iterator[None]:
    """Set (or, with None, unset) environment variables for the duration of the block."""
    old = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_job(seeds: Path, wh: Path):
    from tests.conftest import run_job as _run_job

    return _run_job(seeds, wh)


def try_run(seeds: Path, wh: Path) -> tuple[object | None, str | None]:
    """(result, None) when the run succeeded, (result-or-None, error text) when it failed or raised."""
    try:
        result = run_job(seeds, wh)
    except Exception as exc:  # raise_on_error: the step's exception surfaces here
        msgs, e = [], exc
        while e is not None and len(msgs) < 6:
            msgs.append(f"{type(e).__name__}: {e}")
            e = e.__cause__ or e.__context__
        return None, " <- ".join(msgs)
    if not result.success:
        fails = [ev.event_specific_data.error.message for ev in result.all_events
                 if ev.event_type_value == "STEP_FAILURE" and ev.event_specific_data is not None]
        return result, "; ".join(fails) or "run failed"
    return result, None


def snapshot(db: Path, with_ingest_times: bool = False) -> dict:
    from tests.test_pipeline import snapshot as _snapshot

    return _snapshot(db, with_ingest_times)


def seed_pages() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def file_digests(folder: Path, hidden: bool = False) -> dict[str, str]:
    """relative path → sha256 of every file below ``folder``.

    Hidden entries (temporary names such as ``.staging-<pid>/`` or
    ``.warehouse.duckdb.tmp-<pid>``, which readers never open) are left out
    unless ``hidden``.
    """
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and (hidden or not _hidden(p.relative_to(folder)))}


def temp_leftovers(wh: Path) -> list[str]:
    """What killed runs left below WAREHOUSE_DIR: hidden temporary files/folders, export versions
    that were never linked, and more export versions than are kept."""
    from etl.export import KEEP_VERSIONS, current_version, versions_root

    left = [p.relative_to(wh).as_posix() for p in wh.rglob(".*")
            if ".tmp-" in p.name or p.name.startswith(".staging-")]
    root, current = versions_root(wh / "exports"), current_version(wh / "exports")
    versions = sorted(p for p in root.glob("v*") if p.is_dir()) if root.is_dir() else []
    left += [f"{p.relative_to(wh).as_posix()} (never linked)" for p in versions if current and p.name > current.name]
    if len(versions) > KEEP_VERSIONS:
        left.append(f"{len(versions)} export versions kept (limit {KEEP_VERSIONS})")
    return sorted(left)


def export_root(exports: Path) -> Path:
    """The version folder a reader of ``exports`` gets now (every file of it, marts/ and hive/ included)."""
    from etl.export import current_version

    return current_version(exports) or exports


def export_content(exports: Path) -> dict:
    """What a reader of the exports sees, independent of build time: manifest entries and Parquet contents."""
    import pyarrow.parquet as pq

    exports = export_root(exports)

    man = json.loads((exports / "_manifest.json").read_text(encoding="utf-8"))
    entries = sorted((e["schema"] if "schema" in e else "modeled", e["table"], e["rows"], e.get("key_checksum"))
                     for section in ("tables", "marts") for e in man.get(section, []))
    content = {}
    for p in sorted(exports.rglob("*.parquet")):
        rel = p.relative_to(exports).as_posix()
        if _hidden(p.relative_to(exports)):
            continue
        content[rel] = hashlib.sha256(repr(pq.read_table(p).to_pydict()).encode()).hexdigest()
    return {"manifest": entries, "files": content}


def exports_consistent(exports: Path) -> str | None:
    """None when every export listed in the manifest has the manifest's row count, else what differs."""
    import pyarrow.parquet as pq

    man = json.loads((exports / "_manifest.json").read_text(encoding="utf-8"))
    bad = []
    for section in ("tables", "marts"):
        for e in man.get(section, []):
            rows = pq.read_metadata(exports / e["file"]).num_rows
            if rows != e["rows"]:
                bad.append(f"{e['file']} has {rows} rows, manifest says {e['rows']}")
    return "; ".join(bad) or None


def db_rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


# ====================================================================== inputs

SAMPLE_PAGE = """# 胶州湾畔新建口袋公园

□记者 王晓 报道

本报11月29日讯 今年以来，胶州市新建口袋公园12处，新增绿地面积3.5万平方米，惠及周边居民约2万人。

据介绍，全市已累计建成口袋公园86处，占全年计划的95%。
"""
FULLWIDTH_PAGE = """# 市北区老旧小区改造完工

本报讯（记者 李明）２０２４年１１月２９日，市北区宣布全区２１５个老旧小区改造全部完工，总投资７０００余万元。
"""
PLAIN_PAGE = """今年以来，城阳区持续推进垃圾分类工作，居民参与率明显提升。

全区共设置分类投放点1200余个，配备督导员300名。
"""
NESTED_PAGE = """# 崂山区开通三条旅游专线

本报讯 崂山区新开通旅游专线3条，日均运送游客4000余人次。
"""
GROWING_HEAD = "# 李沧区新增停车泊位\n\n本报讯 李沧区今年新增公共停车泊位"
GROWING_TAIL = "2600个，缓解了老城区停车难问题。\n"
BIG5_PAGE = "# 青島新聞\n\n本報訊 青島市西海岸新區今天舉行新質生產力中心啟動儀式，全區共有215個小區完成黨組織組建。\n"
BIG_FILE_MB = 50


@dataclass
class InputCase:
    """One bad input: the file(s) it puts in seeds/ and what raw.source_files must say about it."""
    scenario: str
    path: str
    status: str                      # 'ok' | 'rejected'
    error: str | None = None         # substring of `error` (rejection reason, or warning for ok)
    encoding: str | None = None      # expected detected encoding
    text: str | None = None          # expected decoded text (exactly)
    extra: Callable[["InputRun", tuple], tuple[str | None, str]] | None = None  # → (problem or None, note)
    expected: str = ""               # human wording for the table (derived when empty)

    def expectation(self) -> str:
        if self.expected:
            return self.expected
        if self.status == "ok":
            return f"ok{' as ' + self.encoding if self.encoding else ''}{', warns ' + repr(self.error) if self.error else ''}"
        return f"rejected: {self.error}"


@dataclass
class InputRun:
    seeds: Path
    wh: Path
    rows: dict[str, tuple] = field(default_factory=dict)  # path → (file_id, status, encoding, error, text)
    reference: dict = field(default_factory=dict)        # from a clean run of the five real pages

    @property
    def db(self) -> Path:
        return self.wh / "warehouse.duckdb"


def _docx_bytes() -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", "<w:document><w:body><w:p><w:r><w:t>青岛</w:t></w:r></w:p></w:body></w:document>")
    return buf.getvalue()


def _articles_of(run: InputRun, file_id: str) -> list[tuple]:
    return db_rows(run.db, "SELECT title, body FROM cleaned.articles WHERE file_id = ? ORDER BY ordinal", [file_id])


def _same_articles_as_lf(lf_path: str):
    def check(run: InputRun, row: tuple) -> tuple[str | None, str]:
        mine, lf = _articles_of(run, row[0]), _articles_of(run, run.rows[lf_path][0])
        if not mine:
            return "no articles parsed", ""
        if mine != lf:
            return f"articles differ from the LF version ({len(mine)} vs {len(lf)})", ""
        return None, f"{len(mine)} article(s), titles and bodies = the LF page's"
    return check


def _check_fullwidth(run: InputRun, row: tuple) -> tuple[str | None, str]:
    got = db_rows(run.db, """SELECT m.surface, m.value, m.unit FROM modeled.fact_metrics m
                             JOIN modeled.fact_articles f USING (article_id) WHERE f.file_id = ?
                             ORDER BY m.start_offset""", [row[0]])
    want = [("215个", 215.0, "个"), ("7000余万元", 70_000_000.0, "元")]
    if got != want:
        return f"metrics {got}, expected {want}", ""
    return None, "metrics 215个 → 215, 7000余万元 → 70000000 元"


def _check_plain(run: InputRun, row: tuple) -> tuple[str | None, str]:
    arts = db_rows(run.db, "SELECT title, title_source, char_count FROM cleaned.articles WHERE file_id = ?", [row[0]])
    if len(arts) != 1 or not arts[0][0] or arts[0][2] <= 0:
        return f"articles {arts}", ""
    if arts[0][1] != "derived":
        return f"title_source {arts[0][1]}", ""
    return None, f"1 article, derived title {arts[0][0]!r}"


def _check_duplicate(run: InputRun, row: tuple) -> tuple[str | None, str]:
    original = run.rows[seed_pages()[1].name]
    if row[0] != original[0]:
        return "different file_id", ""
    n = db_rows(run.db, "SELECT count(*) FROM modeled.fact_articles WHERE file_id = ?", [row[0]])[0][0]
    want = run.reference.get("articles_per_file", {}).get(row[0])
    if n != want:
        return f"{n} fact_articles for the shared file_id, a clean run has {want}", ""
    return None, f"same file_id as {seed_pages()[1].name}; {n} articles, as in a clean run"


def _check_has_articles(run: InputRun, row: tuple) -> tuple[str | None, str]:
    n = db_rows(run.db, "SELECT count(*) FROM modeled.fact_articles WHERE file_id = ?", [row[0]])[0][0]
    return (None, f"{n} articles") if n > 0 else ("no articles reached fact_articles", "")


def input_cases() -> list[InputCase]:
    s = [p.read_text(encoding="utf-8") for p in seed_pages()]
    return [
        InputCase("empty file", "empty.txt", "rejected", "empty file (0 bytes)"),
        InputCase("whitespace only", "blank.txt", "rejected", "no text: file holds only whitespace"),
        InputCase("binary bytes in a .txt (a PNG renamed)", "photo.txt", "rejected", "not text: looks like PNG image data"),
        InputCase("GB18030 page", "enc/gb18030.txt", "ok", None, "gb18030", s[0], _check_has_articles),
        InputCase("GBK page (also valid GB18030)", "enc/gbk.txt", "ok", None, "gb18030", SAMPLE_PAGE.replace("胶州湾", "黄岛")),
        InputCase("Big5 page (traditional Chinese)", "enc/big5.txt", "ok", None, "big5", BIG5_PAGE),
        InputCase("UTF-8 with BOM", "enc/utf8-bom.txt", "ok", None, "utf-8-sig", s[2], _check_has_articles),
        InputCase("UTF-16 with BOM", "enc/utf16-bom.txt", "ok", None, "utf-16-le", s[3], _check_has_articles),
        InputCase("UTF-16 without BOM", "enc/utf16-nobom.txt", "ok", None, "utf-16-be", SAMPLE_PAGE.replace("12处", "13处")),
        InputCase("CRLF line endings", "eol/crlf.txt", "ok", None, "utf-8", SAMPLE_PAGE.replace("\n", "\r\n"),
                  _same_articles_as_lf("eol/lf.txt"), "ok; same articles as the LF page"),
        InputCase("lone CR line endings", "eol/cr.txt", "ok", None, "utf-8", SAMPLE_PAGE.replace("\n", "\r"),
                  _same_articles_as_lf("eol/lf.txt"), "ok; same articles as the LF page"),
        InputCase("LF reference page for the two above", "eol/lf.txt", "ok", None, "utf-8", SAMPLE_PAGE),
        InputCase("file cut in the middle of a UTF-8 sequence", "cut.txt", "ok",
                  "file ends in the middle of a UTF-8 character; 2 trailing byte(s) dropped", "utf-8",
                  SAMPLE_PAGE[:-2]),
        InputCase("stray invalid byte inside UTF-8", "stray.txt", "ok",
                  "1 byte(s) that are not valid UTF-8 replaced by U+FFFD", "utf-8", s[4][:1000] + "\ufffd" + s[4][1000:],
                  _check_has_articles),
        InputCase("full-width digits (２０２４年)", "fullwidth.txt", "ok", None, "utf-8", FULLWIDTH_PAGE, _check_fullwidth,
                  "ok; 215个 and 7000余万元 extracted"),
        InputCase(f"a {BIG_FILE_MB} MB page", "huge.txt", "rejected",
                  f"too large: {BIG_FILE_MB}.0 MB is over the page limit of 20.0 MB (MAX_PAGE_MB)",
                  expected="rejected unread over MAX_PAGE_MB=20 (configurable)"),
        InputCase("no headline, no byline, no dateline", "plain.txt", "ok", None, "utf-8", PLAIN_PAGE, _check_plain,
                  "ok; one article with a derived title"),
        InputCase("same bytes under two names", "copy/dup-of-001.txt", "ok", None, "utf-8", s[1], _check_duplicate,
                  "ok; same file_id, facts not doubled"),
        InputCase("non-text file: .pdf", "report.pdf", "rejected", "not text: looks like PDF document"),
        InputCase("non-text file: .docx", "notes.docx", "rejected", "not text: looks like ZIP archive (e.g. .docx/.xlsx)"),
        InputCase("nested folders", "2024/11/29/晚报/page.txt", "ok", None, "utf-8", NESTED_PAGE, _check_has_articles),
        InputCase("file that changes once while read", "growing.txt", "ok", None, "utf-8", GROWING_HEAD + GROWING_TAIL,
                  expected="ok; re-read, final content kept"),
        InputCase("file that keeps changing while read", "live.txt", "rejected", "file changed while it was being read"),
        InputCase("file that cannot be read (no permission)", "locked.txt", "rejected", "permission denied"),
        InputCase("named pipe (FIFO) called .txt", "pipe.txt", "rejected", "not a regular file: a named pipe (FIFO)"),
        InputCase("folder that cannot be listed", "private", "rejected", "cannot list folder"),
    ]


def build_inputs(seeds: Path) -> None:
    """Write every bad input (and the five real pages) into ``seeds``."""
    for p in seed_pages():
        shutil.copy(p, seeds / p.name)
    s = [p.read_text(encoding="utf-8") for p in seed_pages()]

    def put(rel: str, data: bytes) -> Path:
        p = seeds / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return p

    put("empty.txt", b"")
    put("blank.txt", " \n\t\r\n\u3000\n".encode())
    put("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    put("enc/gb18030.txt", s[0].encode("gb18030"))
    put("enc/gbk.txt", SAMPLE_PAGE.replace("胶州湾", "黄岛").encode("gbk"))
    put("enc/big5.txt", BIG5_PAGE.encode("big5"))
    put("enc/utf8-bom.txt", b"\xef\xbb\xbf" + s[2].encode("utf-8"))
    put("enc/utf16-bom.txt", b"\xff\xfe" + s[3].encode("utf-16-le"))
    put("enc/utf16-nobom.txt", SAMPLE_PAGE.replace("12处", "13处").encode("utf-16-be"))
    put("eol/lf.txt", SAMPLE_PAGE.encode())
    put("eol/crlf.txt", SAMPLE_PAGE.replace("\n", "\r\n").encode())
    put("eol/cr.txt", SAMPLE_PAGE.replace("\n", "\r").encode())
    put("cut.txt", SAMPLE_PAGE.encode("utf-8")[:-2])         # drops '\n' and the last byte of the final 。
    put("stray.txt", s[4][:1000].encode() + b"\xff" + s[4][1000:].encode())
    put("fullwidth.txt", FULLWIDTH_PAGE.encode())
    with (seeds / "huge.txt").open("wb") as fh:                # a real 50 MB page of text
        chunk = (s[0] * 20).encode()
        left = BIG_FILE_MB << 20
        while left > 0:
            fh.write(chunk[:left])
            left -= len(chunk[:left])
    put("plain.txt", PLAIN_PAGE.encode())
    put("copy/dup-of-001.txt", seed_pages()[1].read_bytes())
    put("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
    put("notes.docx", _docx_bytes())
    put("2024/11/29/晚报/page.txt", NESTED_PAGE.encode())
    put("growing.txt", GROWING_HEAD.encode())
    put("live.txt", SAMPLE_PAGE.replace("王晓", "赵敏").encode())
    locked = put("locked.txt", SAMPLE_PAGE.replace("王晓", "孙丽").encode())
    locked.chmod(0)                                            # real for non-root; root is simulated below
    os.mkfifo(seeds / "pipe.txt")
    (seeds / "private").mkdir()
    put("private/secret.txt", SAMPLE_PAGE.replace("王晓", "周强").encode())
    (seeds / "private").chmod(0)


@contextlib.contextmanager
def simulated_read_faults(seeds: Path) -> Iterator[None]:
    """The faults no file can be made to have deterministically, injected at ``etl.ingest._read_bytes``.

    - ``growing.txt`` gets its second half appended during the first read
      (a scraper still writing it): the reader must notice and re-read;
    - ``live.txt`` gets a line appended during every read: never stable;
    - ``locked.txt`` and ``private/``: ``chmod 000`` is real, but root reads
      anyway, so for root the read raises PermissionError / listing fails.
    """
    import etl.ingest as ingest

    orig_read, orig_scandir = ingest._read_bytes, os.scandir
    grown = {"done": False}
    root = os.geteuid() == 0
    private = os.path.realpath(seeds / "private")

    def read(path: Path) -> bytes:
        if path.name == "locked.txt" and root:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        data = orig_read(path)
        if path.name == "growing.txt" and not grown["done"]:
            grown["done"] = True
            with path.open("ab") as fh:
                fh.write(GROWING_TAIL.encode())
        elif path.name == "live.txt":
            with path.open("ab") as fh:
                fh.write("又一条快讯。\n".encode())
        return data

    def scandir(p=".", *a, **k):
        if root and isinstance(p, (str, os.PathLike)) and os.path.realpath(p) == private:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(p))
        return orig_scandir(p, *a, **k)

    ingest._read_bytes = read
    os.scandir = scandir
    try:
        yield
    finally:
        ingest._read_bytes = orig_read
        os.scandir = orig_scandir


def reference_from(db: Path) -> dict:
    """What a clean run of the five real pages gave: articles per file_id and every article_id."""
    per_file = dict(db_rows(db, "SELECT file_id, count(*) FROM modeled.fact_articles GROUP BY 1"))
    ids = {r[0] for r in db_rows(db, "SELECT article_id FROM modeled.fact_articles")}
    return {"articles_per_file": per_file, "article_ids": ids}


def _reference(work: Path) -> dict:
    seeds, wh = work / "ref-seeds", work / "ref-wh"
    seeds.mkdir()
    for p in seed_pages():
        shutil.copy(p, seeds / p.name)
    _, err = try_run(seeds, wh)
    if err:
        raise RuntimeError(f"the clean reference run failed: {err}")
    return reference_from(wh / "warehouse.duckdb")


def scenario_inputs(work: Path, reference_db: Path | None = None) -> list[Outcome]:
    """Every bad input in one folder with the five real pages; one run; checks per file; rerun after fixing.

    ``reference_db``: a warehouse built by a clean run of the five real pages
    (the test suite passes its session fixture's); built here when None.
    """
    from etl.ingest import discover

    reference = reference_from(reference_db) if reference_db is not None else _reference(work)
    seeds, wh = work / "inputs-seeds", work / "inputs-wh"
    seeds.mkdir()
    cases = input_cases()
    out: list[Outcome] = []
    try:
        build_inputs(seeds)
        with env(MAX_PAGE_MB="20"), simulated_read_faults(seeds):
            started = time.perf_counter()
            result, err = try_run(seeds, wh)
            seconds = time.perf_counter() - started
            on_disk = [p.relative_to(seeds).as_posix() for p in discover(seeds)]
        out.append(Outcome("run with every bad input succeeds", "run succeeds",
                           f"succeeded in {seconds:.0f}s" if err is None else f"failed: {err}", err is None))
        if err is not None:
            return out
        run = InputRun(seeds, wh, reference=reference)
        run.rows = {r[0]: r[1:] for r in db_rows(
            run.db, "SELECT path, file_id, status, encoding, error, text FROM raw.source_files")}
        for c in cases:
            row = run.rows.get(c.path)
            problems = []
            if row is None:
                problems.append("no row in raw.source_files")
            else:
                _, status, encoding, error, text = row
                if status != c.status:
                    problems.append(f"status {status}")
                if c.error is None and error:
                    problems.append(f"unexpected error {error!r}")
                if c.error is not None and c.error not in (error or ""):
                    problems.append(f"error {error!r}")
                if c.encoding is not None and encoding != c.encoding:
                    problems.append(f"encoding {encoding}")
                if c.text is not None and text != c.text:
                    problems.append("decoded text differs from the original")
                note = ""
                if c.extra is not None and not problems:
                    p, note = c.extra(run, row)
                    if p:
                        problems.append(p)
            if row is not None:
                seen = f"{row[1]}" + (f" as {row[2]}" if row[1] == "ok" and row[2] else "") + (
                    f"; {note}" if note else "") + (f": {row[3]}" if row[3] else "")
            else:
                seen = "missing"
            out.append(Outcome(c.scenario, c.expectation(), "; ".join(problems) if problems else seen, not problems))
        # accounting: files seen = ok + rejected, and the asset check agrees
        counts = dict(db_rows(run.db, "SELECT status, count(*) FROM raw.source_files GROUP BY 1"))
        checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
        acc = checks.get("every_file_accounted")
        ok_acc = (len(on_disk) == counts.get("ok", 0) + counts.get("rejected", 0) == len(run.rows)
                  and acc is not None and acc.passed)
        out.append(Outcome("files seen = files ok + files rejected", "equal; every_file_accounted passes",
                           f"seen {len(on_disk)}, ok {counts.get('ok', 0)}, rejected {counts.get('rejected', 0)}, "
                           f"check {'passed' if acc is not None and acc.passed else 'FAILED'}", ok_acc))
        failed = [f"{e.asset_key.to_user_string()}:{n}" for n, e in checks.items()
                  if not e.passed and e.severity.value == "ERROR"]
        out.append(Outcome("every ERROR asset check passes", "no failed check", ", ".join(failed) or "all passed",
                           not failed))
        # every good page lands: the five real pages give exactly the clean run's articles
        ids = {r[0] for r in db_rows(run.db, "SELECT article_id FROM modeled.fact_articles")}
        missing = reference["article_ids"] - ids
        out.append(Outcome("every good page lands", "the 5 real pages' articles all present",
                           f"{len(reference['article_ids']) - len(missing)}/{len(reference['article_ids'])} present",
                           not missing))
        # rerun with the faults fixed: rejected files come back as ok, nothing else changes
        before = snapshot(run.db, True)
        (seeds / "locked.txt").chmod(0o644)
        (seeds / "private").chmod(0o755)
        with env(MAX_PAGE_MB="20"):
            result2, err2 = try_run(seeds, wh)
        if err2:
            out.append(Outcome("re-ingest after fixing", "fixed files become ok", f"rerun failed: {err2}", False))
            return out
        rows2 = {r[0]: r[1:] for r in db_rows(run.db, "SELECT path, status, error FROM raw.source_files")}
        fixed = ["locked.txt", "private", "private/secret.txt", "live.txt"]
        states = {p: (rows2.get(p) or ("missing",))[0] for p in fixed}
        want = {"locked.txt": "ok", "private": "missing", "private/secret.txt": "ok", "live.txt": "ok"}
        out.append(Outcome("re-ingest after fixing (chmod, file settled)", "next run reads them: ok",
                           ", ".join(f"{k} {v}" for k, v in states.items()), states == want))
        n_new = len(db_rows(run.db, "SELECT 1 FROM cleaned.pages")) - before["cleaned.pages"][0]
        out.append(Outcome("rerun only adds what was fixed", "3 new pages; other rows untouched",
                           f"{n_new} new pages", n_new == 3))
    finally:
        for p in (seeds / "locked.txt", seeds / "private"):
            with contextlib.suppress(OSError):
                p.chmod(0o755)
    return out


# ====================================================================== edges

def scenario_edges(work: Path) -> list[Outcome]:
    """Inputs that used to break the job, checked at the component that broke (fast, no full run)."""
    import duckdb

    from assets.partitions import shard_of
    from etl.raw import seed_paths, sync_source_files
    from etl.warehouse import ensure_schema

    out = []
    # dangling symlink: ingest rejects it; raw must not skip it when a run names its paths
    seeds = work / "edge-link"
    seeds.mkdir()
    (seeds / "a.txt").write_text(SAMPLE_PAGE, encoding="utf-8")
    os.symlink("does-not-exist.txt", seeds / "dangling.txt")
    conn = duckdb.connect()
    ensure_schema(conn)
    sync_source_files(conn, seeds, ["a.txt", "dangling.txt"])
    rows = dict(conn.execute("SELECT path, error FROM raw.source_files").fetchall())
    conn.close()
    ok = "broken symbolic link" in (rows.get("dangling.txt") or "")
    out.append(Outcome("dangling symbolic link in seeds/", "rejected: broken symbolic link",
                       rows.get("dangling.txt") or "no row: skipped silently", ok))
    # a file name that is not UTF-8 (GBK name from a Windows zip): registered as a partition, read, stored
    seeds = work / "edge-name"
    seeds.mkdir()
    name = os.fsdecode("新闻.txt".encode("gbk"))
    (seeds / name).write_text(SAMPLE_PAGE, encoding="utf-8")
    try:
        keys = sorted(seed_paths(seeds))
        conn = duckdb.connect()
        ensure_schema(conn)
        sync_source_files(conn, seeds, keys)
        rows = conn.execute("SELECT path, status FROM raw.source_files").fetchall()
        conn.close()
        observed = f"keys {keys} (partition {shard_of(keys[0]) if keys else '-'}); raw rows {rows}"
        ok = keys == ["新闻.txt"] and rows == [("新闻.txt", "ok")]
    except Exception as exc:
        observed, ok = f"{type(exc).__name__}: {_clip(str(exc), 80)}", False
    out.append(Outcome("file name that is not valid UTF-8", "ingested, path stored decoded as GB18030", observed, ok))
    return out


# ====================================================================== lock

HOLD_RW = """
import duckdb, sys, time
conn = duckdb.connect(sys.argv[1])
print('holding', flush=True)
time.sleep(600)
"""


def one_page_warehouse(work: Path, prefix: str, label: str):
    """A seeds folder with the first seed page and a warehouse built from it, for a fault group to
    start from: (seeds, wh, settings, pages), or a failed Outcome naming ``label`` if the build failed."""
    from etl.config import Settings

    seeds, wh = work / f"{prefix}-seeds", work / f"{prefix}-wh"
    seeds.mkdir()
    pages = seed_pages()
    shutil.copy(pages[0], seeds / "a.txt")
    _, err = try_run(seeds, wh)
    if err:
        return Outcome(label, "-", f"setup run failed: {err}", False)
    return seeds, wh, Settings(seeds, wh), pages


def scenario_lock(work: Path) -> list[Outcome]:
    """The staging database held read-write by another process: bounded wait, clear failure, nothing written."""
    setup = one_page_warehouse(work, "lock", "database held by another writer")
    if isinstance(setup, Outcome):
        return [setup]
    seeds, wh, settings, pages = setup
    shutil.copy(pages[1], seeds / "b.txt")
    staging_before = file_digests(settings.staging_db_path.parent)
    published_before = snapshot(settings.db_path, True)
    holder = subprocess.Popen([PYTHON, "-c", HOLD_RW, str(settings.staging_db_path)], stdout=subprocess.PIPE, text=True)
    out = []
    try:
        holder.stdout.readline()
        started = time.monotonic()
        with env(WAREHOUSE_LOCK_WAIT_SECONDS="2"):
            _, err = try_run(seeds, wh)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    named = err is not None and f"process {holder.pid}" in err
    out.append(Outcome("database held by another writer: clear failure",
                       "run fails after the bounded wait, naming the holder's PID",
                       f"failed after {waited:.1f}s: {_clip(err or 'run succeeded', 150)}",
                       err is not None and named and waited < 60))
    same = (file_digests(settings.staging_db_path.parent) == staging_before
            and snapshot(settings.db_path, True) == published_before)
    out.append(Outcome("database held by another writer: nothing written", "staging and published unchanged",
                       "unchanged" if same else "CHANGED", same))
    _, err = try_run(seeds, wh)
    n = db_rows(settings.db_path, "SELECT count(*) FROM raw.source_files")[0][0] if err is None else None
    out.append(Outcome("database held by another writer: next run", "completes once the holder is gone",
                       f"completed, {n} files" if err is None else f"failed: {err}", err is None and n == 2))
    return out


# ====================================================================== exports

@contextlib.contextmanager
def immutable(folder: Path) -> Iterator[str]:
    """Make ``folder`` unwritable for real: chattr +i (works for root), else chmod a-w (works for others)."""
    how = None
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        how = "chattr +i"
    else:
        folder.chmod(0o555)
        how = "chmod a-w"
    try:
        probe = folder / ".probe"
        try:
            probe.write_bytes(b"")
            probe.unlink()
            how += " (NOT effective here)"
        except OSError:
            pass
        yield how
    finally:
        if how.startswith("chattr"):
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        else:
            folder.chmod(0o755)


@contextlib.contextmanager
def file_size_limit(limit_bytes: int) -> Iterator[None]:
    """Writes past ``limit_bytes`` fail for real (EFBIG, "File too large") inside the block.

    RLIMIT_FSIZE stands in for a full disk (making one needs a mount); SIGXFSZ is ignored so the
    write returns the error instead of killing the process. The scenarios apply it around one
    function only, so everything else (the database, Dagster's storage) is written normally.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)


@contextlib.contextmanager
def disk_full_around(module, name: str, limit_bytes: int) -> Iterator[None]:
    """``module.name`` (a function) runs under :func:`file_size_limit` while the block is active."""
    orig = getattr(module, name)

    def limited(*a, **k):
        with file_size_limit(limit_bytes):
            return orig(*a, **k)

    setattr(module, name, limited)
    try:
        yield
    finally:
        setattr(module, name, orig)


def disk_full_while_exporting(limit_bytes: int):
    """Writes past ``limit_bytes`` fail for real while the exports are written (``export_all``)."""
    import assets.exports as exports_asset

    return disk_full_around(exports_asset, "export_all", limit_bytes)


def scenario_exports(work: Path) -> list[Outcome]:
    """Disk full / permission errors while exporting: the run fails that asset clearly, old exports stay."""
    from etl.export import versions_root

    setup = one_page_warehouse(work, "exp", "export faults")
    if isinstance(setup, Outcome):
        return [setup]
    seeds, wh, settings, pages = setup
    exports = settings.exports_dir
    shutil.copy(pages[1], seeds / "b.txt")  # the next runs have new data to export
    out = []

    def attempt(name: str, expected: str, ctx, wanted: tuple[str, ...]) -> None:
        before = file_digests(export_root(exports))
        with ctx as how:
            result, err = try_run(seeds, wh)
        after = file_digests(export_root(exports))
        failed_step = result is None or not result.success
        clear = err is not None and any(w in err for w in wanted)
        kept = after == before
        detail = f"{how}; " if isinstance(how, str) else ""
        observed = (f"{detail}run {'failed' if failed_step else 'SUCCEEDED'}: {_clip(err or '', 110)}; previous "
                    f"exports {'byte-identical' if kept else 'CHANGED: ' + str(sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))[:4])}")
        out.append(Outcome(name, expected, observed, failed_step and clear and kept))

    attempt("export: disk full while writing Parquet", "asset fails (File too large/No space); old exports kept",
            disk_full_while_exporting(16 << 10), ("File too large", "No space left"))
    attempt("export: permission error on the export versions folder", "asset fails (permission); old exports kept",
            immutable(versions_root(exports)), ("Operation not permitted", "Permission denied"))
    attempt("export: permission error while swapping the exports link",
            "asset fails (permission); old exports kept", immutable(exports),
            ("Operation not permitted", "Permission denied"))
    _, err = try_run(seeds, wh)
    problem = err or exports_consistent(exports)
    n_db = db_rows(settings.db_path, "SELECT count(*) FROM modeled.fact_articles")[0][0]
    man = json.loads((exports / "_manifest.json").read_text(encoding="utf-8"))
    n_exp = next(e["rows"] for e in man["tables"] if e["table"] == "fact_articles")
    out.append(Outcome("export: next run after the fault", "exports complete and match the warehouse",
                       problem or f"fact_articles {n_exp} rows = warehouse {n_db}", problem is None and n_db == n_exp))
    return out


# ====================================================================== sigkill

KILL_POINTS = {
    "raw-txn": "inside the raw transaction (after the insert, before COMMIT)",
    "cleaned-txn": "inside the cleaned transaction (articles inserted)",
    "facts-txn": "inside the facts transaction (fact_metrics inserted)",
    "publish": "publishing: snapshot copied, not yet renamed",
    "exports-staged": "exports staged and verified, before they become a version",
    "exports-linking": "new export version complete, before the exports link is swapped",
    "exports-linked": "exports link swapped, before old versions are pruned",
}


def _install_failpoint(point: str) -> None:
    """Arrange for this process to SIGKILL itself at ``point`` (before or after the pipeline is imported)."""
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    if point.endswith("-txn"):
        import etl.warehouse as wh

        table = {"raw-txn": "raw.source_files", "cleaned-txn": "cleaned.articles",
                 "facts-txn": "modeled.fact_metrics"}[point]
        orig_insert = wh.insert_arrow

        def insert_arrow(conn, t, data, *a, **k):
            n = orig_insert(conn, t, data, *a, **k)
            if t == table:
                die()
            return n

        # etl.raw/clean/model import it by name: rebind it wherever it is already bound
        for mod in list(sys.modules.values()):
            if getattr(mod, "insert_arrow", None) is orig_insert:
                mod.insert_arrow = insert_arrow
    elif point in ("publish", "exports-staged", "exports-linking", "exports-linked"):
        orig_replace = os.replace

        def replace(src, dst, *a, **k):
            s, d = os.fspath(src), os.fspath(dst)
            if point == "publish" and Path(d).name == "warehouse.duckdb":
                die()
            if point == "exports-staged" and "/.staging-" in s:
                die()
            if point.startswith("exports-link") and Path(d).name == ".current" and Path(s).is_symlink():
                if point == "exports-linked":
                    orig_replace(src, dst, *a, **k)
                die()
            return orig_replace(src, dst, *a, **k)

        os.replace = replace
    elif point != "none":
        raise SystemExit(f"unknown fail point {point}")


def _child_main(point: str) -> int:
    _install_failpoint(point)
    from assets.cli import main

    return main([])


def _zygote_main() -> int:
    """Import the pipeline once, then fork one run per request ("run <point> <log>" on stdin).

    Each run is a fresh process (a fork) doing exactly what ``python -m
    assets.cli`` does; forking saves the ~5 s of imports per killed run.
    Replies on stdout: "pid <pid>" when the run starts, "exit <code>" when it
    ends (negative: killed by that signal). An optional fourth field is a JSON
    object of environment variables for that run (SEEDS_DIR, DAGSTER_HOME, …).
    """
    import assets.cli
    import assets.definitions  # noqa: F401  (warm: what cli.main imports)
    import etl.clean  # noqa: F401
    import etl.model  # noqa: F401
    import etl.raw  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        cmd = line.rstrip("\n").split(" ", 3)
        if not cmd[0] or cmd[0] == "quit":
            return 0
        point, log = cmd[1], cmd[2]
        overrides = json.loads(cmd[3]) if len(cmd) > 3 else {}
        pid = os.fork()
        if pid == 0:  # the run
            code = 1
            try:
                fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                os.environ.update(overrides)
                _install_failpoint(point)
                code = assets.cli.main([])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001
                import traceback

                traceback.print_exc()
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {os.waitstatus_to_exitcode(status)}", flush=True)
    return 0


class Zygote:
    """Parent side of :func:`_zygote_main`: start runs, optionally SIGKILL them after a delay."""

    def __init__(self, e: dict, work: Path):
        import queue
        import threading

        self.work = work
        self.proc = subprocess.Popen([PYTHON, str(Path(__file__).resolve()), "--zygote"], cwd=PROJECT, env=e,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(x.strip()) for x in self.proc.stdout], daemon=True).start()
        self.ready = False  # importing happens in the background while the caller prepares
        self.n = 0

    def _expect(self, prefix: str, timeout: float) -> str:
        line = self.lines.get(timeout=timeout)
        if not line.startswith(prefix):
            raise RuntimeError(f"zygote said {line!r}, expected {prefix!r}")
        return line

    def run(self, point: str, kill_after: float | None = None, timeout: float = 300,
            env_overrides: dict | None = None) -> tuple[int, str, float]:
        import queue

        if not self.ready:
            self._expect("ready", 300)
            self.ready = True
        self.n += 1
        log = self.work / f"run-{self.n}-{point}.log"
        started = time.monotonic()
        extra = f" {json.dumps(env_overrides)}" if env_overrides else ""
        self.proc.stdin.write(f"run {point} {log}{extra}\n")
        self.proc.stdin.flush()
        pid = int(self._expect("pid", 60).split()[1])
        try:
            line = self._expect("exit", kill_after if kill_after is not None else timeout)
        except queue.Empty:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            line = self._expect("exit", 60)
        tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        return int(line.split()[1]), tail, time.monotonic() - started

    def bound(self, e: dict, work: Path) -> "_BoundZygote":
        """This zygote, running every run with the folders of ``e`` (SEEDS_DIR, WAREHOUSE_DIR, DAGSTER_HOME)."""
        return _BoundZygote(self, {k: e[k] for k in ("SEEDS_DIR", "WAREHOUSE_DIR", "DAGSTER_HOME")}, work)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)
        if self.proc.poll() is None:
            self.proc.kill()


class _BoundZygote:
    def __init__(self, zygote: Zygote, overrides: dict, work: Path):
        self.zygote, self.overrides, self.work = zygote, overrides, work
        self.proc = zygote.proc

    def run(self, point: str, kill_after: float | None = None, timeout: float = 300) -> tuple[int, str, float]:
        return self.zygote.run(point, kill_after=kill_after, timeout=timeout, env_overrides=self.overrides)


def cli_env(seeds: Path, wh: Path, home: Path) -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    e.update(SEEDS_DIR=str(seeds), WAREHOUSE_DIR=str(wh), DAGSTER_HOME=str(home), MAX_PAGE_MB="20")
    return e


def run_child(point: str, e: dict, kill_after: float | None = None, timeout: float = 300) -> tuple[int, str, float]:
    """Run ``assets.cli`` in a subprocess with a fail point; (return code, output tail, seconds)."""
    started = time.monotonic()
    proc = subprocess.Popen([PYTHON, str(Path(__file__).resolve()), "--child", point], cwd=PROJECT, env=e,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    return proc.returncode, (output or "")[-1500:], time.monotonic() - started


def _leftover_processes(wh: Path, wait: float = 5.0, ignore: tuple[int, ...] = ()) -> list[int]:
    """PIDs of processes still running with our WAREHOUSE_DIR (orphaned pool workers of a killed run)."""
    import psutil

    deadline = time.monotonic() + wait
    while True:
        pids = []
        for p in psutil.process_iter(["pid"]):
            try:
                if p.pid != os.getpid() and p.pid not in ignore and p.environ().get("WAREHOUSE_DIR") == str(wh):
                    pids.append(p.pid)
            except (psutil.Error, OSError):
                continue
        if not pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.2)


def scenario_sigkill(work: Path, points: list[str] | None = None, random_kills: int = 1, seed: int = 7,
                     zygote: "Zygote | None" = None) -> list[Outcome]:
    """SIGKILL the run at each fail point in turn (and once at a random moment), then let a run finish.

    After every kill the published snapshot must be exactly the last
    published one (or the new one when the kill came after publishing), the
    exports exactly the last complete set (or the new one), the staging
    database must open, and no worker of the killed run may linger. The final
    run must equal a clean run of the same seeds. The Dagster instance has no
    pool limit here: what a kill does to pool slots is scenario group ``pools``.
    The killed runs are forks of one process that imported the pipeline once
    (:class:`Zygote`), which saves the imports of every run, not the run.
    """
    points = list(KILL_POINTS) if points is None else points
    pages = seed_pages()
    seeds, wh, home = work / "kill-seeds", work / "kill-wh", work / "kill-home"
    for d in (seeds, home):
        d.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    shutil.copy(pages[0], seeds / pages[0].name)
    own = zygote is None
    if own:
        zygote = Zygote(cli_env(seeds, wh, home), work)  # imports while the two runs below go
    else:
        zygote = zygote.bound(cli_env(seeds, wh, home), work)
    try:
        return _sigkill(work, zygote, points, random_kills, seed, seeds, wh)
    finally:
        if own:
            zygote.close()


def _sigkill(work: Path, zygote: "Zygote", points, random_kills, seed, seeds: Path, wh: Path) -> list[Outcome]:
    from etl.config import Settings

    pages = seed_pages()
    _, err = try_run(seeds, wh)  # the last consistent state before the faulty runs
    if err:
        return [Outcome("SIGKILL", "-", f"setup run failed: {err}", False)]
    settings = Settings(seeds, wh)
    p0, e0 = snapshot(settings.db_path, True), file_digests(export_root(settings.exports_dir))
    shutil.copy(pages[1], seeds / pages[1].name)
    shutil.copy(pages[2], seeds / pages[2].name)
    # what a clean run of the final folder gives
    ref_seeds, ref_wh = work / "kill-ref-seeds", work / "kill-ref-wh"
    shutil.copytree(seeds, ref_seeds)
    _, err = try_run(ref_seeds, ref_wh)
    if err:
        return [Outcome("SIGKILL", "-", f"reference run failed: {err}", False)]
    p1, e1 = snapshot(ref_wh / "warehouse.duckdb"), export_content(ref_wh / "exports")
    return _kill_sequence(zygote, points, random_kills, seed, settings, p0, e0, p1, e1)


def _kill_sequence(zygote: "Zygote", points, random_kills, seed, settings, p0, e0, p1, e1) -> list[Outcome]:
    wh = settings.warehouse_dir
    out = []
    rng = random.Random(seed)
    plan = [(p, None) for p in points] + [("none", rng.uniform(1.5, 8.0)) for _ in range(random_kills)]
    for point, delay in plan:
        label = f"SIGKILL {KILL_POINTS[point]}" if delay is None else f"SIGKILL at a random moment ({delay:.1f}s in)"
        code, tail, secs = zygote.run(point, kill_after=delay)
        killed = code == -signal.SIGKILL
        published = snapshot(settings.db_path, True)
        pub_state = "previous" if published == p0 else (
            "new" if snapshot(settings.db_path) == p1 else "NEITHER")
        exp_now = file_digests(export_root(settings.exports_dir))
        exp_state = "previous" if exp_now == e0 else (
            "new" if export_content(settings.exports_dir) == e1 else "NEITHER (mixed)")
        p0, e0 = published, exp_now  # the next kill is judged against what this one left
        lingering = _leftover_processes(wh, ignore=(zygote.proc.pid,))
        try:
            db_rows(settings.staging_db_path, "SELECT count(*) FROM raw.source_files")
            staging = "opens"
        except Exception as exc:  # noqa: BLE001
            staging = f"BROKEN ({exc})"
        if delay is None and not killed:
            observed, ok = f"fail point not reached (exit {code}): {_clip(tail, 80)}", False
        else:
            observed = (f"{'killed' if killed else f'finished first (exit {code})'} after {secs:.0f}s; published db: "
                        f"{pub_state}; exports: {exp_state}; staging db {staging}"
                        + (f"; LINGERING workers {lingering}" if lingering else ""))
            ok = not pub_state.startswith("NEITHER") and not exp_state.startswith("NEITHER") \
                and staging == "opens" and not lingering
        out.append(Outcome(label, "published db and exports = last consistent state", observed, ok))
    left_before = temp_leftovers(wh)
    code, tail, secs = zygote.run("none")
    final_db = snapshot(settings.db_path) if settings.db_path.exists() else None
    final_exp = export_content(settings.exports_dir)
    ok = code == 0 and final_db == p1 and final_exp == e1
    diff = [t for t in p1 if (final_db or {}).get(t) != p1[t]]
    observed = (f"exit {code} after {secs:.0f}s; tables {'= clean run' if not diff else 'differ: ' + ', '.join(diff)}; "
                f"exports {'= clean run' if final_exp == e1 else 'DIFFER'}")
    if code != 0:
        observed += f"; {_clip(tail, 120)}"
    out.append(Outcome("SIGKILL: the next run completes", "result equals a clean run's", observed, ok))
    left = temp_leftovers(wh)
    out.append(Outcome("SIGKILL: temporary files of killed runs removed", "none left after the next run",
                       f"{len(left_before)} after the kills, {len(left)} after the next run"
                       + (f": {', '.join(left[:3])}" if left else ""), not left))
    return out


# ====================================================================== pools

def scenario_pools(work: Path, zygote: "Zygote | None" = None, wait: float = 120) -> list[Outcome]:
    """A run SIGKILLed inside a pooled step (project dagster.yaml, pool limit 1); the next run must not hang.

    The dead run's slot (``partition_writer``: the raw step; ``duckdb_writer`` for whole-table steps) must
    not make the next run wait forever (``wait`` bounds how long we watch before calling it a hang).
    """
    pools = ("partition_writer", "duckdb_writer")
    import dagster as dg

    seeds, wh, home = work / "pool-seeds", work / "pool-wh", work / "pool-home"
    for d in (seeds, home):
        d.mkdir()
    shutil.copy(PROJECT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    shutil.copy(seed_pages()[0], seeds / "a.txt")
    e = cli_env(seeds, wh, home)
    if zygote is not None:  # a fork of a warm process (saves the imports), else a fresh subprocess
        def run(point: str, **k):
            return zygote.run(point, env_overrides={x: e[x] for x in ("SEEDS_DIR", "WAREHOUSE_DIR", "DAGSTER_HOME")},
                              **k)
    else:
        def run(point: str, **k):
            return run_child(point, e, **k)
    name = "SIGKILL: the next run is not blocked by the dead run's pool slot"
    code, tail, secs = run("raw-txn")
    if code != -signal.SIGKILL:
        return [Outcome(name, "-", f"fail point not reached: {tail}", False)]
    with env(DAGSTER_HOME=str(home)), dg.DagsterInstance.get() as instance:
        held = sum(len(instance.event_log_storage.get_concurrency_info(p).claimed_slots) for p in pools)
    code, tail, secs = run("none", kill_after=wait)
    with env(DAGSTER_HOME=str(home)), dg.DagsterInstance.get() as instance:
        claimed = [s for p in pools for s in instance.event_log_storage.get_concurrency_info(p).claimed_slots]
        statuses = sorted(r.status.value for r in instance.get_runs())
    if code == -signal.SIGKILL:
        observed = f"the next run was still waiting for the slot after {wait:.0f}s (killed it); runs {statuses}"
    else:
        observed = (f"{held} slot(s) held after the kill; next run exit {code} after {secs:.0f}s; "
                    f"runs now {statuses}; slots held {len(claimed)}")
    ok = code == 0 and not claimed and held > 0 and "STARTED" not in statuses
    return [Outcome(name, "the next run completes; the dead run is marked failed", observed, ok)]


# ====================================================================== main

GROUPS: dict[str, Callable[[Path], list[Outcome]]] = {
    "inputs": scenario_inputs,
    "edges": scenario_edges,
    "lock": scenario_lock,
    "exports": scenario_exports,
    "sigkill": scenario_sigkill,
    "pools": scenario_pools,
}
GROUP_DIR = Path(__file__).resolve().parent / "fault_groups"


def _load_groups() -> None:
    """Further groups live one per file in scripts/fault_groups/<name>.py: each defines
    ``scenario(work: Path, fs) -> list[Outcome]`` (``fs`` is this module, for its helpers)
    and a one-line docstring on it. They are added to GROUPS in file-name order."""
    import importlib.util

    me = sys.modules[__name__]
    for path in sorted(GROUP_DIR.glob("[a-z]*.py")):
        spec = importlib.util.spec_from_file_location(f"fault_groups_{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)

        def run(work: Path, _fn=mod.scenario) -> list[Outcome]:
            return _fn(work, me)

        run.__doc__ = mod.scenario.__doc__
        GROUPS[path.stem] = run


_load_groups()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return _child_main(argv[1])
    if argv[:1] == ["--zygote"]:
        return _zygote_main()
    if argv[:1] == ["--list"]:
        for name, fn in GROUPS.items():
            print(f"{name:8} {(fn.__doc__ or '').strip().splitlines()[0]}")
        return 0
    verbose = "--verbose" in argv
    groups = [a for a in argv if a != "--verbose"] or list(GROUPS)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        print(f"unknown group(s) {unknown}; choose from {list(GROUPS)}", file=sys.stderr)
        return 2
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fault-scenarios-") as tmp:
        log = Path(tmp) / "runs.log"
        for g in groups:
            t = time.perf_counter()
            work = Path(tmp) / g
            work.mkdir()
            # the runs' own warnings and tracebacks (expected: faults are injected) go to a log, not the table
            with log.open("a") as fh, contextlib.redirect_stderr(sys.stderr if verbose else fh):
                try:
                    outcomes += GROUPS[g](work)
                except Exception as exc:  # a broken scenario is a failure, not a crash of the table
                    outcomes.append(Outcome(f"{g}: scenario group", "runs", f"crashed: {type(exc).__name__}: {exc}",
                                            False))
            print(f"[{g}: {time.perf_counter() - t:.0f}s]", file=sys.stderr, flush=True)
    print(format_table(outcomes))
    failed = [o for o in outcomes if o.failed]
    print(f"\n{len(outcomes)} scenarios: {sum(o.result == 'PASS' for o in outcomes)} pass, {len(failed)} fail, "
          f"{sum(o.result == 'XFAIL' for o in outcomes)} known bugs (xfail), "
          f"{sum(o.result == 'XPASS' for o in outcomes)} xpass; {time.perf_counter() - started:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
