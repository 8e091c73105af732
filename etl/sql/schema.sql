-- Warehouse DDL: the contract analysts and BI tools rely on.
-- Column comments here are the single source of docs/data-dictionary.md
-- (regenerate with `scripts/gen_data_dictionary.py`; a test keeps them in sync).
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS cleaned;
CREATE SCHEMA IF NOT EXISTS modeled;

------------------------------------------------------------------ raw
CREATE TABLE IF NOT EXISTS raw.source_files (
    file_id      VARCHAR NOT NULL,
    path         VARCHAR NOT NULL PRIMARY KEY,
    size_bytes   BIGINT  NOT NULL,
    encoding     VARCHAR,
    text         VARCHAR,
    ingested_at  TIMESTAMP NOT NULL,
    status       VARCHAR NOT NULL CHECK (status IN ('ok', 'rejected')),
    error        VARCHAR,
    modified_at  TIMESTAMP
);
COMMENT ON TABLE raw.source_files IS 'One row per file found under SEEDS_DIR: the untouched decoded text, or the reason it was rejected.';
COMMENT ON COLUMN raw.source_files.file_id IS 'sha256 of the file bytes (hex); identical bytes under two names share a file_id and are parsed once. Files rejected without reading their content get sha256(''<marker>:<path>'') with marker unreadable, not-a-file, changing or too-large:<limit>:<size>:<mtime_ns>, never equal to a content hash, so fixing the file re-ingests it.';
COMMENT ON COLUMN raw.source_files.path IS 'Path relative to SEEDS_DIR, forward slashes.';
COMMENT ON COLUMN raw.source_files.size_bytes IS 'File size in bytes as read.';
COMMENT ON COLUMN raw.source_files.encoding IS 'Encoding detected from the bytes (BOM, strict UTF-8, GB18030, charset-normalizer); NULL when rejected before decoding.';
COMMENT ON COLUMN raw.source_files.text IS 'Decoded text exactly as in the file (no normalisation); NULL when rejected.';
COMMENT ON COLUMN raw.source_files.ingested_at IS 'UTC time this version of the file (this file_id at this path) was first ingested; unchanged by reruns.';
COMMENT ON COLUMN raw.source_files.status IS '''ok'' or ''rejected''.';
COMMENT ON COLUMN raw.source_files.error IS 'Why the file was rejected, in words a person can act on; for ok files an optional warning (e.g. truncated tail).';
COMMENT ON COLUMN raw.source_files.modified_at IS 'File modification time (UTC) when read.';

------------------------------------------------------------------ cleaned
CREATE TABLE IF NOT EXISTS cleaned.pages (
    file_id          VARCHAR NOT NULL PRIMARY KEY,
    publication      VARCHAR,
    page_date        DATE,
    issue_no         INTEGER,
    lunar_text       VARCHAR,
    weekday          VARCHAR,
    url              VARCHAR,
    page_kind        VARCHAR,
    source           VARCHAR,
    edition          VARCHAR,
    publication_name        VARCHAR,
    publication_source      VARCHAR,
    publication_date        DATE,
    publication_date_source VARCHAR,
    furniture        VARCHAR[],
    furniture_kinds  VARCHAR[],
    article_count    INTEGER NOT NULL,
    line_classes     MAP(VARCHAR, INTEGER),
    pipeline_version VARCHAR NOT NULL
);
COMMENT ON TABLE cleaned.pages IS 'One row per distinct ok page (file_id): masthead metadata and page furniture.';
COMMENT ON COLUMN cleaned.pages.file_id IS 'Page identity, references raw.source_files.file_id.';
COMMENT ON COLUMN cleaned.pages.publication IS 'The page''s own publication: its masthead (金胶州), an e-paper''s 当前位置/date line, a 《人民日报》 citation, the paper a repost''s 来源/发布人 line names (the last part of 大众网-半岛都市报), or the paper owning the copyright; NULL when the page names none.';
COMMENT ON COLUMN cleaned.pages.page_date IS 'The page''s own date: masthead, e-paper date line, 发布时间/来源 line, front matter or citation; NULL when the page prints none.';
COMMENT ON COLUMN cleaned.pages.issue_no IS 'Running issue number (总第N期).';
COMMENT ON COLUMN cleaned.pages.lunar_text IS 'Lunar date as printed (农历…).';
COMMENT ON COLUMN cleaned.pages.weekday IS 'Weekday as printed (星期五).';
COMMENT ON COLUMN cleaned.pages.url IS 'Publication URL printed in the masthead.';
COMMENT ON COLUMN cleaned.pages.page_kind IS 'What kind of text the file is: print_page, epaper_article, repost, issue_index or markdown (docs/page-grammar.md R5.1).';
COMMENT ON COLUMN cleaned.pages.source IS 'A repost''s source line as printed (来源：/发布人：), e.g. 大众网-半岛都市报; NULL when none.';
COMMENT ON COLUMN cleaned.pages.edition IS 'Edition (版次) the page names when it is one page of an issue (第1版, A02, front matter section); NULL otherwise.';
COMMENT ON COLUMN cleaned.pages.publication_name IS 'The publication (newspaper) that printed the page, canonical name as in dim_outlet: publication when the page names one, else the newspaper its own 本报 articles credit (青岛晚报 in (观海新闻/青岛晚报/掌上青岛 记者 刘慧); web and app brands such as 观海新闻 or 掌上青岛 are never chosen); NULL when neither is found. How it was found is publication_source.';
COMMENT ON COLUMN cleaned.pages.publication_source IS 'How publication_name was found: ''masthead'' (the page names its publication: masthead, e-paper line, 来源 line, citation), ''inferred_from_credits'' (no masthead: the newspaper credited by most of the page''s 本报 articles, i.e. those with a 本报…讯 dateline or a 本报记者 byline) or ''unknown''.';
COMMENT ON COLUMN cleaned.pages.publication_date IS 'Date of the issue the page belongs to: page_date when printed, else the latest dateline date (本报12月18日讯 with a known year) of the page''s articles; NULL when neither is known. How it was found is publication_date_source.';
COMMENT ON COLUMN cleaned.pages.publication_date_source IS '''printed'' (page_date), ''inferred_from_articles'' (latest full dateline date on the page: the day the news was filed, which is the issue date of an evening paper and may be a day before the issue of a morning paper) or ''unknown'' (no year anywhere on the page).';
COMMENT ON COLUMN cleaned.pages.furniture IS 'Everything on the page that is not an article, in page order: masthead, site chrome, banners, headline lists, teasers (kind of each in furniture_kinds).';
COMMENT ON COLUMN cleaned.pages.furniture_kinds IS 'Furniture class of each furniture entry, same order: masthead, front_matter, edition_list, navigation, breadcrumb, metadata, editor_line, copyright, related, teaser, headline_index, cross_reference, editor_note, banner, caption, callout, byline, duplicate, continuation_marker, boilerplate.';
COMMENT ON COLUMN cleaned.pages.article_count IS 'Number of articles cut from the page.';
COMMENT ON COLUMN cleaned.pages.line_classes IS 'Count of non-blank input lines per class (article_body, headline, byline, caption, furniture, duplicate, …).';
COMMENT ON COLUMN cleaned.pages.pipeline_version IS 'etl.config.PIPELINE_VERSION that produced the row; rows of an older version are re-derived.';

