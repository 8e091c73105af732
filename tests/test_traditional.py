"""Issue 17: pages printed in traditional characters (Hong Kong, Taiwan, older reprints).

Places, units, numerals, outlets and the parser's keywords (記者, 本報訊, 攝)
match across both scripts through OpenCC's t2s table, applied character by
character to a copy of the text (etl.outlets.to_simplified); what is stored
stays as printed (bodies, surfaces), what is matched is simplified (district
keys, units, outlet names).
"""

from __future__ import annotations

import shutil

import duckdb
import opencc
import pytest

from etl.districts import find_mentions
from etl.metrics import extract_metrics
from etl.outlets import canonical_outlet, simplified_for_parsing, to_simplified
from etl.parse import parse_page
from tests.support.jobs import run_job
from tests.support.seeds import SEEDS

TRAD_PAGE = """# 膠州市215個小區全部成立黨組織

青島日報/觀海新聞記者 陳凱

本報訊 11月27日，膠州市全市符合條件的215個小區全部成立黨組織，帶動社區投入資金7000餘萬元。

（青島日報記者 王曉 攝）
"""
SIMPLE_PAGE = opencc.OpenCC("t2s").convert(TRAD_PAGE)


def test_conversion_keeps_length_and_leaves_simplified_text_alone():
    text = "膠州市新增215個項目，總投資7000餘萬元；「青島日報」報道。"
    simple = to_simplified(text)
    assert simple == "胶州市新增215个项目，总投资7000余万元；「青岛日报」报道。"
    assert len(simple) == len(text)
    seed = sorted(SEEDS.glob("*.txt"))[0].read_text(encoding="utf-8")
    assert to_simplified(seed) is seed            # a simplified page is not copied, let alone changed
    assert simplified_for_parsing(seed) == (seed, None)


def test_parsing_conversion_is_one_to_one_on_the_page():
    converted, inverse = simplified_for_parsing("記者 陳凱 發髮 记")
    assert converted == "記者 陈凯 發髮 记"          # 記 beside 记, 發 beside 髮: kept as printed
    assert converted.translate(inverse) == "記者 陳凱 發髮 记"


def test_places_units_numerals_and_outlets_match_across_scripts():
    assert [(m.district_key, m.surface, m.start, m.end) for m in find_mentions("在膠州市鋪集鎮")] == \
        [(370281, "胶州市", 1, 4), (370281105, "铺集镇", 4, 7)]
    text = "全市符合條件的215個小區，帶動投入資金7000餘萬元。"
    found = extract_metrics(text)
    assert [(m.surface, m.value, m.unit, m.unit_kind) for m in found] == \
        [("215個", 215.0, "个", "count"), ("7000餘萬元", 70_000_000.0, "元", "money")]
    assert found[1].qualifier == "余"
    assert all(m.surface == text[m.start:m.end] and m.sentence == text for m in found)
    assert canonical_outlet("青島日報") == "青岛日报"
    assert canonical_outlet("觀海新聞") == "观海新闻"
    assert canonical_outlet("青岛日报社") == "青岛日报"    # the reference aliases still apply


def test_credits_and_datelines_parse_on_a_traditional_page():
    trad, simple = parse_page(TRAD_PAGE), parse_page(SIMPLE_PAGE)
    assert len(trad.articles) == len(simple.articles) == 1
    t, s = trad.articles[0], simple.articles[0]
    assert t.outlets == ["青島日報", "觀海新聞"] and s.outlets == ["青岛日报", "观海新闻"]  # as printed
    assert t.reporters == ["陳凱"] and s.reporters == ["陈凯"]
    assert t.photographers == ["王曉"] and s.photographers == ["王晓"]
    assert (t.dateline_month, t.dateline_day) == (s.dateline_month, s.dateline_day) == (11, 27)
    assert t.title == "膠州市215個小區全部成立黨組織"
    assert "膠州市" in t.body and "7000餘萬元" in t.body and to_simplified(t.body) == s.body


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_seed_pages_in_traditional_parse_like_the_originals(seed):
    text = (SEEDS / seed).read_text(encoding="utf-8")
    trad = opencc.OpenCC("s2t").convert(text)
    a, b = parse_page(text), parse_page(trad)
    assert [(x.title, x.reporters, [canonical_outlet(o) for o in x.outlets], x.news_date, len(x.body))
            for x in a.articles] == \
        [(to_simplified(y.title), [to_simplified(r) for r in y.reporters], [canonical_outlet(o) for o in y.outlets],
          y.news_date, len(y.body)) for y in b.articles]


@pytest.mark.e2e
def test_traditional_page_end_to_end(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "trad.txt").write_text(TRAD_PAGE, encoding="utf-8")
    shutil.copy(sorted(SEEDS.glob("*.txt"))[0], seeds / "seed.txt")
    result = run_job(seeds, tmp_path / "wh")
    assert result.success
    with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as conn:
        fid = conn.execute("SELECT file_id FROM raw.source_files WHERE path = 'trad.txt'").fetchone()[0]
        aid, body = conn.execute("SELECT article_id, body FROM cleaned.articles WHERE file_id = ?", [fid]).fetchone()
        assert "膠州市" in body and "7000餘萬元" in body        # stored as printed
        places = conn.execute("SELECT d.district_name, x.is_primary FROM modeled.article_districts x "
                              "JOIN modeled.dim_district d USING (district_key) WHERE article_id = ?", [aid]).fetchall()
        assert ("胶州市", True) in places
        rows = conn.execute("SELECT surface, value, unit FROM modeled.fact_metrics WHERE article_id = ? "
                            "ORDER BY start_offset", [aid]).fetchall()
        assert ("215個", 215.0, "个") in rows and ("7000餘萬元", 70_000_000.0, "元") in rows
        outlets = conn.execute("SELECT o.outlet_name FROM modeled.article_outlets x JOIN modeled.dim_outlet o "
                               "USING (outlet_key) WHERE article_id = ? ORDER BY position", [aid]).fetchall()
        assert [r[0] for r in outlets] == ["青岛日报", "观海新闻"]
        primary = conn.execute("SELECT o.outlet_name FROM modeled.fact_articles f JOIN modeled.dim_outlet o "
                               "USING (outlet_key) WHERE article_id = ?", [aid]).fetchone()[0]
        assert primary == "青岛日报"
        names = [r[0] for r in conn.execute("SELECT outlet_name FROM modeled.dim_outlet").fetchall()]
        assert "青島日報" not in names and "觀海新聞" not in names and "金膠州" not in names
        assert names.count("青岛日报") == 1
