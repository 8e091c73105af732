-- Analyst views (schema marts): the common questions as one short query each.
-- Views only: no data is copied, so they are always as fresh as the modeled
-- tables they read and cost nothing to (re)create. The statements are
-- idempotent (CREATE OR REPLACE) and re-applied on every build; the comments
-- below are the source of the marts part of docs/data-dictionary.md.
--
-- Conventions shared by every view:
--   * year/month are NULL for facts whose date is unknown (date_key -1);
--     month_start is the first day of the month (NULL when unknown).
--   * District roll-up: a fact attributed to a community also counts for its
--     street, its county-level unit and the city (青岛市); functional areas
--     (上合示范区, 西海岸新区, …) count for the county they are parented to.
--     Filter on one district_key/district_name to get that unit including
--     everything under it; never sum across levels (that double counts).
--   * Every key is BIGINT; counts are BIGINT. DuckDB returns sum() of any
--     integer column as HUGEINT (128-bit, which pandas turns into float):
--     write sum(articles)::BIGINT when adding up a view's counts.
--   * Two dates: date_key/news_date is the date of the news, publication_date
--     the issue date of the page (printed or inferred, see cleaned.pages).
CREATE SCHEMA IF NOT EXISTS marts;

------------------------------------------------------------------ district hierarchy
CREATE OR REPLACE VIEW marts.district_ancestors AS
WITH RECURSIVE up(descendant_key, ancestor_key, depth) AS (
    SELECT district_key, district_key, 0 FROM modeled.dim_district
    UNION ALL
    SELECT up.descendant_key, d.parent_district_key, up.depth + 1
    FROM up JOIN modeled.dim_district d ON d.district_key = up.ancestor_key
    WHERE d.parent_district_key IS NOT NULL AND up.depth < 8
)
SELECT up.descendant_key,
       s.district_name AS descendant_name,
       s.level         AS descendant_level,
       up.ancestor_key,
       a.district_name AS ancestor_name,
       a.short_name    AS ancestor_short_name,
       a.level         AS ancestor_level,
       up.depth
FROM up
JOIN modeled.dim_district s ON s.district_key = up.descendant_key
JOIN modeled.dim_district a ON a.district_key = up.ancestor_key;
COMMENT ON VIEW marts.district_ancestors IS 'Closure of the district hierarchy: one row per (district, ancestor) pair, including the district itself at depth 0 (community → street → county → 青岛市; functional areas → their county or the city). Join a fact''s district_key to descendant_key and filter on ancestor_name to roll it up.';
COMMENT ON COLUMN marts.district_ancestors.descendant_key IS 'district_key of the unit a fact is attributed to (modeled.dim_district).';
COMMENT ON COLUMN marts.district_ancestors.descendant_name IS 'district_name of descendant_key.';
COMMENT ON COLUMN marts.district_ancestors.descendant_level IS 'level of descendant_key (city, county, street, community, functional_area, unknown).';
COMMENT ON COLUMN marts.district_ancestors.ancestor_key IS 'district_key of the unit itself (depth 0) or of a unit above it.';
COMMENT ON COLUMN marts.district_ancestors.ancestor_name IS 'district_name of ancestor_key (胶州市, 中云街道, …).';
COMMENT ON COLUMN marts.district_ancestors.ancestor_short_name IS 'short_name of ancestor_key (胶州, 上合示范区, …).';
COMMENT ON COLUMN marts.district_ancestors.ancestor_level IS 'level of ancestor_key.';
COMMENT ON COLUMN marts.district_ancestors.depth IS 'Steps from descendant up to ancestor: 0 = itself, 1 = parent, 2 = grandparent, ….';

------------------------------------------------------------------ metrics by district and month
CREATE OR REPLACE VIEW marts.metrics_by_district_month AS
SELECT dd.year,
       dd.month,
       make_date(dd.year, dd.month, 1) AS month_start,
       a.ancestor_key                   AS district_key,
       a.ancestor_name                  AS district_name,
       a.ancestor_level                 AS level,
       d.parent_district_key,
       d.county_name,
       m.unit_kind,
       m.base_unit,
       count(*)                                 AS metrics,
       count(*) FILTER (WHERE a.depth = 0)      AS metrics_direct,
       count(DISTINCT m.article_id)             AS articles,
       sum(m.value_base) FILTER (WHERE m.unit_kind <> 'percent') AS value_base_sum
