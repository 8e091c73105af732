"""Graph depth: the whole job on the five seed pages, with assertions on true facts."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date

import duckdb
import pyarrow.parquet as pq
import pytest

from etl.warehouse import MODELED_TABLES
from tests.support.jobs import run_job
from tests.support.seeds import SEEDS, copy_seeds
from tests.support.snapshots import snapshot

pytestmark = pytest.mark.e2e


def test_every_seed_file_is_ingested_by_content_hash(db):
    rows = db.execute("SELECT path, file_id, status, encoding FROM raw.source_files ORDER BY path").fetchall()
    assert [r[0] for r in rows] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for path, file_id, status, encoding in rows:
        assert file_id == hashlib.sha256((SEEDS / path).read_bytes()).hexdigest()
        assert (status, encoding) == ("ok", "utf-8")


def test_seed_001_article_title_and_date(db):
    rows = db.execute(
        """SELECT a.news_date, a.dateline_month, a.dateline_day, f.date_key
           FROM cleaned.articles a JOIN raw.source_files s USING (file_id)
           JOIN modeled.fact_articles f USING (article_id)
           WHERE s.path LIKE '001_%' AND a.title = '西海岸新质生产力中心启动运行'"""
    ).fetchall()
    assert rows == [(date(2024, 12, 18), 12, 18, 20241218)]


def test_seed_000_masthead_is_page_metadata_not_an_article(db):
    page = db.execute(
        """SELECT publication, page_date, issue_no, lunar_text, weekday FROM cleaned.pages p
           JOIN raw.source_files s USING (file_id) WHERE s.path LIKE '000_%'"""
    ).fetchone()
    assert page == ("金胶州", date(2024, 11, 29), 4466, "农历甲辰年十月廿九", "星期五")
    titles = [r[0] for r in db.execute("SELECT title FROM cleaned.articles").fetchall()]
    assert not any("金胶州" in t or "总第" in t for t in titles)
    # the dimension agrees with the lunar date the masthead prints
    assert db.execute("SELECT lunar_text FROM modeled.dim_date WHERE date_key = 20241129").fetchone()[0] == page[3]


def test_seed_000_quotes_63_percent_for_zhongyun_committee_rate(db):
    rows = db.execute(
        """SELECT m.value, m.unit, m.unit_kind, m.qualifier, m.measure, d.district_name, d.admin_code
           FROM modeled.fact_metrics m JOIN modeled.dim_district d USING (district_key)
           WHERE m.surface = '63%'"""
    ).fetchall()
    assert (63.0, "%", "percent", "达", "组建率", "中云街道", "370281002") in rows


def test_seed_000_jinjiaodai_loans(db):
    row = db.execute(
        """SELECT value, unit, qualifier, measure, value_base, base_unit FROM modeled.fact_metrics
           WHERE surface = '7000余万元'"""
    ).fetchone()
    assert row == (70_000_000.0, "元", "余", "金椒贷", 70_000_000.0, "元")


def test_years_and_ordinals_are_not_metrics(db):
    surfaces = {r[0] for r in db.execute("SELECT surface FROM modeled.fact_metrics").fetchall()}
    assert not surfaces & {"2024年", "2023年", "第105次", "4466", "105次"}


def test_outlets_resolve_and_credit_order_is_kept(db):
    rows = db.execute(
        """SELECT o.outlet_name, b.position FROM modeled.article_outlets b
           JOIN modeled.dim_outlet o USING (outlet_key) JOIN cleaned.articles a USING (article_id)
           WHERE a.title = '“党建引领”驱动小区治理新格局' ORDER BY b.position"""
    ).fetchall()
    assert rows == [("观海新闻", 0), ("青岛晚报", 1), ("掌上青岛", 2)]
    assert db.execute("SELECT parent_org, outlet_type FROM modeled.dim_outlet WHERE outlet_name = '青岛日报'"
                      ).fetchone() == ("青岛日报社", "newspaper")


def test_dim_district_holds_real_codes(db):
    codes = dict(db.execute("SELECT district_name, admin_code FROM modeled.dim_district "
                            "WHERE level = 'county'").fetchall())
    assert codes["市南区"] == "370202" and codes["胶州市"] == "370281" and len(codes) == 10
    assert db.execute("SELECT district_name FROM modeled.dim_district WHERE district_key = -1").fetchone() == ("未知",)


def test_exports_match_the_warehouse_with_proper_types(built, db):
    manifest = json.loads((built.exports_dir / "_manifest.json").read_text(encoding="utf-8"))
    assert sorted(t["table"] for t in manifest["tables"]) == sorted(MODELED_TABLES)
    for entry in manifest["tables"]:
        table = pq.read_table(built.exports_dir / entry["file"])
        assert table.num_rows == entry["rows"] == db.execute(f"SELECT count(*) FROM modeled.{entry['table']}").fetchone()[0]
        assert table.column_names == [c[0] for c in db.execute(f"DESCRIBE modeled.{entry['table']}").fetchall()]
    dim_date = pq.read_schema(built.exports_dir / "dim_date.parquet")
    assert str(dim_date.field("date").type) == "date32[day]"
    facts = pq.read_schema(built.exports_dir / "fact_articles.parquet")
    assert str(facts.field("news_date").type) == "date32[day]" and str(facts.field("district_key").type) == "int64"
    metrics = pq.read_schema(built.exports_dir / "fact_metrics.parquet")
    assert str(metrics.field("value").type) == "double"


def test_second_run_changes_nothing(tmp_path):
    seeds = copy_seeds(tmp_path / "seeds")
    assert run_job(seeds, tmp_path / "wh").success
    first = snapshot(tmp_path / "wh" / "warehouse.duckdb")
    assert run_job(seeds, tmp_path / "wh").success
    assert snapshot(tmp_path / "wh" / "warehouse.duckdb") == first


def test_add_change_remove_and_reject(tmp_path):
    seeds, wh = tmp_path / "seeds", tmp_path / "wh"
    seeds.mkdir()
    pages = sorted(SEEDS.glob("*.txt"))
    shutil.copy(pages[0], seeds / "a.txt")
    assert run_job(seeds, wh).success

    def articles_of(path: str) -> set[str]:
        with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as c:
            return {r[0] for r in c.execute(
                "SELECT title FROM cleaned.articles JOIN raw.source_files USING (file_id) WHERE path = ?", [path]
            ).fetchall()}

    before = articles_of("a.txt")
    assert "上合示范区党工委第105次会议召开" in before
    # add a page and a PNG renamed to .txt
    shutil.copy(pages[1], seeds / "b.txt")
    (seeds / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert run_job(seeds, wh).success
    assert "西海岸新质生产力中心启动运行" in articles_of("b.txt")
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as c:
        assert c.execute("SELECT status, error FROM raw.source_files WHERE path = 'broken.txt'").fetchone() == (
            "rejected", "not text: looks like PNG image data")
    # change a.txt: its rows are replaced, no orphans left behind
    (seeds / "a.txt").write_bytes(pages[4].read_bytes())
    assert run_job(seeds, wh).success
    after = articles_of("a.txt")
    assert "上合示范区党工委第105次会议召开" not in after and "青岛首单创新创业公司债券发行" in after
    # remove b.txt: retired with everything it produced
    (seeds / "b.txt").unlink()
    assert run_job(seeds, wh).success
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM raw.source_files WHERE path = 'b.txt'").fetchone()[0] == 0
        orphans = c.execute(
            """SELECT (SELECT count(*) FROM cleaned.articles WHERE file_id NOT IN (SELECT file_id FROM raw.source_files))
                    + (SELECT count(*) FROM modeled.fact_articles WHERE article_id NOT IN (SELECT article_id FROM cleaned.articles))
                    + (SELECT count(*) FROM modeled.fact_metrics WHERE article_id NOT IN (SELECT article_id FROM cleaned.articles))"""
        ).fetchone()[0]
        assert orphans == 0
        assert c.execute("SELECT count(*) FROM cleaned.articles WHERE title = '西海岸新质生产力中心启动运行'").fetchone()[0] == 0


# ------------------------------------------------------------------ issue 16: publications, dates, keys, reporters
def test_every_article_has_the_publication_of_its_page(db):
    pages = db.execute("SELECT r.path[:3], p.publication_name, p.publication_source FROM cleaned.pages p "
                       "JOIN raw.source_files r USING (file_id) ORDER BY 1").fetchall()
    assert pages == [("000", "金胶州", "masthead"),                       # 金胶州数字报 masthead
                     ("001", "青岛晚报", "inferred_from_credits"),        # (观海新闻/青岛晚报/掌上青岛 记者 …): the paper
                     ("002", "青岛日报", "inferred_from_credits"),        # □青岛日报/观海新闻记者 …
                     ("003", "青岛日报", "inferred_from_credits"),
                     ("004", "青岛日报", "inferred_from_credits")]
    assert db.execute("SELECT count(*), count(*) FILTER (WHERE publication_outlet_key = -1) "
                      "FROM modeled.fact_articles").fetchone() == (26, 0)
    # the eight articles with no byline credit (all of 金胶州's, three on seed 003) reach their paper too
    rows = db.execute("""SELECT o.outlet_name, count(*) FROM modeled.fact_articles f
                         JOIN modeled.dim_outlet o ON o.outlet_key = f.publication_outlet_key
                         WHERE f.article_id NOT IN (SELECT article_id FROM modeled.article_outlets)
                         GROUP BY ALL ORDER BY 1""").fetchall()
    assert rows == [("金胶州", 5), ("青岛日报", 3)]
    day = db.execute("SELECT articles, articles_credited, articles_published FROM marts.articles_by_outlet_day "
                     "WHERE outlet_name = '金胶州' ORDER BY date").fetchall()
    assert day == [(1, 0, 1), (1, 0, 1), (3, 0, 3)]


def test_publication_date_is_printed_or_inferred(db):
    pages = db.execute("SELECT r.path[:3], p.page_date, p.publication_date, p.publication_date_source "
                       "FROM cleaned.pages p JOIN raw.source_files r USING (file_id) ORDER BY 1").fetchall()
    assert pages == [("000", date(2024, 11, 29), date(2024, 11, 29), "printed"),
                     ("001", None, date(2024, 12, 18), "inferred_from_articles"),   # 本报12月18日讯 ×3
                     ("002", None, None, "unknown"),                                # 本报9月23日讯, no year
                     ("003", None, date(2024, 11, 10), "inferred_from_articles"),
                     ("004", None, date(2022, 11, 14), "inferred_from_articles")]
    # "which outlets published on 2024-11-29": all five 金胶州 articles (the news dates are 11-27, 11-28, 11-29 ×3)
    assert db.execute("""SELECT o.outlet_name, count(*) FROM modeled.fact_articles f
                         JOIN modeled.dim_outlet o ON o.outlet_key = f.publication_outlet_key
                         WHERE f.publication_date_key = 20241129 GROUP BY ALL""").fetchall() == [("金胶州", 5)]
    assert db.execute("SELECT count(*) FROM modeled.fact_metrics m JOIN modeled.fact_articles f USING (article_id) "
                      "WHERE m.publication_date_key <> f.publication_date_key "
                      "OR m.publication_outlet_key <> f.publication_outlet_key").fetchone() == (0,)


def test_every_surrogate_key_is_bigint_and_mart_sums_are_not_hugeint(db):
    keys = db.execute("SELECT schema_name || '.' || table_name || '.' || column_name, data_type FROM duckdb_columns() "
                      "WHERE schema_name IN ('modeled', 'marts') AND column_name LIKE '%\\_key' ESCAPE '\\'").fetchall()
    assert len(keys) > 20 and {t for _c, t in keys} == {"BIGINT"}, [k for k in keys if k[1] != "BIGINT"]
    assert db.execute("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' AND data_type = 'HUGEINT'"
                      ).fetchone() == (0,)


def test_primary_district_prefers_the_place_below_the_city(db):
    levels = dict(db.execute("SELECT d.level, count(*) FROM modeled.fact_articles f "
                             "JOIN modeled.dim_district d USING (district_key) GROUP BY ALL").fetchall())
    assert levels == {"city": 12, "county": 8, "functional_area": 4, "street": 1, "unknown": 1}  # city was 16
    rows = dict(db.execute("SELECT f.title, d.district_name FROM modeled.fact_articles f "
                           "JOIN modeled.dim_district d USING (district_key)").fetchall())
    assert rows["上合示范区出台高质量发展行动方案"] == "中国—上海合作组织地方经贸合作示范区"  # 上合 5 ×, 青岛 5 ×
    assert rows["“腾笼换鸟”后，这片“楼”颇富吸引力"] == "李沧区"                            # 李沧 4 ×, 青岛 7 ×
    assert rows["青岛人选全省首批“平安农机”示范市"] == "青岛市"                             # 莱西 2, 胶州 1, 铺集镇 1
    assert rows["青岛首单创新创业公司债券发行"] == "青岛市"                                   # names only 青岛


def test_reporter_dimension_and_bridge(db):
    from etl.model import reporter_key

    assert db.execute("SELECT reporter_key FROM modeled.dim_reporter WHERE reporter_name = '刘慧'"
                      ).fetchone() == (reporter_key("刘慧"),)
    roles = dict(db.execute("SELECT role, count(*) FROM modeled.article_reporters GROUP BY 1").fetchall())
    assert roles == {"reporter": 21, "correspondent": 4}
    assert db.execute("SELECT count(*) FROM modeled.article_reporters b LEFT JOIN modeled.dim_reporter r "
                      "USING (reporter_key) WHERE r.reporter_key IS NULL").fetchone() == (0,)
    zhang = db.execute("SELECT count(*) FROM modeled.article_reporters b JOIN modeled.dim_reporter r "
                       "USING (reporter_key) WHERE r.reporter_name = '张晋' AND b.role = 'reporter'").fetchone()
    assert zhang == (2,)  # 2024-11-10 (腾笼换鸟) and 2022-11-14 (平安农机)
    assert db.execute("SELECT sum(reporter_count)::BIGINT FROM modeled.fact_articles").fetchone() == (21,)


def test_printed_unit_beside_the_normalised_one(db):
    assert db.execute("SELECT value, unit, unit_printed FROM modeled.fact_metrics WHERE surface = '7000余万元'"
                      ).fetchone() == (70_000_000.0, "元", "万元")
    assert db.execute("SELECT count(*) FROM modeled.fact_metrics WHERE unit = '万元'").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM modeled.fact_metrics WHERE unit_printed = '万元'").fetchone() == (10,)


def test_hand_read_quantities_and_the_warehouse_differ_by_the_repeats(db):
    """README: the hand-read lists count 175 quantities, the warehouse holds 157: 13 headline figures the
    body repeats are stored once, from the body, 4 sit in paragraphs the page prints twice and 1 in a
    pull-out heading (callout) repeating the subtitle."""
    from etl.metrics import extract_metrics
    from tests.support.expected import EXPECTED

    assert [len(EXPECTED[p]["items"]) for p in sorted(EXPECTED)] == [21, 38, 46, 22, 48]
    assert db.execute("SELECT count(*) FROM modeled.fact_metrics").fetchone() == (157,)
    headline = sum(len(extract_metrics(t or "")) for row in db.execute(
        "SELECT kicker, title, subtitle FROM cleaned.articles").fetchall() for t in row)
    stored = db.execute("SELECT count(*) FROM modeled.fact_metrics WHERE source_field <> 'body'").fetchone()[0]
    def in_paragraphs(kind: str) -> int:
        return sum(len(extract_metrics(t)) for (t,) in db.execute(
            "SELECT text FROM cleaned.paragraphs WHERE kind = ?", [kind]).fetchall())

    assert (headline - stored, in_paragraphs("duplicate"), in_paragraphs("callout")) == (13, 4, 1)
    assert sum(len(EXPECTED[p]["items"]) for p in EXPECTED) == 157 + 13 + 4 + 1 == 175
