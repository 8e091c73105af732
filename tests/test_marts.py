"""The marts views: documented, idempotent, in the published snapshot, and adding up to the facts."""

from __future__ import annotations

import duckdb

from etl.dictionary import undocumented_columns, undocumented_relations, view_names
from etl.export import MARTS_VIEWS, apply_marts
from etl.warehouse import schema_sql


def test_every_view_and_column_is_documented():
    assert sorted(view_names("marts")) == sorted(MARTS_VIEWS)
    assert undocumented_relations() == []
    assert [c for c in undocumented_columns() if c.startswith("marts.")] == []


def test_marts_sql_is_idempotent_on_an_empty_warehouse():
    conn = duckdb.connect()
    conn.execute(schema_sql())
    apply_marts(conn)
    apply_marts(conn)
    for v in MARTS_VIEWS:
        assert conn.execute(f"SELECT count(*) FROM marts.{v}").fetchone() == (0,)
    # comments survive CREATE OR REPLACE because they are re-applied with the view
    assert conn.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'marts' AND comment IS NULL"
                        ).fetchone() == (0,)


def test_published_snapshot_has_the_marts_views(db):
    views = {r[0] for r in db.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'").fetchall()}
    assert views == set(MARTS_VIEWS), (
        "warehouse.duckdb (the published snapshot analysts open) lacks the marts views: the snapshot is copied "
        "before the exports step creates them; etl.warehouse.ensure_schema must also run etl/sql/marts.sql")


def test_district_closure(db):
    # every district reaches itself at depth 0 exactly once
    assert db.execute("""SELECT count(*) FROM modeled.dim_district d LEFT JOIN marts.district_ancestors a
                         ON a.descendant_key = d.district_key AND a.depth = 0
                         WHERE a.ancestor_key IS DISTINCT FROM d.district_key""").fetchone() == (0,)
    # every unit except the city itself and 'unknown' rolls up to 青岛市
    assert db.execute("""SELECT count(*) FROM modeled.dim_district d WHERE d.level NOT IN ('city', 'unknown')
                         AND NOT EXISTS (SELECT 1 FROM marts.district_ancestors a WHERE a.descendant_key = d.district_key
                                         AND a.ancestor_name = '青岛市')""").fetchone() == (0,)

    def chain(name: str) -> list[str]:
        return [r[0] for r in db.execute(
            """SELECT a.ancestor_name FROM marts.district_ancestors a JOIN modeled.dim_district d
               ON d.district_key = a.descendant_key WHERE d.district_name = ? ORDER BY a.depth""", [name]).fetchall()]

    assert chain("中云街道") == ["中云街道", "胶州市", "青岛市"]
    assert chain("中国—上海合作组织地方经贸合作示范区") == ["中国—上海合作组织地方经贸合作示范区", "胶州市", "青岛市"]
    assert chain("未知") == ["未知"]


def test_metric_rollup_adds_up(db):
    # a district's metrics = the metrics attributed directly to it or to any unit under it
    bad = db.execute(
        """WITH direct AS (SELECT a.ancestor_key, m.year, m.month, m.unit_kind, m.base_unit, sum(m.metrics_direct) AS n
                           FROM marts.metrics_by_district_month m
                           JOIN marts.district_ancestors a ON a.descendant_key = m.district_key
                           GROUP BY ALL)
           SELECT count(*) FROM marts.metrics_by_district_month r
           LEFT JOIN direct d ON d.ancestor_key = r.district_key AND d.unit_kind = r.unit_kind
                AND d.base_unit IS NOT DISTINCT FROM r.base_unit
                AND d.year IS NOT DISTINCT FROM r.year AND d.month IS NOT DISTINCT FROM r.month
           WHERE d.n IS DISTINCT FROM r.metrics""").fetchone()[0]
    assert bad == 0
    total = db.execute("SELECT count(*) FROM modeled.fact_metrics WHERE district_key <> -1").fetchone()[0]
    assert db.execute("SELECT sum(metrics) FROM marts.metrics_by_district_month WHERE level = 'city'"
                      ).fetchone()[0] == total
    # 胶州市 includes 中云街道 (street) and whatever sits under it
    jz, zy = (db.execute("SELECT sum(metrics) FROM marts.metrics_by_district_month WHERE district_name = ?", [n]
                         ).fetchone()[0] for n in ("胶州市", "中云街道"))
    assert zy == 11 and jz > zy
    assert db.execute("SELECT count(*) FROM marts.metrics_by_district_month WHERE unit_kind = 'percent' "
                      "AND value_base_sum IS NOT NULL").fetchone() == (0,)


def test_article_views_add_up(db):
    articles = db.execute("SELECT count(*) FROM modeled.fact_articles").fetchone()[0]
    placed = db.execute("SELECT count(*) FROM modeled.fact_articles WHERE district_key <> -1").fetchone()[0]
    assert db.execute("SELECT sum(articles) FROM marts.articles_by_outlet_day").fetchone()[0] == articles
    assert db.execute("SELECT sum(articles_published) FROM marts.articles_by_outlet_day").fetchone()[0] == articles
    assert db.execute("SELECT sum(articles_credited) FROM marts.articles_by_outlet_day").fetchone()[0] == \
        db.execute("SELECT count(*) FROM modeled.article_outlets").fetchone()[0]
    assert db.execute("SELECT sum(articles) FROM marts.articles_by_district_month WHERE level = 'city'"
                      ).fetchone()[0] == placed
    assert db.execute("SELECT sum(articles) FROM marts.articles_by_district_month WHERE level = 'unknown'"
                      ).fetchone()[0] == articles - placed
    # per month, a county never has more articles than the city
    assert db.execute(
        """SELECT count(*) FROM marts.articles_by_district_month c JOIN marts.articles_by_district_month q
           ON q.level = 'city' AND q.year IS NOT DISTINCT FROM c.year AND q.month IS NOT DISTINCT FROM c.month
           WHERE c.level = 'county' AND (c.articles > q.articles OR c.articles_mentioning > q.articles_mentioning)"""
    ).fetchone() == (0,)


def test_keyword_ranks(db):
    assert db.execute(
        """SELECT count(*) FROM (SELECT year, month, district_key, min(keyword_rank) AS lo, max(keyword_rank) AS hi,
                                        count(*) AS n, count(DISTINCT keyword_rank) AS d
                                 FROM marts.top_keywords_by_district_month GROUP BY ALL)
           WHERE lo <> 1 OR hi <> n OR d <> n""").fetchone() == (0,)


def test_wide_views(db):
    assert db.execute("SELECT count(*) FROM marts.articles_wide").fetchone() == \
        db.execute("SELECT count(*) FROM modeled.fact_articles").fetchone()
    assert db.execute("SELECT count(*) FROM marts.metrics_wide").fetchone() == \
        db.execute("SELECT count(*) FROM modeled.fact_metrics").fetchone()
    row = db.execute("SELECT outlets, reporters, outlet_name, district_name, news_date::VARCHAR FROM marts.articles_wide "
                     "WHERE title = '西海岸新质生产力中心启动运行'").fetchone()
    assert row == ("观海新闻/青岛晚报/掌上青岛", "栾丕炜", "观海新闻", "青岛西海岸新区", "2024-12-18")
    row = db.execute("SELECT publication, publication_source, publication_date::VARCHAR FROM marts.articles_wide "
                     "WHERE title = '西海岸新质生产力中心启动运行'").fetchone()
    assert row == ("青岛晚报", "inferred_from_credits", "2024-12-18")
    assert db.execute("SELECT unit_printed, publication FROM marts.metrics_wide WHERE surface = '7000余万元'"
                      ).fetchone() == ("万元", "金胶州")
    # no list columns: every column of every view is a scalar a BI tool can read
    assert db.execute("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' "
                      "AND (data_type LIKE '%[]' OR data_type LIKE 'MAP%' OR data_type LIKE 'STRUCT%')").fetchone() == (0,)
