"""Asset checks: each is a SQL query counting violating rows (SQL as data, in etl/sql/checks.sql).

A check passes when its query returns 0 (a measured check: when the share of
rows it counts stays within its limit). ERROR checks guard the contract (keys,
referential integrity, file accounting) and block the publish; WARN checks flag
data that is suspicious but legitimate. No check is red on a healthy build: a
figure that is always above zero on real pages (articles whose year cannot be
established) is reported as a measurement, and warns only past a limit.

The checks of a layer run as one step (one ``multi_asset_check`` per layer:
raw, cleaned, modeled), not one step per check; Dagster runs the modeled one as
3 steps, since its blocking key checks on the dimensions gate the fact build. The
``unique_*`` checks exist on both backends (the backend is chosen per run), but
query only on DuckLake, which has no constraints, so there they are what stops a
duplicate row; on the embedded backend DuckDB enforces every PRIMARY KEY of
etl/sql/schema.sql on insert, and they pass saying so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import dagster as dg

from assets.partitions import run_partition_keys, shard_of
from assets.resources import CHECK_POOL, WarehouseResource
from etl import contract
from etl.contract import check_queries
from etl.ingest import arrived_at, discover, relative_path
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


# the dimensions a fact row keys into (their one-column PRIMARY KEY is a column of fact_articles):
# dim_date, dim_outlet and dim_district; the keys_resolve checks of the facts run after them
FK = tuple((t.split(".")[0], t.split(".")[1]) for t in contract.tables("modeled")
           if t != "modeled.fact_articles" and len(contract.primary_key(t)) == 1
           and contract.primary_key(t)[0] in contract.column_names("modeled.fact_articles"))


def _sql(asset: tuple[str, str], name: str) -> str:
    """The named query ``<schema>.<table>.<check>`` of etl/sql/checks.sql."""
    return check_queries()[".".join((*asset, name))]


def _check(asset: tuple[str, str], name: str, description: str, **kw) -> SqlCheck:
    return SqlCheck(asset, name, description, _sql(asset, name), **kw)


SQL_CHECKS: list[SqlCheck] = [
    _check(("raw", "source_files"), "status_and_reason",
           "Every file is 'ok' or 'rejected', and every rejected file says why."),
    _check(("cleaned", "articles"), "has_title", "Every article has a non-empty title."),
    _check(("cleaned", "articles"), "dated_or_flagged",
           "Every article has a news_date, or date_confidence ('unknown', 'text_year') says why not."),
    _check(("cleaned", "articles"), "year_known",
           "Share of articles whose year could not be established (date_key -1 in the facts), measured on "
           "every run. Real pages have some (an undated 本报讯 article on an undated page: 6 of the 26 seed "
           "articles); it warns only when more than half the articles lack a year, which means the dates "
           "stopped being read (a parser regression or a new page layout), not that a page is undated.",
           severity=dg.AssetCheckSeverity.WARN,
           total_sql=_sql(("cleaned", "articles"), "year_known.total"), max_share=0.5),
    _check(("modeled", "fact_articles"), "keys_resolve",
           "date_key, outlet_key, district_key, publication_outlet_key and publication_date_key resolve in "
           "their dimensions (no NULL keys).",
           after=FK),
    _check(("modeled", "fact_metrics"), "keys_resolve",
           "article_id, date_key, outlet_key, district_key and the publication keys resolve "
           "(no orphans, no NULL keys).",
           after=FK),
    _check(("modeled", "fact_metrics"), "surface_in_text",
           "Every surface is the exact substring of its article field at its offsets."),
    _check(("modeled", "fact_metrics"), "values_sane",
           "No negative quantities; value_high >= value; percents of a whole within 0–100 "
           "(growth rates, 增/涨/降 in the sentence, may exceed it).",
           severity=dg.AssetCheckSeverity.WARN),
    _check(("modeled", "article_districts"), "keys_resolve", "Every place resolves in dim_district.",
           after=(("modeled", "dim_district"),)),
    _check(("modeled", "article_reporters"), "keys_resolve",
           "Every credited person resolves in dim_reporter and every article in fact_articles.",
           after=(("modeled", "dim_reporter"),)),
]


# Key uniqueness: DuckDB enforces every PRIMARY KEY of etl/sql/schema.sql itself (an insert of a duplicate
# fails the step); DuckLake has no constraints, so there these blocking checks are what stops a duplicate row.
# One per table of the contract, its key the table's PRIMARY KEY.
def _unique_check(table: str) -> SqlCheck:
    schema, name = table.split(".")
    cols = contract.primary_key(table)
    sql = check_queries()["unique_key"].replace("{columns}", ", ".join(cols)).replace("{table}", table)
    return SqlCheck((schema, name), f"unique_{'_'.join(cols) if len(cols) == 1 else 'key'}",
                    f"({', '.join(cols)}) is unique.", sql)


UNIQUE_CHECKS = [_unique_check(t) for layer in ("raw", "cleaned", "modeled") for t in contract.tables(layer)]


def active_sql_checks() -> list[SqlCheck]:
    """Every SQL check. The backend is chosen per run, so the uniqueness checks are defined on both; on the
    embedded backend, where DuckDB enforces the PRIMARY KEYs, they pass without a query (_layer_checks)."""
    return SQL_CHECKS + UNIQUE_CHECKS


def _measure(conn, spec: SqlCheck) -> tuple[bool, dict]:
    """(passed, metadata) of one SQL check on ``conn``."""
    bad = int(conn.execute(spec.sql).fetchone()[0])
    if spec.total_sql is None:
        return bad == 0, {"violations": bad}
    total = int(conn.execute(spec.total_sql).fetchone()[0])
    share = bad / total if total else 0.0
    return share <= spec.max_share, {"rows": bad, "of": total, "share": round(share, 4),
                                     "warns_above_share": spec.max_share}


def _evaluate(conn, spec: SqlCheck, snapshot: int | None = None) -> dg.AssetCheckResult:
    passed, metadata = _measure(conn, spec)
    if snapshot is not None:
        metadata["ducklake_snapshot"] = snapshot
    return dg.AssetCheckResult(asset_key=dg.AssetKey(list(spec.asset)), check_name=spec.name, passed=passed,
                               severity=spec.severity, metadata=metadata)


def audit_blocking(conn) -> tuple[int, list[str]]:
    """Every blocking SQL check on ``conn``: (checks run, "schema.table check: metadata" per failure).
    The publish step runs it at the snapshot it publishes (``etl.publication``)."""
    blocking = [c for c in active_sql_checks() if c.severity == dg.AssetCheckSeverity.ERROR]
    failures = []
    for spec in blocking:
        passed, metadata = _measure(conn, spec)
        if not passed:
            failures.append(f"{'.'.join(spec.asset)} {spec.name}: {metadata}")
    return len(blocking), failures


def _run_scope(context: dg.AssetCheckExecutionContext, disk) -> set[str] | None:
    """The paths this run was asked to read (the files of ``disk`` in its shards); None for an
    unpartitioned run."""
    keys = run_partition_keys(context)
    if keys is None:
        return None
    wanted = set(keys)
    return {p for p in disk if shard_of(p) in wanted}


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
    scope = _run_scope(context, disk)
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
        backend = warehouse.backend_impl
        enforced = backend.enforces_keys
        results = []
        # on the lake, every check of the step reads one snapshot, recorded as ducklake_snapshot
        with warehouse.connect(read_only=True) as conn, backend.pinned(conn) as snapshot:
            for key, spec in by_key.items():
                if key not in selected:
                    continue
                if enforced and spec in UNIQUE_CHECKS:
                    results.append(dg.AssetCheckResult(asset_key=key.asset_key, check_name=spec.name, passed=True,
                                                       severity=spec.severity,
                                                       metadata={"enforced_by": "PRIMARY KEY (embedded DuckDB)"}))
                else:
                    results.append(_evaluate(conn, spec, snapshot))
        yield from results
        if layer == "raw" and EVERY_FILE_ACCOUNTED.key in selected:
            yield every_file_accounted(context, warehouse)

    return _checks


ASSET_CHECKS = [_layer_checks(layer) for layer in ("raw", "cleaned", "modeled")]