CREATE TABLE IF NOT EXISTS cleaned.articles (
    article_id       VARCHAR NOT NULL PRIMARY KEY,
    file_id          VARCHAR NOT NULL,
    ordinal          INTEGER NOT NULL,
    kicker           VARCHAR,
    title            VARCHAR NOT NULL,
    subtitle         VARCHAR,
    title_source     VARCHAR,
    news_date        DATE,
    news_year        INTEGER,
    date_confidence  VARCHAR,
    dateline_month   INTEGER,
    dateline_day     INTEGER,
    outlets          VARCHAR[],
    reporters        VARCHAR[],
    correspondents   VARCHAR[],
    photographers    VARCHAR[],
    body             VARCHAR NOT NULL,
    char_count       INTEGER NOT NULL,
    captions         VARCHAR[],
    continuation     VARCHAR,
    publication      VARCHAR,
    pipeline_version VARCHAR NOT NULL
);
COMMENT ON TABLE cleaned.articles IS 'One row per article cut from a page.';
COMMENT ON COLUMN cleaned.articles.article_id IS 'Stable id: first 16 hex chars of sha256(file_id || '':'' || ordinal). Same bytes and parser give the same id on every rerun.';
COMMENT ON COLUMN cleaned.articles.file_id IS 'Page the article comes from (raw.source_files.file_id).';
COMMENT ON COLUMN cleaned.articles.ordinal IS '0-based position of the article on its page.';
COMMENT ON COLUMN cleaned.articles.kicker IS '引题: the line above the title, if any.';
COMMENT ON COLUMN cleaned.articles.title IS '主题: the headline. For an item that prints none (a headless fragment, a 本报讯 item, a photo caption) it is derived from its first words (see title_source).';
COMMENT ON COLUMN cleaned.articles.subtitle IS '副题: the line below the title, if any.';
COMMENT ON COLUMN cleaned.articles.title_source IS '''heading'' when printed as a headline, ''derived'' when built from the text of a headless fragment.';
COMMENT ON COLUMN cleaned.articles.news_date IS 'Date of the news: the dateline month/day (or a relative day such as 昨日 in the lead, counted from the dateline or page date) with the page year or a year the page names, else the page date; NULL when the page prints no year.';
COMMENT ON COLUMN cleaned.articles.news_year IS 'Year of the news when known, even when the day is not (date_confidence ''text_year'').';
COMMENT ON COLUMN cleaned.articles.date_confidence IS 'How news_date was found (vocabulary in docs/page-grammar.md).';
COMMENT ON COLUMN cleaned.articles.dateline_month IS 'Month from the dateline (本报12月18日讯), even when the year is unknown.';
COMMENT ON COLUMN cleaned.articles.dateline_day IS 'Day from the dateline.';
COMMENT ON COLUMN cleaned.articles.outlets IS 'Media the article credits as printed, in order: dateline source (新华社, 青岛新闻网), bylines and trailing credits (青岛日报, 观海新闻, YMG全媒体), 据… attributions, and for the first article of a repost the paper its 来源/发布人 line names. Bare self-references (本报, 晚报) are not outlets.';
COMMENT ON COLUMN cleaned.articles.reporters IS 'Reporters (记者) credited.';
COMMENT ON COLUMN cleaned.articles.correspondents IS 'Correspondents (通讯员) credited.';
COMMENT ON COLUMN cleaned.articles.photographers IS 'People credited by a photo credit (X 摄, 记者 X 摄, 摄影报道, 文/图).';
COMMENT ON COLUMN cleaned.articles.body IS 'Normalised body text, paragraphs joined by newlines; bylines, markers, captions and duplicates removed.';
COMMENT ON COLUMN cleaned.articles.char_count IS 'Characters in body.';
COMMENT ON COLUMN cleaned.articles.captions IS 'Photo captions and picture labels attached to the article.';
COMMENT ON COLUMN cleaned.articles.continuation IS '''none'', ''continues'' (下转…) or ''continued_from'' (上接…).';
COMMENT ON COLUMN cleaned.articles.publication IS 'Publication of the page (masthead), if known.';
COMMENT ON COLUMN cleaned.articles.pipeline_version IS 'etl.config.PIPELINE_VERSION that produced the row.';

