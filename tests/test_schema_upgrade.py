"""A warehouse made by an older build is brought up to today's DDL when a run opens it."""

from __future__ import annotations

import re

import duckdb

from etl.warehouse import ensure_schema, schema_sql


def _older_build(path) -> duckdb.DuckDBPyConnection:
    """The DDL of the build before BIGINT keys and publication columns: date/outlet keys INTEGER,
    no fact_articles.publication_outlet_key."""
    sql = re.sub(r"^(\s+(?:date|outlet)_key\s+)BIGINT", r"\1INTEGER", schema_sql(), flags=re.M)
    sql = sql.replace("    publication_outlet_key BIGINT NOT NULL,\n    publication_source", "    publication_source", 1)
    sql = "\n".join(line for line in sql.splitlines() if "fact_articles.publication_outlet_key" not in line)
    conn = duckdb.connect(str(path))
    conn.execute(sql)
    return conn


def test_integer_keys_of_an_older_build_become_bigint_and_dimension_rows_are_kept(tmp_path):
    conn = _older_build(tmp_path / "old.duckdb")
    assert conn.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = 'dim_outlet' "
                        "AND column_name = 'outlet_key'").fetchone() == ("INTEGER",)
    conn.execute("INSERT INTO modeled.dim_outlet VALUES (1, '青岛日报', '青岛日报社', 'newspaper', '青岛', true)")
    conn.execute("INSERT INTO modeled.fact_articles (article_id, file_id, date_key, outlet_key, district_key, "
                 "publication_source, publication_date_key, title, char_count, token_count, metric_count, "
                 "district_count, reporter_count, pipeline_version) "
                 "VALUES ('a1', 'f1', 20241129, 1, 3702, 'masthead', 20241129, '标题', 1, 1, 0, 0, 0, 'old')")

    ensure_schema(conn)

    types = dict(conn.execute(
        "SELECT table_name || '.' || column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = 'modeled' AND column_name LIKE '%\\_key' ESCAPE '\\'").fetchall())
    assert set(types.values()) == {"BIGINT"}, types
    assert conn.execute("SELECT outlet_key, outlet_name FROM modeled.dim_outlet").fetchall() == [(1, "青岛日报")]
    # the old fact row lacks the publication key the DDL requires: left out, its article is re-derived
    assert conn.execute("SELECT count(*) FROM modeled.fact_articles").fetchone() == (0,)
    # the primary key and the comments are today's
    assert conn.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'fact_articles' "
                        "AND column_name = 'publication_outlet_key'").fetchone()[0].startswith("dim_outlet key")
    conn.execute("INSERT INTO modeled.dim_outlet (outlet_key, outlet_name) VALUES (2, 'x')")
    try:
        conn.execute("INSERT INTO modeled.dim_outlet (outlet_key, outlet_name) VALUES (2, 'y')")
        raise AssertionError("duplicate key accepted")
    except duckdb.ConstraintException:
        pass
    # a second open changes nothing
    ensure_schema(conn)
    assert conn.execute("SELECT count(*) FROM modeled.dim_outlet").fetchone() == (2,)
    conn.close()