FROM modeled.fact_metrics m
JOIN modeled.dim_date dd ON dd.date_key = m.date_key
JOIN marts.district_ancestors a ON a.descendant_key = m.district_key
JOIN modeled.dim_district d ON d.district_key = a.ancestor_key
GROUP BY ALL;
COMMENT ON VIEW marts.metrics_by_district_month IS 'Quantities per district, month and unit, rolled up through the district hierarchy: the row for 胶州市 counts the metrics attributed to 胶州市 and to every street, community and functional area under it. Grain: year × month × district × unit_kind × base_unit.';
COMMENT ON COLUMN marts.metrics_by_district_month.year IS 'Year of the article date; NULL when unknown.';
COMMENT ON COLUMN marts.metrics_by_district_month.month IS 'Month 1-12 of the article date; NULL when unknown.';
COMMENT ON COLUMN marts.metrics_by_district_month.month_start IS 'First day of the month (for BI date axes); NULL when unknown.';
COMMENT ON COLUMN marts.metrics_by_district_month.district_key IS 'The district the row rolls up to (modeled.dim_district).';
COMMENT ON COLUMN marts.metrics_by_district_month.district_name IS 'Official name of district_key.';
COMMENT ON COLUMN marts.metrics_by_district_month.level IS 'level of district_key: city, county, street, community, functional_area or unknown.';
COMMENT ON COLUMN marts.metrics_by_district_month.parent_district_key IS 'Parent of district_key (NULL for the city and the unknown member).';
COMMENT ON COLUMN marts.metrics_by_district_month.county_name IS 'County-level unit district_key belongs to (NULL for the city).';
COMMENT ON COLUMN marts.metrics_by_district_month.unit_kind IS 'count, money, percent, area, weight, length, duration, volume, other (fact_metrics.unit_kind).';
COMMENT ON COLUMN marts.metrics_by_district_month.base_unit IS 'Unit of value_base_sum (元, 平方米, 个, 件 …); only values in the same base unit are summed.';
COMMENT ON COLUMN marts.metrics_by_district_month.metrics IS 'Metrics attributed to district_key or to any unit under it.';
COMMENT ON COLUMN marts.metrics_by_district_month.metrics_direct IS 'Metrics attributed to district_key itself (not to a unit under it).';
COMMENT ON COLUMN marts.metrics_by_district_month.articles IS 'Distinct articles quoting those metrics.';
COMMENT ON COLUMN marts.metrics_by_district_month.value_base_sum IS 'Sum of value_base in base_unit; NULL for percent rows (percentages do not add up).';

------------------------------------------------------------------ articles by district and month
CREATE OR REPLACE VIEW marts.articles_by_district_month AS
WITH attributed AS (
    SELECT f.article_id, f.date_key, f.district_key, true AS is_primary FROM modeled.fact_articles f
    UNION ALL
    SELECT ad.article_id, f.date_key, ad.district_key, false
    FROM modeled.article_districts ad JOIN modeled.fact_articles f USING (article_id)
)
SELECT dd.year,
       dd.month,
       make_date(dd.year, dd.month, 1) AS month_start,
       a.ancestor_key                   AS district_key,
       a.ancestor_name                  AS district_name,
       a.ancestor_level                 AS level,
       d.parent_district_key,
       d.county_name,
       count(DISTINCT x.article_id) FILTER (WHERE x.is_primary)                 AS articles,
       count(DISTINCT x.article_id) FILTER (WHERE x.is_primary AND a.depth = 0) AS articles_direct,
       count(DISTINCT x.article_id) FILTER (WHERE NOT x.is_primary)             AS articles_mentioning