CREATE TABLE IF NOT EXISTS cleaned.paragraphs (
    paragraph_id  VARCHAR NOT NULL PRIMARY KEY,
    article_id    VARCHAR NOT NULL,
    file_id       VARCHAR NOT NULL,
    ordinal       INTEGER NOT NULL,
    kind          VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    source_lines  INTEGER[]
);
COMMENT ON TABLE cleaned.paragraphs IS 'Every paragraph attributed to an article, with its kind, so any fact can be traced to the paragraph it came from.';
COMMENT ON COLUMN cleaned.paragraphs.paragraph_id IS 'article_id || '':'' || ordinal.';
COMMENT ON COLUMN cleaned.paragraphs.article_id IS 'Article the paragraph belongs to.';
COMMENT ON COLUMN cleaned.paragraphs.file_id IS 'Page the paragraph comes from.';
COMMENT ON COLUMN cleaned.paragraphs.ordinal IS '0-based position within the article.';
COMMENT ON COLUMN cleaned.paragraphs.kind IS 'body, caption, duplicate, callout, byline, dateline, section_head, continuation_marker, …';
COMMENT ON COLUMN cleaned.paragraphs.text IS 'Normalised paragraph text (after layout repair).';
COMMENT ON COLUMN cleaned.paragraphs.source_lines IS '0-based line numbers of the input text the paragraph was built from.';

