"""cleaned layer: cut every ok page into articles and paragraphs.

Incremental: only pages (file_ids) that are new, or whose rows were produced
by an older ``PIPELINE_VERSION``, are parsed; pages whose source is gone are
removed. Pages are keyed by file_id, so identical bytes under two names are
parsed once and never double the facts.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from etl import contract
from etl.config import PIPELINE_VERSION
from etl.outlets import page_publication
from etl.parse import ParsedPage, parse_page
from etl.warehouse import commit_batch, delete_in, insert_arrow, reader_cursor, transaction

CLEANED_TABLES = contract.tables("cleaned")  # every cleaned table is written per page (file_id)


@dataclass
class CleanStats:
    pages_parsed: int = 0
    pages_removed: int = 0
    articles_written: int = 0
    paragraphs_written: int = 0
    line_classes: dict[str, dict[str, int]] = field(default_factory=dict)  # path -> class -> lines


def article_id(file_id: str, ordinal: int) -> str:
    return hashlib.sha256(f"{file_id}:{ordinal}".encode()).hexdigest()[:16]


PAGE_BATCH = 64            # pages per unit of work (bounded memory)
PARALLEL_MIN_PAGES = 48    # below this, worker start-up costs more than it saves


def resolve_workers(workers: int | None) -> int:
    """``None`` = every core (``os.cpu_count()``); anything below 1 means 1."""
    if workers is None:
        workers = os.cpu_count() or 1
    return max(1, int(workers))


def _noop() -> None:
    return None


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _set_pdeathsig() -> bool:
    """Linux: have the kernel SIGKILL this process when the *thread* that forked it ends. False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _die() -> None:
    if hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)  # exactly as if the kill had reached us too
    os._exit(1)


def _watch_parent(parent_pid: int, interval: float = 0.5) -> None:
    """A daemon thread that ends this process once ``parent_pid`` is gone.

    When this is a ``multiprocessing`` child of ``parent_pid`` (pool workers; Dagster's step
    processes, whose real parent is a forkserver) it blocks on the parent's sentinel, which
    every platform closes when the parent dies; otherwise it polls ``os.getppid()``.
    """
    parent = multiprocessing.parent_process()

    def watch() -> None:
        if parent is not None and parent.pid == parent_pid:
            parent.join()
        else:
            while os.getppid() == parent_pid:
                time.sleep(interval)
        _die()

    threading.Thread(target=watch, name=f"exit-with-{parent_pid}", daemon=True).start()


def exit_with_parent(parent_pid: int, pdeathsig: bool = True) -> str:
    """Make this process end as soon as process ``parent_pid`` ends, however it ends (SIGKILL, OOM).

    Used by every process a run starts, so that nothing of a killed run lives on holding the
    staging database: pool workers, DuckLake's ``--range`` runs and step processes. On Linux,
    with ``pdeathsig`` (``parent_pid`` must be the real parent and the forking thread must
    outlive the child, e.g. the parent's main thread), ``prctl(PR_SET_PDEATHSIG, SIGKILL)``:
    the kernel kills us with the parent. It is armed after the fork, so a parent that died in
    between is caught by comparing ``os.getppid()``. Otherwise a watchdog thread
    (:func:`_watch_parent`). Returns which was used.
    """
    if pdeathsig and _set_pdeathsig():
        if os.getppid() != parent_pid:  # the parent died before the signal was armed
            _die()
        return "pdeathsig"
    _watch_parent(parent_pid)
    return "watchdog"


def _pool_worker_init(parent_pid: int, pdeathsig: bool, initializer, initargs: tuple) -> None:
    exit_with_parent(parent_pid, pdeathsig)
    if initializer is not None:
        initializer(*initargs)