FROM attributed x
JOIN modeled.dim_date dd ON dd.date_key = x.date_key
JOIN marts.district_ancestors a ON a.descendant_key = x.district_key
JOIN modeled.dim_district d ON d.district_key = a.ancestor_key
GROUP BY ALL;
COMMENT ON VIEW marts.articles_by_district_month IS 'Articles per district and month, rolled up through the district hierarchy: by primary district (each article counts once per level, so the 青岛市 row is every article placed in Qingdao) and by mention (articles naming the district or any place under it). Grain: year × month × district.';
COMMENT ON COLUMN marts.articles_by_district_month.year IS 'Year of the article date; NULL when unknown.';
COMMENT ON COLUMN marts.articles_by_district_month.month IS 'Month 1-12; NULL when unknown.';
COMMENT ON COLUMN marts.articles_by_district_month.month_start IS 'First day of the month; NULL when unknown.';
COMMENT ON COLUMN marts.articles_by_district_month.district_key IS 'The district the row rolls up to (modeled.dim_district).';
COMMENT ON COLUMN marts.articles_by_district_month.district_name IS 'Official name of district_key.';
COMMENT ON COLUMN marts.articles_by_district_month.level IS 'level of district_key.';
COMMENT ON COLUMN marts.articles_by_district_month.parent_district_key IS 'Parent of district_key.';
COMMENT ON COLUMN marts.articles_by_district_month.county_name IS 'County-level unit district_key belongs to (NULL for the city).';
COMMENT ON COLUMN marts.articles_by_district_month.articles IS 'Articles whose primary district (fact_articles.district_key) is district_key or a unit under it.';
COMMENT ON COLUMN marts.articles_by_district_month.articles_direct IS 'Articles whose primary district is district_key itself.';
COMMENT ON COLUMN marts.articles_by_district_month.articles_mentioning IS 'Articles naming district_key or any place under it at least once (article_districts); an article naming several counts once.';

------------------------------------------------------------------ articles per outlet per day
CREATE OR REPLACE VIEW marts.articles_by_outlet_day AS
WITH credited AS (
    SELECT f.article_id, f.date_key, f.outlet_key, 'primary' AS credit, f.metric_count, f.char_count
    FROM modeled.fact_articles f
    UNION ALL
    SELECT b.article_id, f.date_key, b.outlet_key, 'byline', f.metric_count, f.char_count
    FROM modeled.article_outlets b JOIN modeled.fact_articles f USING (article_id)
    UNION ALL
    SELECT f.article_id, f.date_key, f.publication_outlet_key, 'published', f.metric_count, f.char_count
    FROM modeled.fact_articles f
)
SELECT c.date_key,
       dd.date,
       dd.year,
       dd.month,
       dd.day_name,
       dd.is_workday,
       c.outlet_key,
       o.outlet_name,
       o.outlet_type,
       count(DISTINCT c.article_id) FILTER (WHERE c.credit = 'primary')   AS articles,
       count(DISTINCT c.article_id) FILTER (WHERE c.credit = 'byline')    AS articles_credited,
       count(DISTINCT c.article_id) FILTER (WHERE c.credit = 'published') AS articles_published,
       coalesce(sum(c.metric_count) FILTER (WHERE c.credit = 'primary'), 0)::BIGINT AS metrics,
       coalesce(sum(c.char_count) FILTER (WHERE c.credit = 'primary'), 0)::BIGINT   AS chars