------------------------------------------------------------------ modeled: dimensions
CREATE TABLE IF NOT EXISTS modeled.dim_date (
    date_key            BIGINT  NOT NULL PRIMARY KEY,
    date                DATE,
    year                INTEGER,
    quarter             INTEGER,
    month               INTEGER,
    day                 INTEGER,
    iso_week            INTEGER,
    day_of_week         INTEGER,
    day_name            VARCHAR,
    is_weekend          BOOLEAN,
    is_holiday          BOOLEAN,
    holiday_name        VARCHAR,
    is_adjusted_workday BOOLEAN,
    is_workday          BOOLEAN,
    lunar_year          INTEGER,
    lunar_month         INTEGER,
    lunar_day           INTEGER,
    lunar_is_leap_month BOOLEAN,
    lunar_text          VARCHAR
);
COMMENT ON TABLE modeled.dim_date IS 'Continuous calendar covering every date in the facts, padded to whole years; date_key -1 is the explicit unknown date.';
COMMENT ON COLUMN modeled.dim_date.date_key IS 'yyyymmdd as BIGINT (every surrogate key in the warehouse is BIGINT); -1 = unknown date.';
COMMENT ON COLUMN modeled.dim_date.date IS 'Calendar date (NULL for the unknown row).';
COMMENT ON COLUMN modeled.dim_date.year IS 'Gregorian year.';
COMMENT ON COLUMN modeled.dim_date.quarter IS 'Quarter 1-4.';
COMMENT ON COLUMN modeled.dim_date.month IS 'Month 1-12.';
COMMENT ON COLUMN modeled.dim_date.day IS 'Day of month.';
COMMENT ON COLUMN modeled.dim_date.iso_week IS 'ISO 8601 week number.';
COMMENT ON COLUMN modeled.dim_date.day_of_week IS 'ISO day of week, 1 = Monday … 7 = Sunday.';
COMMENT ON COLUMN modeled.dim_date.day_name IS 'Chinese weekday name (星期一 … 星期日).';
COMMENT ON COLUMN modeled.dim_date.is_weekend IS 'Saturday or Sunday.';
COMMENT ON COLUMN modeled.dim_date.is_holiday IS 'Chinese statutory public holiday (day off), per the chinese-calendar package.';
COMMENT ON COLUMN modeled.dim_date.holiday_name IS 'English name of the holiday period, if any.';
COMMENT ON COLUMN modeled.dim_date.is_adjusted_workday IS 'Weekend day made a working day (调休上班).';
COMMENT ON COLUMN modeled.dim_date.is_workday IS 'Working day after holidays and adjustments.';
COMMENT ON COLUMN modeled.dim_date.lunar_year IS 'Chinese lunar year (Gregorian number of the year it starts in).';
COMMENT ON COLUMN modeled.dim_date.lunar_month IS 'Lunar month 1-12.';
COMMENT ON COLUMN modeled.dim_date.lunar_day IS 'Lunar day 1-30.';
COMMENT ON COLUMN modeled.dim_date.lunar_is_leap_month IS 'True in a leap (闰) month.';
COMMENT ON COLUMN modeled.dim_date.lunar_text IS 'Lunar date as newspapers print it, e.g. 农历甲辰年十月廿九.';

