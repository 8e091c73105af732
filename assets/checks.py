"""Asset checks: each is a SQL query counting violating rows (SQL as data).

A check passes when its query returns 0 (a measured check: when the share of
rows it counts stays within its limit). ERROR checks guard the contract (keys,
referential integrity, file accounting) and block the publish; WARN checks flag
data that is suspicious but legitimate. No check is red on a healthy build: a
figure that is always above zero on real pages (articles whose year cannot be
established) is reported as a measurement, and warns only past a limit.

The checks of a layer run as one step (one ``multi_asset_check`` per layer:
raw, cleaned, modeled), so 3 steps check a run, not one step per check. Key
uniqueness is not re-checked on the embedded backend, where DuckDB enforces
every PRIMARY KEY of etl/sql/schema.sql on insert; DuckLake has no constraints,
so there the ``unique_*`` checks are what stops a duplicate row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import dagster as dg

from assets.resources import CHECK_POOL, WarehouseResource
from etl.ingest import arrived_at, discover, relative_path
from etl.lake import is_lake
from etl.raw import seed_paths


@dataclass(frozen=True)
class SqlCheck:
    asset: tuple[str, str]
    name: str
    description: str
    sql: str
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
    after: tuple[tuple[str, str], ...] = ()
    # a measured check: ``sql`` counts the rows, ``total_sql`` the population; it passes while
    # rows <= max_share x population (and reports both and the share)
    total_sql: str | None = None
    max_share: float = 0.0


FK = ("modeled", "dim_date"), ("modeled", "dim_outlet"), ("modeled", "dim_district")

SQL_CHECKS: list[SqlCheck] = [
    SqlCheck(("raw", "source_files"), "status_and_reason",
             "Every file is 'ok' or 'rejected', and every rejected file says why.",
             "SELECT count(*) FROM raw.source_files WHERE status NOT IN ('ok','rejected') "
             "OR (status = 'rejected' AND coalesce(error, '') = '')"),
    SqlCheck(("cleaned", "articles"), "has_title", "Every article has a non-empty title.",
             "SELECT count(*) FROM cleaned.articles WHERE coalesce(trim(title), '') = ''"),
    SqlCheck(("cleaned", "articles"), "dated_or_flagged",
             "Every article has a news_date, or date_confidence ('unknown', 'text_year') says why not.",
             "SELECT count(*) FROM cleaned.articles WHERE news_date IS NULL "
             "AND coalesce(date_confidence, '') NOT IN ('unknown', 'text_year')"),
    SqlCheck(("cleaned", "articles"), "year_known",
             "Share of articles whose year could not be established (date_key -1 in the facts), measured on "
             "every run. Real pages have some (an undated 本报讯 article on an undated page: 6 of the 26 seed "
             "articles); it warns only when more than half the articles lack a year, which means the dates "
             "stopped being read (a parser regression or a new page layout), not that a page is undated.",
             "SELECT count(*) FROM cleaned.articles WHERE news_date IS NULL",
             severity=dg.AssetCheckSeverity.WARN,
             total_sql="SELECT count(*) FROM cleaned.articles", max_share=0.5),
    SqlCheck(("modeled", "fact_articles"), "keys_resolve",
             "date_key, outlet_key, district_key, publication_outlet_key and publication_date_key resolve in "
             "their dimensions (no NULL keys).",
             """SELECT count(*) FROM modeled.fact_articles f
                LEFT JOIN modeled.dim_date d USING (date_key)
                LEFT JOIN modeled.dim_outlet o USING (outlet_key)
                LEFT JOIN modeled.dim_district x USING (district_key)
                LEFT JOIN modeled.dim_outlet po ON po.outlet_key = f.publication_outlet_key
                LEFT JOIN modeled.dim_date pd ON pd.date_key = f.publication_date_key
                WHERE d.date_key IS NULL OR o.outlet_key IS NULL OR x.district_key IS NULL
                   OR po.outlet_key IS NULL OR pd.date_key IS NULL""",
             after=FK),
    SqlCheck(("modeled", "fact_metrics"), "keys_resolve",
             "article_id, date_key, outlet_key, district_key and the publication keys resolve (no orphans, no NULL keys).",
             """SELECT count(*) FROM modeled.fact_metrics m
                LEFT JOIN modeled.fact_articles a USING (article_id)
                LEFT JOIN modeled.dim_date d ON d.date_key = m.date_key
                LEFT JOIN modeled.dim_outlet o ON o.outlet_key = m.outlet_key
                LEFT JOIN modeled.dim_district x ON x.district_key = m.district_key
                LEFT JOIN modeled.dim_outlet po ON po.outlet_key = m.publication_outlet_key
                LEFT JOIN modeled.dim_date pd ON pd.date_key = m.publication_date_key
                WHERE a.article_id IS NULL OR d.date_key IS NULL OR o.outlet_key IS NULL OR x.district_key IS NULL
                   OR po.outlet_key IS NULL OR pd.date_key IS NULL""",
             after=FK),
    SqlCheck(("modeled", "fact_metrics"), "surface_in_text",
             "Every surface is the exact substring of its article field at its offsets.",
             # Linear in the text: substr(body, offset) walks the UTF-8 body from its start, so one substr per
             # quantity was O(quantities x body) (8 minutes on a 15 MB page). Each field a quantity points into
             # is cut once into 64-char chunks; a quantity is compared with the chunk(s) its offsets fall in,
             # found by an equi-join on the chunk number (docs/big-pages.md).
             """WITH m AS (
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
                SELECT count(*) FROM got WHERE substr(piece, s % 64 + 1, e - s) IS DISTINCT FROM surface"""),
    SqlCheck(("modeled", "fact_metrics"), "values_sane",
             "No negative quantities; value_high >= value; percents of a whole within 0–100 "
             "(growth rates, 增/涨/降 in the sentence, may exceed it).",
             """SELECT count(*) FROM modeled.fact_metrics WHERE value < 0
                OR (value_high IS NOT NULL AND value_high < value)
                OR (unit_kind = 'percent' AND value > 100 AND NOT regexp_matches(coalesce(sentence, ''), '增|涨|降|提高|提升|同比|环比'))""",
             severity=dg.AssetCheckSeverity.WARN),
    SqlCheck(("modeled", "article_districts"), "keys_resolve", "Every place resolves in dim_district.",
             """SELECT count(*) FROM modeled.article_districts a LEFT JOIN modeled.dim_district d USING (district_key)
                WHERE d.district_key IS NULL""", after=(("modeled", "dim_district"),)),
    SqlCheck(("modeled", "article_reporters"), "keys_resolve",
             "Every credited person resolves in dim_reporter and every article in fact_articles.",
             """SELECT count(*) FROM modeled.article_reporters b
                LEFT JOIN modeled.dim_reporter r USING (reporter_key)
                LEFT JOIN modeled.fact_articles a USING (article_id)
                WHERE r.reporter_key IS NULL OR a.article_id IS NULL""", after=(("modeled", "dim_reporter"),)),
]


# Key uniqueness: DuckDB enforces these PRIMARY KEYs itself (an insert of a duplicate fails the step);
# DuckLake has no constraints, so there these blocking checks are what stops a duplicate row.
UNIQUE_KEYS = [
    ("raw", "source_files", ["path"]),
    ("cleaned", "pages", ["file_id"]),
    ("cleaned", "articles", ["article_id"]),
    ("cleaned", "paragraphs", ["paragraph_id"]),
    ("modeled", "dim_date", ["date_key"]),
    ("modeled", "dim_outlet", ["outlet_key"]),
    ("modeled", "dim_district", ["district_key"]),
    ("modeled", "fact_articles", ["article_id"]),
    ("modeled", "fact_metrics", ["metric_id"]),
    ("modeled", "article_districts", ["article_id", "district_key"]),
    ("modeled", "article_outlets", ["article_id", "outlet_key"]),
    ("modeled", "article_keywords", ["article_id", "keyword"]),
    ("modeled", "dim_reporter", ["reporter_key"]),
    ("modeled", "article_reporters", ["article_id", "reporter_key", "role"]),
]
UNIQUE_CHECKS = [
    SqlCheck((schema, table), f"unique_{'_'.join(cols) if len(cols) == 1 else 'key'}", f"({', '.join(cols)}) is unique.",
             f"SELECT count(*) FROM (SELECT {', '.join(cols)} FROM {schema}.{table} GROUP BY ALL HAVING count(*) > 1)")
    for schema, table, cols in UNIQUE_KEYS
]


def active_sql_checks() -> list[SqlCheck]:
    """The SQL checks of this backend: the uniqueness checks only where no PRIMARY KEY is enforced."""
    return SQL_CHECKS + (UNIQUE_CHECKS if is_lake() else [])


def _evaluate(conn, spec: SqlCheck) -> dg.AssetCheckResult:
    bad = int(conn.execute(spec.sql).fetchone()[0])
    key = dg.AssetKey(list(spec.asset))
    if spec.total_sql is None:
        return dg.AssetCheckResult(asset_key=key, check_name=spec.name, passed=bad == 0, severity=spec.severity,
                                   metadata={"violations": bad})
    total = int(conn.execute(spec.total_sql).fetchone()[0])
    share = bad / total if total else 0.0
    return dg.AssetCheckResult(asset_key=key, check_name=spec.name, passed=share <= spec.max_share,
                               severity=spec.severity,
                               metadata={"rows": bad, "of": total, "share": round(share, 4),
                                         "warns_above_share": spec.max_share})


def _run_scope(context: dg.AssetCheckExecutionContext) -> set[str] | None:
    """The paths this run was asked to read (its partition keys); None for an unpartitioned run."""
    try:
        if context.has_partition_key or context.has_partition_key_range:
            return set(context.partition_keys)
    except Exception:  # noqa: BLE001 - a check outside a partitioned run has no partition context
        pass
    return None


def _run_started(context: dg.AssetCheckExecutionContext) -> float | None:
    record = context.instance.get_run_record_by_id(context.run.run_id)
    return record.start_time if record is not None else None


EVERY_FILE_ACCOUNTED = dg.AssetCheckSpec(
    "every_file_accounted", asset=dg.AssetKey(["raw", "source_files"]), blocking=True,
    description="files seen in SEEDS_DIR = files ok + files rejected, always: every file listed on "
                "disk has its own key and its own row, counted independently of the keys (two files "
                "whose names map to one key fail it). A partitioned run answers for its own files; a "
                "file that arrived after the run started is the next run's (reported, not failed).")


def every_file_accounted(context, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    seeds = warehouse.settings.seeds_dir
    listed = discover(seeds)           # the files themselves, counted before any naming
    disk = seed_paths(seeds, listed)   # key → file; fewer keys than files = files that would share a row
    shared = len(listed) - len(disk)
    scope = _run_scope(context)
    with warehouse.connect(read_only=True) as conn:
        rows = dict(conn.execute("SELECT status, count(*) FROM raw.source_files GROUP BY 1").fetchall())
        path_rows = [r[0] for r in conn.execute("SELECT path FROM raw.source_files").fetchall()]
    paths = set(path_rows)
    duplicate_rows = len(path_rows) - len(paths)
    missing = sorted(p for p in set(disk) - paths if scope is None or p in scope)
    started = _run_started(context)
    late = [p for p in missing if started is not None and arrived_at(disk[p]) >= started]
    missing = [p for p in missing if p not in late]
    extra = sorted(paths - set(disk))
    # a run that answers for every file: rows = files listed on disk (minus late arrivals), by count
    whole = scope is None or set(disk) <= scope
    count_off = whole and len(path_rows) != len(listed) - len(late)
    names = Counter(relative_path(p, seeds) for p in listed) if shared else Counter()
    shared_names = sorted(n for n, k in names.items() if k > 1)
    return dg.AssetCheckResult(
        asset_key=EVERY_FILE_ACCOUNTED.asset_key, check_name=EVERY_FILE_ACCOUNTED.name,
        passed=not missing and not extra and not shared and not duplicate_rows and not count_off,
        metadata={"files_seen": len(listed), "distinct_keys": len(disk), "rows": len(path_rows),
                  "files_ok": rows.get("ok", 0), "files_rejected": rows.get("rejected", 0),
                  "files_sharing_a_key": shared, "names_sharing_a_key": ", ".join(shared_names[:20]),
                  "duplicate_path_rows": duplicate_rows,
                  "missing_from_table": ", ".join(missing[:20]), "not_on_disk": ", ".join(extra[:20]),
                  "arrived_during_run": ", ".join(late[:20])},
    )


def _spec(spec: SqlCheck) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(spec.name, asset=dg.AssetKey(list(spec.asset)), description=spec.description,
                             additional_deps=[dg.AssetKey(list(a)) for a in spec.after],
                             blocking=spec.severity == dg.AssetCheckSeverity.ERROR)


def _layer_checks(layer: str) -> dg.AssetChecksDefinition:
    """All checks on the assets of one layer (raw, cleaned, modeled), run in one step."""
    sql_checks = [c for c in active_sql_checks() if c.asset[0] == layer]
    by_key = {dg.AssetCheckKey(dg.AssetKey(list(c.asset)), c.name): c for c in sql_checks}
    specs = [_spec(c) for c in sql_checks] + ([EVERY_FILE_ACCOUNTED] if layer == "raw" else [])

    @dg.multi_asset_check(specs=specs, name=f"{layer}_checks", can_subset=True, pool=CHECK_POOL,
                          description=f"The asset checks of the {layer} layer, in one step.")
    def _checks(context, warehouse: WarehouseResource):  # context: AssetCheckExecutionContext
        selected = context.selected_asset_check_keys
        with warehouse.connect(read_only=True) as conn:
            for key, spec in by_key.items():
                if key in selected:
                    yield _evaluate(conn, spec)
        if layer == "raw" and EVERY_FILE_ACCOUNTED.key in selected:
            yield every_file_accounted(context, warehouse)

    return _checks


ASSET_CHECKS = [_layer_checks(layer) for layer in ("raw", "cleaned", "modeled")]