FROM credited c
JOIN modeled.dim_date dd ON dd.date_key = c.date_key
JOIN modeled.dim_outlet o ON o.outlet_key = c.outlet_key
GROUP BY ALL;
COMMENT ON VIEW marts.articles_by_outlet_day IS 'Articles per outlet per news day (date_key = date of the news). articles counts each article once, under its primary outlet (fact_articles.outlet_key), so it sums to the number of articles; articles_credited counts joint reports for every outlet their byline credits; articles_published counts the articles of the pages the outlet printed (fact_articles.publication_outlet_key), so it too sums to the number of articles. For "what did each paper publish on day X" (issue date) group articles_wide or fact_articles by publication_date instead. Grain: date_key × outlet.';
COMMENT ON COLUMN marts.articles_by_outlet_day.date_key IS 'Day (dim_date key, yyyymmdd); -1 = unknown date.';
COMMENT ON COLUMN marts.articles_by_outlet_day.date IS 'Calendar date; NULL when unknown.';
COMMENT ON COLUMN marts.articles_by_outlet_day.year IS 'Year; NULL when unknown.';
COMMENT ON COLUMN marts.articles_by_outlet_day.month IS 'Month 1-12; NULL when unknown.';
COMMENT ON COLUMN marts.articles_by_outlet_day.day_name IS 'Chinese weekday name (星期一 … 星期日).';
COMMENT ON COLUMN marts.articles_by_outlet_day.is_workday IS 'Working day after holidays and adjusted workdays (dim_date.is_workday).';
COMMENT ON COLUMN marts.articles_by_outlet_day.outlet_key IS 'Outlet (modeled.dim_outlet); -1 = unknown.';
COMMENT ON COLUMN marts.articles_by_outlet_day.outlet_name IS 'Outlet name (青岛日报, 观海新闻, …).';
COMMENT ON COLUMN marts.articles_by_outlet_day.outlet_type IS 'newspaper, news app, news agency, broadcaster, unknown.';
COMMENT ON COLUMN marts.articles_by_outlet_day.articles IS 'Articles whose primary outlet is outlet_key (first credit, else the page publication).';
COMMENT ON COLUMN marts.articles_by_outlet_day.articles_credited IS 'Articles crediting outlet_key in their byline at any position (article_outlets); 0 when the outlet only printed the page (a 金胶州 □记者 byline names no outlet: see articles_published).';
COMMENT ON COLUMN marts.articles_by_outlet_day.articles_published IS 'Articles on pages outlet_key printed (fact_articles.publication_outlet_key: masthead, else inferred from the page''s 本报 credits); every article counts once, under -1 when its publication is unknown.';
COMMENT ON COLUMN marts.articles_by_outlet_day.metrics IS 'Metrics quoted in the articles counted in articles.';
COMMENT ON COLUMN marts.articles_by_outlet_day.chars IS 'Body characters of the articles counted in articles.';

------------------------------------------------------------------ keywords per district and month
CREATE OR REPLACE VIEW marts.top_keywords_by_district_month AS
WITH k AS (
    SELECT dd.year,
           dd.month,
           a.ancestor_key   AS district_key,
           a.ancestor_name  AS district_name,
           a.ancestor_level AS level,
           kw.keyword,
           count(DISTINCT kw.article_id) AS articles,
           sum(kw.weight)                AS weight_sum
    FROM modeled.article_keywords kw
    JOIN modeled.fact_articles f USING (article_id)
    JOIN modeled.dim_date dd ON dd.date_key = f.date_key
    JOIN marts.district_ancestors a ON a.descendant_key = f.district_key
    GROUP BY ALL
)
SELECT year,
       month,
       make_date(year, month, 1) AS month_start,
       district_key,
       district_name,
       level,
       row_number() OVER (PARTITION BY year, month, district_key
                          ORDER BY articles DESC, weight_sum DESC, keyword) AS keyword_rank,
       keyword,
       articles,
       weight_sum
FROM k;
COMMENT ON VIEW marts.top_keywords_by_district_month IS 'Keywords of the articles placed in a district (primary district, rolled up through the hierarchy) per month, ranked: filter keyword_rank <= 10 for the top ten. Grain: year × month × district × keyword.';
COMMENT ON COLUMN marts.top_keywords_by_district_month.year IS 'Year of the article date; NULL when unknown.';
COMMENT ON COLUMN marts.top_keywords_by_district_month.month IS 'Month 1-12; NULL when unknown.';
COMMENT ON COLUMN marts.top_keywords_by_district_month.month_start IS 'First day of the month; NULL when unknown.';
COMMENT ON COLUMN marts.top_keywords_by_district_month.district_key IS 'District the articles roll up to (primary district or a unit above it).';
COMMENT ON COLUMN marts.top_keywords_by_district_month.district_name IS 'Official name of district_key.';
COMMENT ON COLUMN marts.top_keywords_by_district_month.level IS 'level of district_key.';
COMMENT ON COLUMN marts.top_keywords_by_district_month.keyword_rank IS '1 = most frequent keyword of the district and month: by articles, then weight_sum, then keyword (ties broken deterministically).';
COMMENT ON COLUMN marts.top_keywords_by_district_month.keyword IS 'Keyword (modeled.article_keywords.keyword).';
COMMENT ON COLUMN marts.top_keywords_by_district_month.articles IS 'Articles having the keyword among their top-10 keywords.';
COMMENT ON COLUMN marts.top_keywords_by_district_month.weight_sum IS 'Sum of the keyword''s TF-IDF weights over those articles.';

