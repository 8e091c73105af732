"""cleaned layer: cut every ok page into articles and paragraphs.

Incremental: only pages (file_ids) that are new, or whose rows were produced
by an older ``PIPELINE_VERSION``, are parsed; pages whose source is gone are
removed. Pages are keyed by file_id, so identical bytes under two names are
parsed once and never double the facts.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from etl.config import PIPELINE_VERSION
from etl.parse import ParsedPage, parse_page
from etl.warehouse import delete_keys, insert_arrow

CLEANED_TABLES = ("cleaned.pages", "cleaned.articles", "cleaned.paragraphs")


@dataclass
class CleanStats:
    pages_parsed: int = 0
    pages_removed: int = 0
    articles_written: int = 0
    paragraphs_written: int = 0
    line_classes: dict[str, dict[str, int]] = field(default_factory=dict)  # path -> class -> lines


def article_id(file_id: str, ordinal: int) -> str:
    return hashlib.sha256(f"{file_id}:{ordinal}".encode()).hexdigest()[:16]


def parse_many(texts: list[str], workers: int = 1) -> list[ParsedPage]:
    if workers <= 1 or len(texts) < 8:
        return [parse_page(t) for t in texts]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(parse_page, texts, chunksize=4))


def pages_to_arrow(file_ids: list[str], pages: list[ParsedPage]) -> tuple[pa.Table, pa.Table, pa.Table]:
    page_rows, art_rows, para_rows = [], [], []
    for fid, page in zip(file_ids, pages):
        m = page.meta
        page_rows.append({
            "file_id": fid, "publication": m.publication, "page_date": m.page_date,
            "issue_no": m.issue_no, "lunar_text": m.lunar_text, "weekday": m.weekday, "url": m.url,
            "furniture": [p.text for p in page.furniture],
            "article_count": len(page.articles),
            "line_classes": list(page.line_classes.items()),
            "pipeline_version": PIPELINE_VERSION,
        })
        for a in page.articles:
            aid = article_id(fid, a.ordinal)
            art_rows.append({
                "article_id": aid, "file_id": fid, "ordinal": a.ordinal,
                "kicker": a.kicker, "title": a.title, "subtitle": a.subtitle,
                "title_source": getattr(a, "title_source", "heading"),
                "news_date": a.news_date, "news_year": getattr(a, "news_year", None),
                "date_confidence": a.date_confidence,
                "dateline_month": a.dateline_month, "dateline_day": a.dateline_day,
                "outlets": list(a.outlets), "reporters": list(a.reporters),
                "correspondents": list(a.correspondents),
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
    pages_schema = pa.schema([
        ("file_id", pa.string()), ("publication", pa.string()), ("page_date", pa.date32()),
        ("issue_no", pa.int32()), ("lunar_text", pa.string()), ("weekday", pa.string()),
        ("url", pa.string()), ("furniture", pa.list_(pa.string())), ("article_count", pa.int32()),
        ("line_classes", pa.map_(pa.string(), pa.int32())), ("pipeline_version", pa.string()),
    ])
    art_schema = pa.schema([
        ("article_id", pa.string()), ("file_id", pa.string()), ("ordinal", pa.int32()),
        ("kicker", pa.string()), ("title", pa.string()), ("subtitle", pa.string()),
        ("title_source", pa.string()), ("news_date", pa.date32()), ("news_year", pa.int32()),
        ("date_confidence", pa.string()),
        ("dateline_month", pa.int32()), ("dateline_day", pa.int32()),
        ("outlets", pa.list_(pa.string())), ("reporters", pa.list_(pa.string())),
        ("correspondents", pa.list_(pa.string())), ("body", pa.string()), ("char_count", pa.int32()),
        ("captions", pa.list_(pa.string())), ("continuation", pa.string()),
        ("publication", pa.string()), ("pipeline_version", pa.string()),
    ])
    para_schema = pa.schema([
        ("paragraph_id", pa.string()), ("article_id", pa.string()), ("file_id", pa.string()),
        ("ordinal", pa.int32()), ("kind", pa.string()), ("text", pa.string()),
        ("source_lines", pa.list_(pa.int32())),
    ])
    return (pa.Table.from_pylist(page_rows, schema=pages_schema),
            pa.Table.from_pylist(art_rows, schema=art_schema),
            pa.Table.from_pylist(para_rows, schema=para_schema))


def build_cleaned(conn: duckdb.DuckDBPyConnection, workers: int = 1, full_refresh: bool = False) -> CleanStats:
    stats = CleanStats()
    wanted = conn.execute(
        "SELECT file_id, any_value(text), min(path) FROM raw.source_files WHERE status = 'ok' GROUP BY file_id ORDER BY file_id"
    ).fetchall()
    done = dict(conn.execute("SELECT file_id, pipeline_version FROM cleaned.pages").fetchall())
    wanted_ids = {r[0] for r in wanted}
    todo = [r for r in wanted if full_refresh or done.get(r[0]) != PIPELINE_VERSION]
    stale = sorted(set(done) - wanted_ids)
    pages = parse_many([r[1] for r in todo], workers=workers)
    file_ids = [r[0] for r in todo]
    page_tbl, art_tbl, para_tbl = pages_to_arrow(file_ids, pages)
    for (fid, _text, path), page in zip(todo, pages):
        stats.line_classes[path] = dict(page.line_classes)
    drop = stale + file_ids
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in CLEANED_TABLES:
            delete_keys(conn, table, "file_id", drop)
        insert_arrow(conn, "cleaned.pages", page_tbl)
        stats.articles_written = insert_arrow(conn, "cleaned.articles", art_tbl)
        stats.paragraphs_written = insert_arrow(conn, "cleaned.paragraphs", para_tbl)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    stats.pages_parsed = len(todo)
    stats.pages_removed = len(stale)
    return stats
