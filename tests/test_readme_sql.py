"""Every SQL example with a result table, in the README and in the analyst guide, runs against the
seed warehouse and returns the table printed under it."""

from __future__ import annotations

import pytest

from tests.support.readme import GUIDE, examples, render


def test_readme_has_five_examples():
    assert len(examples()) >= 5


GUIDE_QUESTIONS = {
    # the three questions the analyst guide must answer in one short query each (issue 16)
    "articles per publication per day": ("publication_date", "publication"),
    "metrics in 万元 by district": ("unit_printed", "万元"),
    "articles per reporter": ("dim_reporter", "article_reporters"),
}


def test_analyst_guide_answers_the_three_questions():
    text = GUIDE.read_text(encoding="utf-8")
    sqls = [sql for sql, _h, _r in examples(GUIDE)]
    for question, needles in GUIDE_QUESTIONS.items():
        assert question in text.lower(), question
        hits = [s for s in sqls if all(n in s for n in needles)]
        assert hits, question
        assert min(len(s.splitlines()) for s in hits) <= 5, question  # short: a handful of lines


def test_guide_answers_are_the_seed_facts(db):
    """The guide's answers say what is true of the seed pages, not just whatever the query returns."""
    rows = {sql: (h, r) for sql, h, r in examples(GUIDE)}
    per_pub = next(v for s, v in rows.items() if "publication_date" in s and "articles_wide" in s)
    assert ["2024-11-29", "金胶州", "masthead", "5"] in per_pub[1]          # all five 金胶州 articles
    assert ["2024-12-18", "青岛晚报", "inferred_from_credits", "3"] in per_pub[1]
    assert sum(int(r[-1]) for r in per_pub[1]) == 26                       # every article has a row
    wan = next(v for s, v in rows.items() if "unit_printed" in s)
    assert ["胶莱街道", "1", "7000.0"] in [r[:3] for r in wan[1]]            # 7000余万元 (金椒贷), 胶莱街道
    per_reporter = next(v for s, v in rows.items() if "article_reporters" in s)
    assert ["刘慧", "1"] in per_reporter[1] or ["张晋", "2"] in per_reporter[1]


@pytest.mark.parametrize("sql,header,rows", examples() + examples(GUIDE),
                         ids=lambda x: x[:40] if isinstance(x, str) else "")
def test_readme_example(db, sql, header, rows):
    cur = db.execute(sql)
    assert [d[0] for d in cur.description] == header
    assert [[render(v) for v in r] for r in cur.fetchall()] == rows