------------------------------------------------------------------ wide article view
CREATE OR REPLACE VIEW marts.articles_wide AS
WITH credits AS (
    SELECT b.article_id, string_agg(o.outlet_name, '/' ORDER BY b.position) AS outlets
    FROM modeled.article_outlets b JOIN modeled.dim_outlet o USING (outlet_key)
    GROUP BY b.article_id
), places AS (
    SELECT ad.article_id,
           string_agg(d.district_name, '/' ORDER BY ad.first_offset, d.district_name) AS places
    FROM modeled.article_districts ad JOIN modeled.dim_district d USING (district_key)
    GROUP BY ad.article_id
), kw AS (
    SELECT article_id, string_agg(keyword, '/' ORDER BY rank) AS keywords
    FROM modeled.article_keywords GROUP BY article_id
)
SELECT f.article_id,
       f.news_date,
       dd.year,
       dd.month,
       f.date_key,
       f.title,
       f.kicker,
       f.subtitle,
       f.outlet_key,
       o.outlet_name,
       o.outlet_type,
       cr.outlets,
       nullif(array_to_string(a.reporters, '/'), '')      AS reporters,
       nullif(array_to_string(a.correspondents, '/'), '') AS correspondents,
       nullif(array_to_string(a.photographers, '/'), '')  AS photographers,
       f.publication_outlet_key,
       nullif(po.outlet_name, '未知')                      AS publication,
       f.publication_source,
       f.publication_date,
       f.district_key,
       d.district_name,
       d.level AS district_level,
       d.county_name,
       d.street_name,
       pl.places,
       kw.keywords,
       f.char_count,
       f.token_count,
       f.metric_count,
       f.district_count,
       f.reporter_count,
       f.continuation,
       f.file_id,
       a.ordinal,
       a.body
