"""modeled layer: dimensions and facts derived from the cleaned layer.

Incremental: articles whose facts are missing or were derived by an older
``PIPELINE_VERSION`` are (re)derived; facts of articles that no longer exist
are deleted. Dimensions are small and refreshed in place (dim_outlet only ever
appends keys). Dimensions are one transaction each; facts are committed batch
by batch (:func:`etl.warehouse.commit_batch`).
"""

from __future__ import annotations

import bisect
import hashlib
import os
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from etl import contract
from etl.clean import pipelined, start_pool
from etl.config import PIPELINE_VERSION
from etl.dates import calendar_rows, date_key
from etl.districts import DistrictMatcher, Mention, load_districts, primary_district
from etl.metrics import Metric, extract_metrics_many
from etl.nlp import analyse, default_tokenizer, init_jieba
from etl.outlets import UNKNOWN_KEY as UNKNOWN_OUTLET
from etl.outlets import canonical_outlet, outlet_keys, upsert_dim_outlet
from etl.sentences import sentence_bounds, sentence_ends
from etl.warehouse import (
    commit_batch,
    delete_in,
    insert_arrow,
    reader_cursor,
    replace_if_changed,
    transaction,
)

UNKNOWN_DISTRICT = -1
# The tables build_facts writes per article: every modeled table with an article_id column (the
# dimensions have none), in DDL order.
FACT_TABLES = tuple(t for t in contract.tables("modeled") if "article_id" in contract.column_names(t))
REPORTER_ROLES = (("reporters", "reporter"), ("correspondents", "correspondent"), ("photographers", "photographer"))
HEADLINE_FIELDS = ("kicker", "title", "subtitle")


@dataclass
class ModelStats:
    articles_derived: int = 0
    articles_removed: int = 0
    metrics_written: int = 0
    districts_written: int = 0
    keywords_written: int = 0
    outlets_added: int = 0


def refresh_dim_district(conn: duckdb.DuckDBPyConnection) -> int:
    return replace_if_changed(conn, "modeled.dim_district", load_districts().to_arrow())[0]


def reporter_key(name: str) -> int:
    """Stable BIGINT key of a credited person: the first 15 hex digits of sha256('reporter:' + name)
    (60 bits, always positive), the same in every build and warehouse."""
    return int(hashlib.sha256(f"reporter:{name}".encode()).hexdigest()[:15], 16)


def refresh_dim_reporter(conn: duckdb.DuckDBPyConnection) -> int:
    """Every person credited by a cleaned article (reporters, correspondents, photographers)."""
    names = sorted({r[0] for r in conn.execute(
        "SELECT DISTINCT unnest(list_concat(coalesce(reporters, []), coalesce(correspondents, []), "
        "coalesce(photographers, []))) FROM cleaned.articles").fetchall() if r[0]})
    rows = [{"reporter_key": reporter_key(n), "reporter_name": n} for n in names]
    table = pa.Table.from_pylist(rows, schema=contract.arrow_schema("modeled.dim_reporter"))
    return replace_if_changed(conn, "modeled.dim_reporter", table)[0]


def refresh_dim_outlet(conn: duckdb.DuckDBPyConnection) -> int:
    """dim_outlet: reference outlets plus every outlet credited or printing a page, keys never renumbered."""
    observed = [r[0] for r in conn.execute(
        """
        SELECT name FROM (
            SELECT name, min(seen) AS first_seen FROM (
                SELECT unnest(outlets) AS name, file_id || lpad(ordinal::VARCHAR, 6, '0') AS seen
                FROM cleaned.articles
            ) GROUP BY name
            UNION ALL
            SELECT publication, min(file_id) FROM cleaned.pages WHERE publication IS NOT NULL GROUP BY publication
            UNION ALL
            SELECT publication_name, min(file_id) FROM cleaned.pages WHERE publication_name IS NOT NULL
            GROUP BY publication_name
        ) ORDER BY first_seen, name
        """
    ).fetchall()]
    with transaction(conn):
        added = upsert_dim_outlet(conn, observed)
    return added


