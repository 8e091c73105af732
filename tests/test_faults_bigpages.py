"""Issue 17, fault 3: big pages run through the whole pipeline; issue 17's traditional-Chinese item end to end.

Unit depth (the sentence index and nearest-district lookup that replaced the
per-quantity scans, the linear surface check), then the shared end-to-end
scenario group ``bigpages`` of scripts/fault_scenarios.py
(scripts/fault_groups/bigpages.py) on smaller pages than the script's 15 MB.
No timing is asserted here: the measured bound and the 15 MB run are in
docs/big-pages.md and in ``scripts/fault_scenarios.py bigpages``.
"""

from __future__ import annotations

import bisect
import random
import re

import duckdb
import pytest

from etl import metrics as MT
from etl import model as M
from etl.districts import Mention
from tests.support.scripts import fault_scenarios

fs = fault_scenarios()

_END = re.compile(r"[。！？；!?;\n]")


def _old_bounds(text: str, pos: int) -> tuple[int, int]:
    """The former model._sentence_bounds (a scan from offset 0), the reference."""
    start = 0
    for m in _END.finditer(text, 0, pos):
        start = m.end()
    m = _END.search(text, pos)
    return start, (m.end() if m else len(text))


def _old_nearest(mentions, starts, text, pos, fallback):
    lo, hi = _old_bounds(text, pos)
    i = bisect.bisect_left(starts, lo)
    best, best_d = fallback, None
    while i < len(mentions) and mentions[i].start < hi:
        d = abs(mentions[i].start - pos)
        if best_d is None or d < best_d:
            best, best_d = mentions[i].district_key, d
        i += 1
    return best


def _old_metric_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    a = start
    while a > 0 and text[a - 1] not in MT._SENT_DELIMS:
        a -= 1
    b, n = end, len(text)
    while b < n and text[b] not in MT._SENT_DELIMS:
        b += 1
    if b < n and text[b] != "\n":
        b += 1
    return a, b


def test_sentence_index_matches_the_scans_it_replaced():
    rnd = random.Random(3)
    for _ in range(5000):
        n = rnd.randint(1, 30)
        text = "".join(rnd.choice("ab。\n！;x") for _ in range(n))
        pos = rnd.randint(0, n - 1)
        end = rnd.randint(pos, n)
        assert M._sentence_bounds(text, pos, M.sentence_ends(text)) == _old_bounds(text, pos)
        assert MT._sentence_bounds(text, pos, end, MT.sentence_ends(text)) == _old_metric_bounds(text, pos, end)
        starts = sorted(rnd.sample(range(n), min(rnd.randint(0, 6), n)))
        mentions = [Mention(rnd.randint(1, 3), "x", s, s + 1, "city") for s in starts]
        assert (M.nearest_district(mentions, starts, text, pos, -1, M.sentence_ends(text))
                == _old_nearest(mentions, starts, text, pos, -1))


def test_a_delimiterless_page_stores_bounded_sentences():
    text = "，".join(f"新增{i}个" for i in range(3000))  # one 'sentence' of ~20,000 chars
    found = MT.extract_metrics(text)
    assert len(found) == 3000
    for m in found:
        assert m.surface == text[m.start:m.end]
        assert m.surface in m.sentence and len(m.sentence) <= MT.MAX_SENTENCE_CHARS
        assert text[m.sentence_start:m.sentence_start + len(m.sentence)] == m.sentence


def _old_regions(text: str) -> list[tuple[int, int]]:
    """The former metrics._excluded_regions (an unbounded search for each opener's close), the reference."""
    regions = []
    for open_q, close_q, maxlen, forbid in MT.NAME_SPANS:
        i = 0
        while True:
            a = text.find(open_q, i)
            if a < 0:
                break
            b = text.find(close_q, a + 1)
            if b < 0:
                break
            inner = text[a + 1:b]
            if len(inner) <= maxlen and not any(c in inner for c in forbid):
                regions.append((a, b + 1))
                i = b + 1
            else:
                i = a + 1
    return sorted(regions)