FROM modeled.fact_articles f
JOIN modeled.dim_date dd ON dd.date_key = f.date_key
JOIN modeled.dim_outlet o ON o.outlet_key = f.outlet_key
JOIN modeled.dim_outlet po ON po.outlet_key = f.publication_outlet_key
JOIN modeled.dim_district d ON d.district_key = f.district_key
LEFT JOIN cleaned.articles a ON a.article_id = f.article_id
LEFT JOIN credits cr ON cr.article_id = f.article_id
LEFT JOIN places pl ON pl.article_id = f.article_id
LEFT JOIN kw ON kw.article_id = f.article_id;
COMMENT ON VIEW marts.articles_wide IS 'One row per article with its dimensions resolved and every list flattened to a ''/''-joined string: the single table a BI tool needs for article questions. Grain: article_id.';
COMMENT ON COLUMN marts.articles_wide.article_id IS 'Article id (cleaned.articles.article_id).';
COMMENT ON COLUMN marts.articles_wide.news_date IS 'Date of the news; NULL when unknown.';
COMMENT ON COLUMN marts.articles_wide.year IS 'Year of news_date; NULL when unknown.';
COMMENT ON COLUMN marts.articles_wide.month IS 'Month of news_date; NULL when unknown.';
COMMENT ON COLUMN marts.articles_wide.date_key IS 'dim_date key; -1 = unknown date.';
COMMENT ON COLUMN marts.articles_wide.title IS 'Headline.';
COMMENT ON COLUMN marts.articles_wide.kicker IS 'Kicker (引题).';
COMMENT ON COLUMN marts.articles_wide.subtitle IS 'Subtitle (副题).';
COMMENT ON COLUMN marts.articles_wide.outlet_key IS 'Primary outlet (dim_outlet); -1 = unknown.';
COMMENT ON COLUMN marts.articles_wide.outlet_name IS 'Primary outlet name (first credit, else the page''s publication, else 未知).';
COMMENT ON COLUMN marts.articles_wide.outlet_type IS 'Primary outlet type.';
COMMENT ON COLUMN marts.articles_wide.outlets IS 'Every credited outlet in credit order, ''/''-joined (观海新闻/青岛晚报/掌上青岛); NULL when the byline credits none.';
COMMENT ON COLUMN marts.articles_wide.reporters IS 'Reporters (记者) credited, ''/''-joined; NULL when none.';
COMMENT ON COLUMN marts.articles_wide.correspondents IS 'Correspondents (通讯员) credited, ''/''-joined; NULL when none.';
COMMENT ON COLUMN marts.articles_wide.photographers IS 'Photographers (X 摄) credited, ''/''-joined; NULL when none.';
COMMENT ON COLUMN marts.articles_wide.publication_outlet_key IS 'Publication that printed the page (dim_outlet); -1 = unknown.';
COMMENT ON COLUMN marts.articles_wide.publication IS 'Publication (newspaper) that printed the page: its masthead, else the newspaper its 本报 articles credit (青岛晚报, not the 观海新闻 app); NULL when unknown.';
COMMENT ON COLUMN marts.articles_wide.publication_source IS '''masthead'', ''inferred_from_credits'' or ''unknown'': how publication was found.';
COMMENT ON COLUMN marts.articles_wide.publication_date IS 'Issue date of the page: printed, or the latest dateline date on it (cleaned.pages.publication_date_source); NULL when unknown.';
COMMENT ON COLUMN marts.articles_wide.district_key IS 'Primary district (dim_district); -1 = none named.';
COMMENT ON COLUMN marts.articles_wide.district_name IS 'Primary district name.';
COMMENT ON COLUMN marts.articles_wide.district_level IS 'level of the primary district.';
COMMENT ON COLUMN marts.articles_wide.county_name IS 'County-level unit of the primary district.';
COMMENT ON COLUMN marts.articles_wide.street_name IS 'Street/town of the primary district (community rows).';
COMMENT ON COLUMN marts.articles_wide.places IS 'Every place the article names, in order of first mention, ''/''-joined.';
COMMENT ON COLUMN marts.articles_wide.keywords IS 'Top-10 keywords, strongest first, ''/''-joined.';
COMMENT ON COLUMN marts.articles_wide.char_count IS 'Characters in the body.';
COMMENT ON COLUMN marts.articles_wide.token_count IS 'jieba tokens in title and body.';
COMMENT ON COLUMN marts.articles_wide.metric_count IS 'Quantities quoted (rows of fact_metrics).';
COMMENT ON COLUMN marts.articles_wide.district_count IS 'Distinct places named.';
COMMENT ON COLUMN marts.articles_wide.reporter_count IS 'Reporters credited.';
COMMENT ON COLUMN marts.articles_wide.continuation IS '''none'', ''continues'' or ''continued_from''.';
COMMENT ON COLUMN marts.articles_wide.file_id IS 'Page the article comes from (raw.source_files.file_id).';
COMMENT ON COLUMN marts.articles_wide.ordinal IS '0-based position of the article on its page.';
COMMENT ON COLUMN marts.articles_wide.body IS 'Normalised body text (cleaned.articles.body), for full-text filters.';

------------------------------------------------------------------ wide metric view
CREATE OR REPLACE VIEW marts.metrics_wide AS
SELECT m.metric_id,
       m.article_id,
       m.date_key,
       dd.date AS news_date,
       dd.year,
       dd.month,
       m.district_key,
       d.district_name,
       d.level AS district_level,
       d.county_name,
       d.street_name,
       m.outlet_key,
       o.outlet_name,
       nullif(po.outlet_name, '未知') AS publication,
       f.publication_date,
       f.title,
       m.surface,
       m.value,
       m.value_high,
       m.unit,
       m.unit_printed,
       m.unit_kind,
       m.value_base,
       m.base_unit,
       m.qualifier,
       m.measure,
       m.sentence,
       m.source_field,
       m.start_offset,
       m.end_offset