def refresh_dim_date(conn: duckdb.DuckDBPyConnection) -> int:
    dates = [r[0] for r in conn.execute(
        "SELECT DISTINCT news_date FROM cleaned.articles WHERE news_date IS NOT NULL "
        "UNION SELECT DISTINCT page_date FROM cleaned.pages WHERE page_date IS NOT NULL "
        "UNION SELECT DISTINCT publication_date FROM cleaned.pages WHERE publication_date IS NOT NULL"
    ).fetchall()]
    return replace_if_changed(conn, "modeled.dim_date", calendar_rows(dates))[0]


def _metric_id(article_id: str, field: str, start: int) -> str:
    return hashlib.sha256(f"{article_id}:{field}:{start}".encode()).hexdigest()[:16]


def _sentence_bounds(text: str, pos: int, ends: list[int] | None = None) -> tuple[int, int]:
    """``[lo, hi)`` of the sentence holding ``pos`` (its closing delimiter, a newline too, included).

    The one splitter of :mod:`etl.sentences` (the sentences of quantities), bisecting
    ``ends`` (:func:`etl.sentences.sentence_ends` of ``text``): O(log n) per quantity.
    """
    return sentence_bounds(text, pos, ends=ends, keep_newline=True)


def nearest_district(mentions: list[Mention], starts: list[int], text: str, pos: int, fallback: int,
                     ends: list[int] | None = None) -> int:
    """District named nearest to ``pos`` within its sentence, else ``fallback`` (a tie goes to the earlier mention).

    ``starts`` (ascending mention starts) is bisected: the nearest mention is the
    last one starting before ``pos`` or the first starting at or after it, so
    the cost does not grow with the mentions in a long sentence.
    """
    lo, hi = _sentence_bounds(text, pos, ends)
    i = bisect.bisect_left(starts, pos)
    best, best_d = fallback, None
    for j in (i - 1, i):
        if 0 <= j < len(starts) and lo <= starts[j] < hi:
            d = abs(starts[j] - pos)
            if best_d is None or d < best_d:
                best, best_d = mentions[j].district_key, d
    return best