def test_quote_regions_match_the_unbounded_search_they_replaced():
    rnd = random.Random(5)
    for _ in range(3000):
        text = "".join(rnd.choice("“”「」《》\"x。\n5个") if rnd.random() < 0.5 else "长" * rnd.randint(1, 25)
                       for _ in range(rnd.randint(1, 12)))
        assert MT._excluded_regions(text) == _old_regions(text), text
    text = "“" * 2000 + "新增5个" + "长" * 30 + "”"  # every opener's close is too far: no region
    assert [m.surface for m in MT.extract_metrics(text)] == ["5个"]


def _surface_check_sql() -> str:
    from assets.checks import SQL_CHECKS

    return next(c.sql for c in SQL_CHECKS if c.name == "surface_in_text")


def test_surface_check_finds_what_the_substr_check_found(built):
    """The chunked check counts exactly the rows the per-row substr check counted."""
    old = """SELECT count(*) FROM modeled.fact_metrics m JOIN cleaned.articles a USING (article_id)
             WHERE substr(CASE m.source_field WHEN 'body' THEN a.body WHEN 'title' THEN a.title
                               WHEN 'kicker' THEN a.kicker ELSE a.subtitle END,
                          m.start_offset + 1, m.end_offset - m.start_offset) IS DISTINCT FROM m.surface"""
    conn = duckdb.connect()
    conn.execute(f"ATTACH '{built.db_path}' AS w (READ_ONLY)")
    conn.execute("CREATE SCHEMA modeled; CREATE SCHEMA cleaned")
    conn.execute("CREATE TABLE cleaned.articles AS FROM w.cleaned.articles")
    conn.execute("CREATE TABLE modeled.fact_metrics AS FROM w.modeled.fact_metrics")
    new = _surface_check_sql()
    assert conn.execute(old).fetchone()[0] == conn.execute(new).fetchone()[0] == 0
    ids = [r[0] for r in conn.execute("SELECT metric_id FROM modeled.fact_metrics ORDER BY metric_id LIMIT 7").fetchall()]
    conn.execute("UPDATE modeled.fact_metrics SET surface = surface || 'x' WHERE metric_id = ?", [ids[0]])
    conn.execute("UPDATE modeled.fact_metrics SET start_offset = start_offset + 1, end_offset = end_offset + 1 "
                 "WHERE metric_id = ?", [ids[1]])
    conn.execute("UPDATE modeled.fact_metrics SET start_offset = 100000, end_offset = 100003 WHERE metric_id = ?",
                 [ids[2]])
    conn.execute("UPDATE modeled.fact_metrics SET source_field = 'kicker' WHERE metric_id = ?", [ids[3]])
    conn.execute("UPDATE modeled.fact_metrics SET end_offset = end_offset + 1 WHERE metric_id = ?", [ids[4]])
    # valid rows that straddle the 64-char chunks, one longer than a chunk
    for mid, (s, e) in zip(ids[5:], [(60, 70), (60, 200)]):
        conn.execute("UPDATE modeled.fact_metrics m SET start_offset = ?, end_offset = ?, "
                     "surface = (SELECT substr(body, ? + 1, ? - ?) FROM cleaned.articles a WHERE a.article_id = m.article_id) "
                     "WHERE metric_id = ?", [s, e, s, e, s, mid])
    assert conn.execute(old).fetchone()[0] == conn.execute(new).fetchone()[0] == 5


@pytest.mark.e2e
def test_bigpages_scenarios(tmp_path, monkeypatch):
    """The script's group on a 3 MB single-line page and 20,000 numbers: runs succeed, facts extracted."""
    monkeypatch.setenv("BIGPAGES_MB", "3")
    monkeypatch.setenv("BIGPAGES_NUMBERS", "20000")
    monkeypatch.setenv("BIGPAGES_TIME_LIMIT", "0")  # no timing in the test suite
    outcomes = fs.GROUPS["bigpages"](tmp_path)
    failed = [o for o in outcomes if o.failed]
    assert len(outcomes) == 3 and not failed, "\n" + fs.format_table(failed)