FROM modeled.fact_metrics m
JOIN modeled.fact_articles f ON f.article_id = m.article_id
JOIN modeled.dim_date dd ON dd.date_key = m.date_key
JOIN modeled.dim_outlet o ON o.outlet_key = m.outlet_key
JOIN modeled.dim_outlet po ON po.outlet_key = m.publication_outlet_key
JOIN modeled.dim_district d ON d.district_key = m.district_key;
COMMENT ON VIEW marts.metrics_wide IS 'One row per quoted quantity with its article title, date, outlet and district resolved. Grain: metric_id.';
COMMENT ON COLUMN marts.metrics_wide.metric_id IS 'Metric id (fact_metrics.metric_id).';
COMMENT ON COLUMN marts.metrics_wide.article_id IS 'Article quoting the quantity.';
COMMENT ON COLUMN marts.metrics_wide.date_key IS 'dim_date key of the article date; -1 = unknown.';
COMMENT ON COLUMN marts.metrics_wide.news_date IS 'Article date; NULL when unknown.';
COMMENT ON COLUMN marts.metrics_wide.year IS 'Year; NULL when unknown.';
COMMENT ON COLUMN marts.metrics_wide.month IS 'Month 1-12; NULL when unknown.';
COMMENT ON COLUMN marts.metrics_wide.district_key IS 'Place the quantity is attributed to (dim_district); -1 = unknown. Join marts.district_ancestors to roll up.';
COMMENT ON COLUMN marts.metrics_wide.district_name IS 'Name of district_key.';
COMMENT ON COLUMN marts.metrics_wide.district_level IS 'level of district_key.';
COMMENT ON COLUMN marts.metrics_wide.county_name IS 'County-level unit of district_key.';
COMMENT ON COLUMN marts.metrics_wide.street_name IS 'Street/town of district_key (community rows).';
COMMENT ON COLUMN marts.metrics_wide.outlet_key IS 'Article outlet (dim_outlet); -1 = unknown.';
COMMENT ON COLUMN marts.metrics_wide.outlet_name IS 'Article outlet name.';
COMMENT ON COLUMN marts.metrics_wide.publication IS 'Publication that printed the article (masthead or inferred from credits); NULL when unknown.';
COMMENT ON COLUMN marts.metrics_wide.publication_date IS 'Issue date of the article''s page; NULL when unknown.';
COMMENT ON COLUMN marts.metrics_wide.title IS 'Headline of the article.';
COMMENT ON COLUMN marts.metrics_wide.surface IS 'The quantity exactly as written (7000余万元).';
COMMENT ON COLUMN marts.metrics_wide.value IS 'Normalised value; the low end of a range.';
COMMENT ON COLUMN marts.metrics_wide.value_high IS 'High end of a range; NULL otherwise.';
COMMENT ON COLUMN marts.metrics_wide.unit IS 'Unit of value: as written, magnitude (万, 亿) removed and applied to value (7000余万元 → 70000000 元).';
COMMENT ON COLUMN marts.metrics_wide.unit_printed IS 'Unit as printed, magnitude kept (万元, 亿元, 万平方米, 个); filter this for what the paper printed in 万元.';
COMMENT ON COLUMN marts.metrics_wide.unit_kind IS 'count, money, percent, area, weight, length, duration, volume, other.';
COMMENT ON COLUMN marts.metrics_wide.value_base IS 'value in the base unit of its kind.';
COMMENT ON COLUMN marts.metrics_wide.base_unit IS 'Base unit of value_base.';
COMMENT ON COLUMN marts.metrics_wide.qualifier IS 'Qualifier (余, 多, 超, 近, 约, 以上, 达, 累计 …).';
COMMENT ON COLUMN marts.metrics_wide.measure IS 'What is counted or measured.';
COMMENT ON COLUMN marts.metrics_wide.sentence IS 'Sentence the quantity sits in.';
COMMENT ON COLUMN marts.metrics_wide.source_field IS 'kicker, title, subtitle or body.';
COMMENT ON COLUMN marts.metrics_wide.start_offset IS 'Character offset of surface in the source field.';
COMMENT ON COLUMN marts.metrics_wide.end_offset IS 'End offset (exclusive).';