def derive_facts(articles: list[dict], outlets: dict[str, int], matcher: DistrictMatcher) -> dict[str, pa.Table]:
    """Pure derivation of every fact row for a batch of cleaned articles."""
    tokenizer = default_tokenizer()  # one tokenizer for the quantities and the keywords
    fa, fm, ad, ao, ak, ar = [], [], [], [], [], []
    fields = ["body", *HEADLINE_FIELDS]
    texts = [a.get(f) or "" for a in articles for f in fields]
    extracted = extract_metrics_many(texts, tokenizer)
    for idx, a in enumerate(articles):
        aid = a["article_id"]
        per_field: dict[str, list[Metric]] = dict(zip(fields, extracted[idx * len(fields):(idx + 1) * len(fields)]))
        headline = "\n".join(a.get(f) or "" for f in HEADLINE_FIELDS)
        full = headline + "\n" + a["body"]
        mentions = matcher.find(full)
        primary = primary_district(mentions) if mentions else UNKNOWN_DISTRICT
        agg: dict[int, list[int]] = {}
        for m in mentions:
            agg.setdefault(m.district_key, []).append(m.start)
        for key, starts in agg.items():
            ad.append({"article_id": aid, "district_key": key, "mentions": len(starts),
                       "first_offset": min(starts), "is_primary": key == primary})
        credited = [canonical_outlet(o) for o in (a.get("outlets") or [])]
        credited = [o for o in dict.fromkeys(credited) if o]
        for pos, name in enumerate(credited):
            if name in outlets:
                ao.append({"article_id": aid, "outlet_key": outlets[name], "position": pos})
        page_pub = canonical_outlet(a.get("page_publication")) or canonical_outlet(a.get("publication"))
        pkey = outlets.get(page_pub, UNKNOWN_OUTLET) if page_pub else UNKNOWN_OUTLET
        pub_source = a.get("page_publication_source") or ("masthead" if page_pub else "unknown")
        if pkey == UNKNOWN_OUTLET:
            pub_source = "unknown"
        pub_date = a.get("page_publication_date")
        pdkey = date_key(pub_date)
        first = credited[0] if credited else page_pub
        okey = outlets.get(first, UNKNOWN_OUTLET) if first else UNKNOWN_OUTLET
        dkey = date_key(a.get("news_date"))
        for column, role in REPORTER_ROLES:
            for pos, person in enumerate(dict.fromkeys(p for p in (a.get(column) or []) if p)):
                ar.append({"article_id": aid, "reporter_key": reporter_key(person), "role": role, "position": pos})
        body = a["body"]
        offset = len(headline) + 1
        body_mentions = [Mention(m.district_key, m.surface, m.start - offset, m.end - offset, m.level)
                         for m in mentions if m.start >= offset]
        body_starts = [m.start for m in body_mentions]
        body_ends = sentence_ends(body)
        body_values = {(m.value, m.unit) for m in per_field["body"]}
        n_metrics = 0
        for field in fields:
            for m in per_field[field]:
                if field != "body" and (m.value, m.unit) in body_values:
                    continue  # headline repeats a body quantity: count it once
                district = (nearest_district(body_mentions, body_starts, body, m.start, primary, body_ends)
                            if field == "body" else primary)
                fm.append({
                    "metric_id": _metric_id(aid, field, m.start), "article_id": aid, "date_key": dkey,
                    "district_key": district, "outlet_key": okey, "publication_outlet_key": pkey,
                    "publication_date_key": pdkey, "value": m.value, "value_high": m.value_high,
                    "unit": m.unit, "unit_printed": m.unit_printed, "unit_kind": m.unit_kind, "value_base": m.value_base, "base_unit": m.base_unit,
                    "qualifier": m.qualifier, "measure": m.measure, "surface": m.surface, "sentence": m.sentence,
                    "source_field": field, "start_offset": m.start, "end_offset": m.end,
                })
                n_metrics += 1
        title_body = (a.get("title") or "") + "\n" + body
        n_tokens, top_words = analyse(title_body, tokenizer=tokenizer)  # one tokenisation for both
        for rank, (word, weight) in enumerate(top_words, start=1):
            ak.append({"article_id": aid, "keyword": word, "weight": weight, "rank": rank})
        fa.append({
            "article_id": aid, "file_id": a["file_id"], "date_key": dkey, "outlet_key": okey,
            "district_key": primary, "publication_outlet_key": pkey, "publication_source": pub_source,
            "publication_date_key": pdkey, "publication_date": pub_date, "title": a["title"], "kicker": a.get("kicker"), "subtitle": a.get("subtitle"),
            "news_date": a.get("news_date"), "char_count": a["char_count"], "token_count": n_tokens,
            "metric_count": n_metrics, "district_count": len(agg), "reporter_count": len(a.get("reporters") or []),
            "continuation": a.get("continuation"), "pipeline_version": PIPELINE_VERSION,
        })
    rows = {"modeled.fact_articles": fa, "modeled.fact_metrics": fm, "modeled.article_districts": ad,
            "modeled.article_outlets": ao, "modeled.article_keywords": ak, "modeled.article_reporters": ar}
    return {t: pa.Table.from_pylist(rows[t], schema=contract.arrow_schema(t)) for t in FACT_TABLES}


FACT_BATCH = 512             # articles per unit of work (bounded memory)
PARALLEL_MIN_ARTICLES = 400  # below this, worker start-up costs more than it saves