CREATE TABLE IF NOT EXISTS modeled.dim_outlet (
    outlet_key   BIGINT  NOT NULL PRIMARY KEY,
    outlet_name  VARCHAR NOT NULL,
    parent_org   VARCHAR,
    outlet_type  VARCHAR,
    city         VARCHAR,
    in_reference BOOLEAN
);
COMMENT ON TABLE modeled.dim_outlet IS 'Every news outlet credited in bylines or printing a page; -1 = unknown. Keys are never reused or renumbered.';
COMMENT ON COLUMN modeled.dim_outlet.outlet_key IS 'Surrogate key (BIGINT): reference outlets keep the key in etl/reference/outlets.csv; outlets first seen in data get keys from 1000 up, in order of first appearance.';
COMMENT ON COLUMN modeled.dim_outlet.outlet_name IS 'Outlet name as credited (青岛日报).';
COMMENT ON COLUMN modeled.dim_outlet.parent_org IS 'Owning organisation (青岛日报社).';
COMMENT ON COLUMN modeled.dim_outlet.outlet_type IS 'newspaper, news app, news agency, broadcaster, unknown.';
COMMENT ON COLUMN modeled.dim_outlet.city IS 'Home city of the outlet, if local.';
COMMENT ON COLUMN modeled.dim_outlet.in_reference IS 'True when the outlet comes from the curated reference list, false when first seen in data.';

CREATE TABLE IF NOT EXISTS modeled.dim_district (
    district_key        BIGINT NOT NULL PRIMARY KEY,
    admin_code          VARCHAR,
    district_name       VARCHAR NOT NULL,
    short_name          VARCHAR,
    level               VARCHAR NOT NULL,
    parent_district_key BIGINT,
    parent_admin_code   VARCHAR,
    county_name         VARCHAR,
    street_name         VARCHAR,
    source              VARCHAR
);
COMMENT ON TABLE modeled.dim_district IS 'Qingdao administrative divisions (NBS 统计用区划代码) down to community level, plus functional areas; -1 = unknown.';
COMMENT ON COLUMN modeled.dim_district.district_key IS 'NBS code as BIGINT (city 4, county 6, street 9, community 12 digits); functional areas use a reserved synthetic range; -1 = unknown.';
COMMENT ON COLUMN modeled.dim_district.admin_code IS 'Official NBS code as text; NULL for functional areas.';
COMMENT ON COLUMN modeled.dim_district.district_name IS 'Official full name (市南区, 中云街道, …).';
COMMENT ON COLUMN modeled.dim_district.short_name IS 'Name without its administrative suffix (市南, 中云).';
COMMENT ON COLUMN modeled.dim_district.level IS 'city, county, street, community, functional_area or unknown.';
COMMENT ON COLUMN modeled.dim_district.parent_district_key IS 'district_key of the parent unit (community → street → county → city).';
COMMENT ON COLUMN modeled.dim_district.parent_admin_code IS 'NBS code of the parent unit.';
COMMENT ON COLUMN modeled.dim_district.county_name IS 'County-level unit the row belongs to.';
COMMENT ON COLUMN modeled.dim_district.street_name IS 'Street/town the row belongs to (community rows).';
COMMENT ON COLUMN modeled.dim_district.source IS 'Where the row comes from (package and version, or curated file).';