def start_pool(workers: int, initializer=None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A started process pool.

    ``fork`` where available: workers inherit the already-imported modules and
    whatever the parent initialised (jieba's dictionary, the district matcher),
    so a pool costs milliseconds instead of seconds of imports per worker. The
    workers are forked *now* (a no-op task is run on each), before any DuckDB
    query is in flight; they never touch DuckDB or polars themselves. Where
    ``fork`` is unavailable, ``spawn`` (callers must guard ``__main__``).

    Every worker dies with this process (:func:`exit_with_parent`): a SIGKILLed
    run leaves no orphaned worker behind. ``PR_SET_PDEATHSIG`` fires when the
    forking *thread* ends, so it is used only when the pool is started from
    the main thread (a step's thread may end before the process); from any
    other thread the workers watch the parent instead.
    """
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pdeathsig = threading.current_thread() is threading.main_thread()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_pool_worker_init,
                               initargs=(os.getpid(), pdeathsig, initializer, initargs))
    for f in [pool.submit(_noop) for _ in range(workers)]:
        f.result()
    return pool


def pipelined(jobs, fn, write, pool: ProcessPoolExecutor | None, workers: int) -> None:
    """``write(key, fn(*args))`` for each ``(key, args)`` of ``jobs``, in order.

    With a pool, up to ``workers`` jobs run ahead in the worker processes while
    the caller's process writes finished ones (and reads the next job from a
    streaming query); without one, each job runs inline. Shared by the cleaned
    and facts builds.
    """
    pending: deque = deque()
    for key, args in jobs:
        if pool is None:
            write(key, fn(*args))
            continue
        pending.append((key, pool.submit(fn, *args)))
        while len(pending) > workers:
            k, fut = pending.popleft()
            write(k, fut.result())
    while pending:
        k, fut = pending.popleft()
        write(k, fut.result())


def _pool(workers: int) -> ProcessPoolExecutor:
    return start_pool(workers)


def parse_many(texts: list[str], workers: int = 1) -> list[ParsedPage]:
    if workers <= 1 or len(texts) < 8:
        return [parse_page(t) for t in texts]
    with _pool(workers) as pool:
        return list(pool.map(parse_page, texts, chunksize=4))


def _parse_batch(texts: list[str]) -> list[ParsedPage]:
    return [parse_page(t) for t in texts]


def page_publication_date(page_date, articles) -> tuple[object, str]:
    """(issue date, how it was found) of a page: its printed date, else the latest full dateline date.

    A dateline (本报12月18日讯, 新华社北京11月9日电) with a known year is the day
    the news was filed: the issue date of an evening paper, possibly the day
    before the issue of a morning paper. The latest one on the page is the
    earliest day the issue can be, and the day the parser already dates the
    page's undated articles by (``page_dateline``). No dateline with a year
    (seed 002 names none): unknown, never a guess.
    """
    if page_date is not None:
        return page_date, "printed"
    dates = [a.news_date for a in articles
             if a.news_date is not None and (a.date_confidence or "").startswith("dateline+")]
    if dates:
        return max(dates), "inferred_from_articles"
    return None, "unknown"


def pages_to_arrow(file_ids: list[str], pages: list[ParsedPage]) -> tuple[pa.Table, pa.Table, pa.Table]:
    page_rows, art_rows, para_rows = [], [], []
    for fid, page in zip(file_ids, pages):
        m = page.meta
        pub_name, pub_source = page_publication(
            m.publication, [(a.dateline_text, a.bylines, a.outlets) for a in page.articles])
        pub_date, pub_date_source = page_publication_date(m.page_date, page.articles)
        page_rows.append({
            "file_id": fid, "publication": m.publication, "page_date": m.page_date,
            "issue_no": m.issue_no, "lunar_text": m.lunar_text, "weekday": m.weekday, "url": m.url,
            "page_kind": m.kind, "source": m.source, "edition": m.edition,
            "publication_name": pub_name, "publication_source": pub_source,
            "publication_date": pub_date, "publication_date_source": pub_date_source,
            "furniture": [p.text for p in page.furniture],
            "furniture_kinds": [p.kind for p in page.furniture],
            "article_count": len(page.articles),
            "line_classes": list(page.line_classes.items()),
            "pipeline_version": PIPELINE_VERSION,
        })
        for a in page.articles:
            aid = article_id(fid, a.ordinal)
            art_rows.append({
                "article_id": aid, "file_id": fid, "ordinal": a.ordinal,
                "kicker": a.kicker, "title": a.title, "subtitle": a.subtitle,
                "title_source": a.title_source,
                "news_date": a.news_date, "news_year": a.news_year,
                "date_confidence": a.date_confidence,
                "dateline_month": a.dateline_month, "dateline_day": a.dateline_day,
                "outlets": list(a.outlets), "reporters": list(a.reporters),
                "correspondents": list(a.correspondents), "photographers": list(a.photographers),
                "body": a.body, "char_count": len(a.body),
                "captions": list(a.captions), "continuation": a.continuation,
                "publication": m.publication, "pipeline_version": PIPELINE_VERSION,
            })
            for i, p in enumerate(a.paragraphs):
                para_rows.append({
                    "paragraph_id": f"{aid}:{i}", "article_id": aid, "file_id": fid,
                    "ordinal": i, "kind": p.kind, "text": p.text,
                    "source_lines": list(p.source_lines),
                })
    return (pa.Table.from_pylist(page_rows, schema=contract.arrow_schema("cleaned.pages")),
            pa.Table.from_pylist(art_rows, schema=contract.arrow_schema("cleaned.articles")),
            pa.Table.from_pylist(para_rows, schema=contract.arrow_schema("cleaned.paragraphs")))


def build_cleaned(conn: duckdb.DuckDBPyConnection, workers: int | None = None, full_refresh: bool = False, *,
                  batch_size: int = PAGE_BATCH, paths: list[str] | None = None) -> CleanStats:
    """Parse new/changed pages in batches of ``batch_size``, on ``workers`` processes.

    ``workers=None`` uses every core. Page texts are streamed from DuckDB (memory
    does not grow with the corpus); each batch is committed with its pages,
    articles and paragraphs together (:func:`etl.warehouse.commit_batch`).
    ``paths`` limits the work to those files (a partitioned run on DuckLake,
    where other runs handle the other files at the same time); rows of files
    that left raw are removed whatever the scope.
    """
    stats = CleanStats()
    params = {"version": PIPELINE_VERSION, "full": full_refresh, "all": paths is None, "paths": list(paths or [])}
    todo_sql = """
        SELECT file_id, text FROM raw.source_files
        WHERE status = 'ok' AND ($all OR path IN (SELECT unnest($paths::VARCHAR[]))) AND ($full OR file_id NOT IN (
            SELECT file_id FROM cleaned.pages WHERE pipeline_version = $version))
    """
    conn.execute(
        """CREATE OR REPLACE TEMP TABLE _clean_todo AS
           SELECT file_id, min(path) AS path FROM raw.source_files
           WHERE status = 'ok' AND ($all OR path IN (SELECT unnest($paths::VARCHAR[]))) AND ($full OR file_id NOT IN (
               SELECT file_id FROM cleaned.pages WHERE pipeline_version = $version))
           GROUP BY file_id""", params)
    paths = dict(conn.execute("SELECT file_id, path FROM _clean_todo").fetchall())
    stale = conn.execute(
        "SELECT count(*) FROM cleaned.pages WHERE file_id NOT IN (SELECT file_id FROM raw.source_files WHERE status = 'ok')"
    ).fetchone()[0]
    conn.execute(
        """CREATE OR REPLACE TEMP TABLE _clean_drop AS
           SELECT file_id FROM cleaned.pages WHERE file_id NOT IN (SELECT file_id FROM raw.source_files WHERE status = 'ok')
           UNION SELECT file_id FROM _clean_todo""")
    workers = resolve_workers(workers)
    pool = _pool(workers) if workers > 1 and len(paths) >= PARALLEL_MIN_PAGES else None
    reader = reader_cursor(conn)  # own snapshot: streams page texts while we write
    seen: set[str] = set()

    def batches():
        buf_ids: list[str] = []
        buf_texts: list[str] = []
        for rb in reader.execute(todo_sql, params).to_arrow_reader(batch_size):
            for fid, text in zip(rb.column(0).to_pylist(), rb.column(1).to_pylist()):
                if fid in seen:  # same bytes under another path: parsed once
                    continue
                seen.add(fid)
                buf_ids.append(fid)
                buf_texts.append(text)
                if len(buf_ids) == batch_size:
                    yield buf_ids, buf_texts
                    buf_ids, buf_texts = [], []
        if buf_ids:
            yield buf_ids, buf_texts

    def write(file_ids: list[str], pages: list[ParsedPage]) -> None:
        page_tbl, art_tbl, para_tbl = pages_to_arrow(file_ids, pages)
        for fid, page in zip(file_ids, pages):
            stats.line_classes[paths[fid]] = dict(page.line_classes)
        insert_arrow(conn, "cleaned.pages", page_tbl)
        stats.articles_written += insert_arrow(conn, "cleaned.articles", art_tbl)
        stats.paragraphs_written += insert_arrow(conn, "cleaned.paragraphs", para_tbl)
        stats.pages_parsed += len(file_ids)
        commit_batch(conn)

    try:
        with transaction(conn):
            for table in CLEANED_TABLES:
                delete_in(conn, table, "file_id", "SELECT file_id FROM _clean_drop")
            pipelined(((ids, (texts,)) for ids, texts in batches()), _parse_batch, write, pool, workers)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        reader.close()
        conn.execute("DROP TABLE IF EXISTS _clean_todo")
        conn.execute("DROP TABLE IF EXISTS _clean_drop")
    stats.pages_removed = stale
    return stats