_TODO_SQL = """
    SELECT a.*, p.publication_name AS page_publication, p.publication_source AS page_publication_source,
           p.publication_date AS page_publication_date
    FROM cleaned.articles a
    LEFT JOIN cleaned.pages p ON p.file_id = a.file_id
    LEFT JOIN modeled.fact_articles f ON f.article_id = a.article_id
    WHERE (f.article_id IS NULL OR f.pipeline_version <> $version OR $full)
      AND ($all OR a.file_id IN (SELECT file_id FROM raw.source_files WHERE path IN (SELECT unnest($paths::VARCHAR[]))))
"""

_worker: dict = {}


def resolve_workers(workers: int | None) -> int:
    """``None`` = every core (``os.cpu_count()``); anything below 1 means 1."""
    if workers is None:
        workers = os.cpu_count() or 1
    return max(1, int(workers))


def _facts_worker_init(outlets: dict[str, int]) -> None:
    init_jieba()
    _worker["outlets"] = outlets
    _worker["matcher"] = DistrictMatcher(load_districts())
    primary_district([])  # warm the parent map


def _facts_worker(articles: list[dict], outlets: dict[str, int]) -> dict[str, pa.Table]:
    if _worker.get("outlets") != outlets:  # a spawned (not forked) worker, or new outlets
        _facts_worker_init(outlets)
    return derive_facts(articles, _worker["outlets"], _worker["matcher"])


def build_facts(conn: duckdb.DuckDBPyConnection, full_refresh: bool = False, *,
                workers: int | None = None, batch_size: int = FACT_BATCH, paths: list[str] | None = None) -> ModelStats:
    """Derive facts for new/re-parsed articles, in batches, on ``workers`` processes.

    Articles are streamed from DuckDB ``batch_size`` at a time (memory does not
    grow with the corpus); with more than one worker and enough work, batches
    are derived by a process pool while the main process reads the next batch
    and writes finished ones. Each batch's rows of all five tables are one
    transaction.
    ``paths`` limits the work to the articles of those files (see
    :func:`etl.clean.build_cleaned`).
    """
    stats = ModelStats()
    params = {"version": PIPELINE_VERSION, "full": full_refresh, "all": paths is None, "paths": list(paths or [])}
    n_todo = conn.execute(f"SELECT count(*) FROM ({_TODO_SQL})", params).fetchone()[0]
    stats.articles_removed = conn.execute(
        "SELECT count(*) FROM modeled.fact_articles WHERE article_id NOT IN (SELECT article_id FROM cleaned.articles)"
    ).fetchone()[0]
    conn.execute(
        f"""CREATE OR REPLACE TEMP TABLE _facts_drop AS
            SELECT article_id FROM modeled.fact_articles WHERE article_id NOT IN (SELECT article_id FROM cleaned.articles)
            UNION SELECT article_id FROM ({_TODO_SQL})""", params)
    workers = resolve_workers(workers)
    parallel = workers > 1 and n_todo >= PARALLEL_MIN_ARTICLES
    outlets = outlet_keys(conn)
    pool = None
    if n_todo:
        _facts_worker_init(outlets)  # in the parent: forked workers inherit it
    if parallel:
        pool = start_pool(workers)
    reader = reader_cursor(conn)  # own snapshot: sees the committed state while we write
    try:
        batches = reader.execute(_TODO_SQL, params).to_arrow_reader(batch_size)
        with transaction(conn):
            for table in FACT_TABLES:
                delete_in(conn, table, "article_id", "SELECT article_id FROM _facts_drop")

            def write(_, tables: dict[str, pa.Table]) -> None:
                for table in FACT_TABLES:
                    insert_arrow(conn, table, tables[table])
                stats.articles_derived += tables["modeled.fact_articles"].num_rows
                stats.metrics_written += tables["modeled.fact_metrics"].num_rows
                stats.districts_written += tables["modeled.article_districts"].num_rows
                stats.keywords_written += tables["modeled.article_keywords"].num_rows
                commit_batch(conn)

            pipelined(((None, (batch.to_pylist(), outlets)) for batch in batches), _facts_worker, write, pool, workers)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        reader.close()
        conn.execute("DROP TABLE IF EXISTS _facts_drop")
    return stats