------------------------------------------------------------------ modeled: facts and bridges
CREATE TABLE IF NOT EXISTS modeled.fact_articles (
    article_id     VARCHAR NOT NULL PRIMARY KEY,
    file_id        VARCHAR NOT NULL,
    date_key       BIGINT  NOT NULL,
    outlet_key     BIGINT  NOT NULL,
    district_key   BIGINT  NOT NULL,
    publication_outlet_key BIGINT NOT NULL,
    publication_source     VARCHAR NOT NULL,
    publication_date_key   BIGINT NOT NULL,
    publication_date       DATE,
    title          VARCHAR NOT NULL,
    kicker         VARCHAR,
    subtitle       VARCHAR,
    news_date      DATE,
    char_count     INTEGER NOT NULL,
    token_count    INTEGER NOT NULL,
    metric_count   INTEGER NOT NULL,
    district_count INTEGER NOT NULL,
    reporter_count INTEGER NOT NULL,
    continuation   VARCHAR,
    pipeline_version VARCHAR NOT NULL
);
COMMENT ON TABLE modeled.fact_articles IS 'One row per article with its dimension keys and counts.';
COMMENT ON COLUMN modeled.fact_articles.article_id IS 'cleaned.articles.article_id.';
COMMENT ON COLUMN modeled.fact_articles.file_id IS 'Page the article comes from.';
COMMENT ON COLUMN modeled.fact_articles.date_key IS 'dim_date key of news_date; -1 when the date is unknown.';
COMMENT ON COLUMN modeled.fact_articles.outlet_key IS 'dim_outlet key of the first credited outlet, else the page''s publication (publication_outlet_key), else -1.';
COMMENT ON COLUMN modeled.fact_articles.district_key IS 'Primary district: the most specific place holding a strict majority of the article''s place mentions below the city level; generic mentions of the city (青岛, 青岛市) do not count when the article names any place below it, so 青岛市 means the article names no other place (rule in etl/districts.py); -1 when no place is named.';
COMMENT ON COLUMN modeled.fact_articles.publication_outlet_key IS 'dim_outlet key of the publication (newspaper) that printed the article''s page (cleaned.pages.publication_name): set for every article whose page names or implies one, -1 when unknown. Count articles per publication with this key, not with outlet_key (the first byline credit).';
COMMENT ON COLUMN modeled.fact_articles.publication_source IS 'How the page''s publication was found: ''masthead'', ''inferred_from_credits'' (the newspaper the page''s 本报 articles credit) or ''unknown'' (cleaned.pages.publication_source).';
COMMENT ON COLUMN modeled.fact_articles.publication_date_key IS 'dim_date key of publication_date (the issue date of the page); -1 when unknown. Use it for "what was published on day X"; date_key is the date of the news.';
COMMENT ON COLUMN modeled.fact_articles.publication_date IS 'Issue date of the page: printed, or inferred from its datelines (cleaned.pages.publication_date_source says which); NULL when unknown.';
COMMENT ON COLUMN modeled.fact_articles.title IS 'Headline.';
COMMENT ON COLUMN modeled.fact_articles.kicker IS 'Kicker (引题).';
COMMENT ON COLUMN modeled.fact_articles.subtitle IS 'Subtitle (副题).';
COMMENT ON COLUMN modeled.fact_articles.news_date IS 'Date of the news (NULL when unknown).';
COMMENT ON COLUMN modeled.fact_articles.char_count IS 'Characters in the body.';
COMMENT ON COLUMN modeled.fact_articles.token_count IS 'jieba tokens in title and body, punctuation and whitespace excluded.';
COMMENT ON COLUMN modeled.fact_articles.metric_count IS 'Rows of fact_metrics for the article.';
COMMENT ON COLUMN modeled.fact_articles.district_count IS 'Distinct places the article names (rows of article_districts).';
COMMENT ON COLUMN modeled.fact_articles.reporter_count IS 'Reporters credited.';
COMMENT ON COLUMN modeled.fact_articles.continuation IS '''none'', ''continues'' or ''continued_from''.';
COMMENT ON COLUMN modeled.fact_articles.pipeline_version IS 'etl.config.PIPELINE_VERSION that derived the article''s facts; older rows are re-derived.';

CREATE TABLE IF NOT EXISTS modeled.fact_metrics (
    metric_id      VARCHAR NOT NULL PRIMARY KEY,
    article_id     VARCHAR NOT NULL,
    date_key       BIGINT  NOT NULL,
    district_key   BIGINT  NOT NULL,
    outlet_key     BIGINT  NOT NULL,
    publication_outlet_key BIGINT NOT NULL,
    publication_date_key   BIGINT NOT NULL,
    value          DOUBLE  NOT NULL,
    value_high     DOUBLE,
    unit           VARCHAR,
    unit_printed   VARCHAR,
    unit_kind      VARCHAR,
    value_base     DOUBLE,
    base_unit      VARCHAR,
    qualifier      VARCHAR,
    measure        VARCHAR,
    surface        VARCHAR NOT NULL,
    sentence       VARCHAR,
    source_field   VARCHAR NOT NULL,
    start_offset   INTEGER NOT NULL,
    end_offset     INTEGER NOT NULL
);
COMMENT ON TABLE modeled.fact_metrics IS 'One row per quantity quoted in an article title or body, normalised.';
COMMENT ON COLUMN modeled.fact_metrics.metric_id IS 'Stable id: first 16 hex of sha256(article_id, source_field, start_offset).';
COMMENT ON COLUMN modeled.fact_metrics.article_id IS 'Article quoting the quantity.';
COMMENT ON COLUMN modeled.fact_metrics.date_key IS 'Article date (dim_date); -1 unknown.';
COMMENT ON COLUMN modeled.fact_metrics.district_key IS 'Place named nearest the number in its sentence, else the article''s primary district; -1 unknown.';
COMMENT ON COLUMN modeled.fact_metrics.outlet_key IS 'Article outlet (dim_outlet, fact_articles.outlet_key); -1 unknown.';
COMMENT ON COLUMN modeled.fact_metrics.publication_outlet_key IS 'Publication that printed the article (fact_articles.publication_outlet_key); -1 unknown.';
COMMENT ON COLUMN modeled.fact_metrics.publication_date_key IS 'Issue date of the article''s page (fact_articles.publication_date_key); -1 unknown.';
COMMENT ON COLUMN modeled.fact_metrics.value IS 'Normalised value (7000余万元 → 70000000); the low end of a range.';
COMMENT ON COLUMN modeled.fact_metrics.value_high IS 'High end of a range (一至两个 → 2); NULL otherwise.';
COMMENT ON COLUMN modeled.fact_metrics.unit IS 'Unit of value: the unit as written with its magnitude (万, 亿) removed and applied to value (7000余万元 → value 70000000, unit 元). To find amounts the paper printed in 万元 filter unit_printed, not unit.';
COMMENT ON COLUMN modeled.fact_metrics.unit_printed IS 'Unit as printed, magnitude included (7000余万元 → 万元, 5亿元 → 亿元, 62万单 → 万单, 21个 → 个): unit_printed = ''万元'' finds what the paper printed in 万元; value is still in unit (元).';
COMMENT ON COLUMN modeled.fact_metrics.unit_kind IS 'count, money, percent, area, weight, length, duration, volume, other.';
COMMENT ON COLUMN modeled.fact_metrics.value_base IS 'value converted to the base unit of its kind (table in docs/metrics.md).';
COMMENT ON COLUMN modeled.fact_metrics.base_unit IS 'Base unit of value_base (元, 平方米, 公斤, 米 …).';
COMMENT ON COLUMN modeled.fact_metrics.qualifier IS 'Controlled vocabulary from the words around the number (余, 多, 超, 近, 约, 以上, 达, 累计 …).';
COMMENT ON COLUMN modeled.fact_metrics.measure IS 'What is counted or measured (小区, 停车位, 金椒贷 …).';
COMMENT ON COLUMN modeled.fact_metrics.surface IS 'Exact substring of the article field (title or body) at start_offset.';
COMMENT ON COLUMN modeled.fact_metrics.sentence IS 'Sentence the surface sits in.';
COMMENT ON COLUMN modeled.fact_metrics.source_field IS 'kicker, title, subtitle or body: which cleaned.articles column the offsets refer to. A headline quantity that the body repeats is recorded once, from the body.';
COMMENT ON COLUMN modeled.fact_metrics.start_offset IS 'Character offset of surface in the source field.';
COMMENT ON COLUMN modeled.fact_metrics.end_offset IS 'End offset (exclusive).';

CREATE TABLE IF NOT EXISTS modeled.article_districts (
    article_id   VARCHAR NOT NULL,
    district_key BIGINT  NOT NULL,
    mentions     INTEGER NOT NULL,
    first_offset INTEGER NOT NULL,
    is_primary   BOOLEAN NOT NULL,
    PRIMARY KEY (article_id, district_key)
);
COMMENT ON TABLE modeled.article_districts IS 'Every place an article names (title and body), with mention counts.';
COMMENT ON COLUMN modeled.article_districts.article_id IS 'Article.';
COMMENT ON COLUMN modeled.article_districts.district_key IS 'Place named (dim_district).';
COMMENT ON COLUMN modeled.article_districts.mentions IS 'Number of mentions.';
COMMENT ON COLUMN modeled.article_districts.first_offset IS 'Offset of the first mention in title + newline + body.';
COMMENT ON COLUMN modeled.article_districts.is_primary IS 'True for the article''s primary district (fact_articles.district_key).';

CREATE TABLE IF NOT EXISTS modeled.article_outlets (
    article_id VARCHAR NOT NULL,
    outlet_key BIGINT  NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, outlet_key)
);
COMMENT ON TABLE modeled.article_outlets IS 'Bridge: every outlet credited by an article''s byline, datelines and attributions, in credit order. Articles crediting no outlet (a 金胶州 □记者 byline) have no row here: the publication that printed every article is fact_articles.publication_outlet_key.';
COMMENT ON COLUMN modeled.article_outlets.article_id IS 'Article.';
COMMENT ON COLUMN modeled.article_outlets.outlet_key IS 'Credited outlet (dim_outlet).';
COMMENT ON COLUMN modeled.article_outlets.position IS '0-based order of the credit.';

CREATE TABLE IF NOT EXISTS modeled.article_keywords (
    article_id VARCHAR NOT NULL,
    keyword    VARCHAR NOT NULL,
    weight     DOUBLE  NOT NULL,
    rank       INTEGER NOT NULL,
    PRIMARY KEY (article_id, keyword)
);
COMMENT ON TABLE modeled.article_keywords IS 'Top-10 TF-IDF keywords per article (jieba.analyse with the project user dictionary); stop words and numbers excluded.';
COMMENT ON COLUMN modeled.article_keywords.article_id IS 'Article.';
COMMENT ON COLUMN modeled.article_keywords.keyword IS 'Keyword.';
COMMENT ON COLUMN modeled.article_keywords.weight IS 'TF-IDF weight from jieba.analyse.extract_tags.';
COMMENT ON COLUMN modeled.article_keywords.rank IS '1 = strongest keyword.';

CREATE TABLE IF NOT EXISTS modeled.dim_reporter (
    reporter_key  BIGINT  NOT NULL PRIMARY KEY,
    reporter_name VARCHAR NOT NULL
);
COMMENT ON TABLE modeled.dim_reporter IS 'Every person credited by an article: reporters (记者), correspondents (通讯员) and photographers (X 摄). One row per name: two people of the same name are one row (bylines carry nothing else to tell them apart).';
COMMENT ON COLUMN modeled.dim_reporter.reporter_key IS 'Stable surrogate key: the first 15 hex digits of sha256(''reporter:'' || reporter_name) as BIGINT, so the same name has the same key in every build and every warehouse, whatever order pages arrive in.';
COMMENT ON COLUMN modeled.dim_reporter.reporter_name IS 'Name as credited (刘慧).';

CREATE TABLE IF NOT EXISTS modeled.article_reporters (
    article_id   VARCHAR NOT NULL,
    reporter_key BIGINT  NOT NULL,
    role         VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (article_id, reporter_key, role)
);
COMMENT ON TABLE modeled.article_reporters IS 'Bridge: every person an article credits, with the role of the credit. Count articles per reporter with role = ''reporter''.';
COMMENT ON COLUMN modeled.article_reporters.article_id IS 'Article.';
COMMENT ON COLUMN modeled.article_reporters.reporter_key IS 'Person credited (dim_reporter).';
COMMENT ON COLUMN modeled.article_reporters.role IS '''reporter'' (记者, cleaned.articles.reporters), ''correspondent'' (通讯员) or ''photographer'' (X 摄).';
COMMENT ON COLUMN modeled.article_reporters.position IS '0-based order of the person within the role''s credit list.';
