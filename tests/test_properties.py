"""Property-based tests (hypothesis) across the input path: decode → parse → numbers/metrics → ids.

- any Unicode string through the page parser and the number normaliser raises
  no exception (the *unguarded* implementations, so a swallowed bug still fails);
- ``surface`` is always the exact substring of the text it was found in;
- ``value_high >= value`` whenever it is set;
- parsing, extraction and decoding are deterministic;
- article ids are stable under re-runs (same bytes → same ids, whatever ran before).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from etl.clean import article_id, build_cleaned, pages_to_arrow
from etl.ingest import decode_bytes, sha256_hex
from etl.metrics import _extract, extract_metrics
from etl.numerals import parse_number
from etl.parse import _parse_page, parse_page
from etl.raw import SOURCE_FILES_SCHEMA
from etl.warehouse import ensure_schema, insert_arrow

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like a page: headings, bylines, datelines, numerals of every kind, odd line ends.
_PIECES = [
    "# ", "## ", "\n", "\r\n", "\r", "\n\n", "本报讯", "本报11月29日讯", "□记者 王晓 报道", "（记者 李明）",
    "２０２４年１１月２９日", "2024年11月29日", "农历甲辰年十月廿九", "星期五", "总第4466期", "青岛日报",
    "市南区", "中云街道", "胶州市", "215个小区", "7000余万元", "89.09%", "百分之三十", "一至两个", "两三个",
    "二十余个", "近300件", "1.5亿元", "３.５万平方米", "第105次", "（上接第一版）", "（下转第三版）", "——",
    "，", "。", "；", "、", "“", "”", "《", "》", "１２３", "零", "〇", "万", "亿", "余", "多", "近", "约", "至", "~",
    "-", ".", "．", "%", "％", "个", "元", "亩", "吨", "人次", "平方公里", "\t", " ", "\u3000", "\ufeff", "\x00",
]
page_like = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)
any_text = st.one_of(st.text(max_size=400), page_like)


# ------------------------------------------------------------------ page parser

@PROPS
@given(any_text)
def test_parser_never_raises_and_is_deterministic(text):
    first = _parse_page(text)           # unguarded: an exception here is a parser bug, not swallowed
    again = parse_page(text)
    key = lambda p: [(a.ordinal, a.kicker, a.title, a.subtitle, a.body, a.news_date, a.outlets, a.reporters)  # noqa: E731
                     for a in p.articles]
    assert key(first) == key(again)
    assert all(a.title for a in first.articles)


# ------------------------------------------------------------------ number normaliser and metrics

@PROPS
@given(any_text)
def test_parse_number_never_raises_and_orders_ranges(s):
    for candidate in (s, s.strip(), s[:12]):
        got = parse_number(candidate)
        assert got == parse_number(candidate)   # deterministic
        if got is not None:
            low, high = got
            assert isinstance(low, float)
            assert high is None or high >= low


@PROPS
@given(any_text)
def test_metrics_surface_is_a_substring_and_ranges_are_ordered(text):
    raw = _extract(text)                  # unguarded implementation
    ms = extract_metrics(text)
    assert [(m.start, m.end, m.value, m.value_high, m.unit) for m in ms] == \
        [(m.start, m.end, m.value, m.value_high, m.unit) for m in extract_metrics(text)]
    for m in raw + ms:
        assert m.surface and text[m.start:m.end] == m.surface and m.surface in text
        assert m.value_high is None or m.value_high >= m.value


@FEW
@given(page_like)
def test_metrics_of_parsed_articles_point_into_the_article_body(text):
    """Through the whole path: parse the page, extract from each body, every surface is in that body."""
    for a in parse_page(text).articles:
        for m in extract_metrics(a.body):
            assert a.body[m.start:m.end] == m.surface
            assert m.value_high is None or m.value_high >= m.value


# ------------------------------------------------------------------ decoding

@PROPS
@given(st.binary(max_size=600))
def test_decode_never_raises_and_gives_storable_text_or_a_reason(data):
    text, _encoding, error = decode_bytes(data)
    assert decode_bytes(data) == (text, _encoding, error)
    if text is None:
        assert error
    else:
        text.encode("utf-8")             # no lone surrogates: DuckDB/Arrow can store it
        assert text.strip()


def _encoding_of(data: bytes) -> str:
    return decode_bytes(data)[1] or ""


@PROPS
@given(st.text(min_size=1, max_size=300), st.sampled_from([
    ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
]))
def test_text_in_an_unambiguous_encoding_round_trips_or_is_rejected_with_a_reason(text, enc):
    codec, bom = enc
    assume(not text.startswith("\ufeff"))
    try:
        data = bom + text.encode(codec)
    except UnicodeEncodeError:            # lone surrogates cannot be written at all
        return
    assume(not any(data.startswith(m) for m in (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"{\\rtf", b"\x1f\x8b")))
    got, _, error = decode_bytes(data)
    if got is not None and "\x00" in text:
        # stray NULs are removed with a warning; NUL-dense bytes may read as UTF-16 ('0\x00' is also UTF-16LE '0');
        # either way no NUL is ever stored
        assert "\x00" not in got and (got == text.replace("\x00", "") and "NUL" in (error or "") or
                                       _encoding_of(data).startswith("utf-16"))
        return
    assert got == text or (got is None and error)


@PROPS
@given(page_like.filter(lambda t: t.strip()))
def test_a_chinese_page_in_gb18030_is_read_back_exactly(text):
    """Valid UTF-8 wins, so a very short GB18030 text can be ambiguous ('元' is D4 AA, also UTF-8 'Ԫ');
    from ten non-ASCII characters on, a page-like text always comes back exactly."""
    assume("\x00" not in text and sum(not c.isascii() for c in text) >= 10)
    got, enc, err = decode_bytes(text.encode("gb18030"))
    if got is not None:
        assert got == text and enc == "gb18030", (enc, err)
    else:
        assert err


# ------------------------------------------------------------------ article ids

@PROPS
@given(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), st.integers(0, 10_000),
       st.integers(0, 10_000))
def test_article_id_is_a_pure_function_of_file_and_ordinal(file_id, i, j):
    assert article_id(file_id, i) == article_id(file_id, i)
    assert (article_id(file_id, i) == article_id(file_id, j)) == (i == j)


_CONN: list[duckdb.DuckDBPyConnection] = []


def _empty_warehouse() -> duckdb.DuckDBPyConnection:
    """One in-memory warehouse for all examples (the DDL costs ~0.1 s), emptied before each use."""
    if not _CONN:
        conn = duckdb.connect()
        ensure_schema(conn)
        _CONN.append(conn)
    conn = _CONN[0]
    for table in ("raw.source_files", "cleaned.pages", "cleaned.articles", "cleaned.paragraphs"):
        conn.execute(f"DELETE FROM {table}")
    return conn


def _cleaned_ids(conn) -> list[tuple]:
    return conn.execute("SELECT article_id, file_id, ordinal, title FROM cleaned.articles ORDER BY ALL").fetchall()


@FEW
@given(st.lists(page_like.filter(lambda t: t.strip()), min_size=1, max_size=3))
def test_article_ids_are_stable_under_reruns(pages):
    """Built from scratch, rerun incrementally, fully refreshed, rebuilt after a wipe: the same ids."""
    rows = []
    for i, text in enumerate(pages):
        data = text.encode("utf-8")
        rows.append({"file_id": sha256_hex(data), "path": f"p{i}.txt", "size_bytes": len(data), "encoding": "utf-8",
                     "text": text, "ingested_at": datetime(2024, 11, 29), "status": "ok", "error": None,
                     "modified_at": None})
    conn = _empty_warehouse()
    insert_arrow(conn, "raw.source_files", pa.Table.from_pylist(rows, schema=SOURCE_FILES_SCHEMA))
    results = []
    build_cleaned(conn, workers=1)
    results.append(_cleaned_ids(conn))
    build_cleaned(conn, workers=1)                     # rerun: nothing to do, nothing changes
    results.append(_cleaned_ids(conn))
    build_cleaned(conn, workers=1, full_refresh=True)  # re-derive everything
    results.append(_cleaned_ids(conn))
    for table in ("cleaned.pages", "cleaned.articles", "cleaned.paragraphs"):
        conn.execute(f"DELETE FROM {table}")
    build_cleaned(conn, workers=1)                     # a fresh warehouse
    results.append(_cleaned_ids(conn))
    assert results[0] == results[1] == results[2] == results[3]
    # and they are what the pure derivation says
    parsed = {r["file_id"]: parse_page(r["text"]) for r in rows}
    _, arts, _ = pages_to_arrow(list(parsed), list(parsed.values()))
    assert sorted(arts.column("article_id").to_pylist()) == sorted(r[0] for r in results[0])
