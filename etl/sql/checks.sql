-- Asset checks: one named query per check, each counting the rows that violate it (0 = pass).
-- A query is named <schema>.<table>.<check>: the asset it checks and the check's name.
-- assets/checks.py turns them into Dagster checks (description, severity, blocking, limits);
-- etl.contract.check_queries() reads this file.

-- name: raw.source_files.status_and_reason
SELECT count(*) FROM raw.source_files WHERE status NOT IN ('ok','rejected')
    OR (status = 'rejected' AND coalesce(error, '') = '');

-- name: cleaned.articles.has_title
SELECT count(*) FROM cleaned.articles WHERE coalesce(trim(title), '') = '';

-- name: cleaned.articles.dated_or_flagged
SELECT count(*) FROM cleaned.articles WHERE news_date IS NULL
    AND coalesce(date_confidence, '') NOT IN ('unknown', 'text_year');

-- name: cleaned.articles.year_known
SELECT count(*) FROM cleaned.articles WHERE news_date IS NULL;

-- name: cleaned.articles.year_known.total
-- the population of the measured check above
SELECT count(*) FROM cleaned.articles;

-- name: modeled.fact_articles.keys_resolve
SELECT count(*) FROM modeled.fact_articles f
LEFT JOIN modeled.dim_date d USING (date_key)
LEFT JOIN modeled.dim_outlet o USING (outlet_key)
LEFT JOIN modeled.dim_district x USING (district_key)
LEFT JOIN modeled.dim_outlet po ON po.outlet_key = f.publication_outlet_key
LEFT JOIN modeled.dim_date pd ON pd.date_key = f.publication_date_key
WHERE d.date_key IS NULL OR o.outlet_key IS NULL OR x.district_key IS NULL
   OR po.outlet_key IS NULL OR pd.date_key IS NULL;

-- name: modeled.fact_metrics.keys_resolve
SELECT count(*) FROM modeled.fact_metrics m
LEFT JOIN modeled.fact_articles a USING (article_id)
LEFT JOIN modeled.dim_date d ON d.date_key = m.date_key
LEFT JOIN modeled.dim_outlet o ON o.outlet_key = m.outlet_key
LEFT JOIN modeled.dim_district x ON x.district_key = m.district_key
LEFT JOIN modeled.dim_outlet po ON po.outlet_key = m.publication_outlet_key
LEFT JOIN modeled.dim_date pd ON pd.date_key = m.publication_date_key
WHERE a.article_id IS NULL OR d.date_key IS NULL OR o.outlet_key IS NULL OR x.district_key IS NULL
   OR po.outlet_key IS NULL OR pd.date_key IS NULL;

-- name: modeled.fact_metrics.surface_in_text
-- Linear in the text: substr(body, offset) walks the UTF-8 body from its start, so one substr per
-- quantity was O(quantities x body) (8 minutes on a 15 MB page). Each field a quantity points into
-- is cut once into 64-char chunks; a quantity is compared with the chunk(s) its offsets fall in,
-- found by an equi-join on the chunk number (docs/big-pages.md).
WITH m AS (
    SELECT row_number() OVER () AS rid, article_id, source_field, start_offset AS s,
           end_offset AS e, surface
    FROM modeled.fact_metrics SEMI JOIN cleaned.articles USING (article_id)
), need AS (
    SELECT rid, article_id, source_field, s, e, surface,
           unnest(range(s // 64, greatest(e - 1, s) // 64 + 1)) AS k
    FROM m
), fields AS (
    SELECT a.article_id, f.source_field,
           regexp_extract_all(CASE f.source_field WHEN 'body' THEN a.body WHEN 'title' THEN a.title
                              WHEN 'kicker' THEN a.kicker ELSE a.subtitle END, '(?s).{1,64}') AS parts
    FROM cleaned.articles a JOIN (SELECT DISTINCT article_id, source_field FROM m) f USING (article_id)
), chunks AS (
    SELECT article_id, source_field, unnest(parts) AS chunk, unnest(range(len(parts))) AS k FROM fields
), got AS (
    SELECT n.rid, any_value(n.s) AS s, any_value(n.e) AS e, any_value(n.surface) AS surface,
           string_agg(c.chunk, '' ORDER BY n.k) AS piece
    FROM need n LEFT JOIN chunks c USING (article_id, source_field, k)
    GROUP BY n.rid
)
SELECT count(*) FROM got WHERE substr(piece, s % 64 + 1, e - s) IS DISTINCT FROM surface;

-- name: modeled.fact_metrics.values_sane
SELECT count(*) FROM modeled.fact_metrics WHERE value < 0
    OR (value_high IS NOT NULL AND value_high < value)
    OR (unit_kind = 'percent' AND value > 100
        AND NOT regexp_matches(coalesce(sentence, ''), '增|涨|降|提高|提升|同比|环比'));

-- name: modeled.article_districts.keys_resolve
SELECT count(*) FROM modeled.article_districts a LEFT JOIN modeled.dim_district d USING (district_key)
WHERE d.district_key IS NULL;

-- name: modeled.article_reporters.keys_resolve
SELECT count(*) FROM modeled.article_reporters b
LEFT JOIN modeled.dim_reporter r USING (reporter_key)
LEFT JOIN modeled.fact_articles a USING (article_id)
WHERE r.reporter_key IS NULL OR a.article_id IS NULL;

-- name: unique_key
-- template of the key-uniqueness checks, one per table: assets/checks.py fills in the table and its
-- PRIMARY KEY columns (etl/sql/schema.sql)
SELECT count(*) FROM (SELECT {columns} FROM {table} GROUP BY ALL HAVING count(*) > 1);
