"""The warehouse contract, read from the DDL: ``etl/sql/schema.sql`` (tables) and ``etl/sql/marts.sql`` (views).

The DDL is the one place a table's columns, types, nullability, primary key and
description are written. Everything else asks this module:

- ``tables("modeled")`` / ``table_names("modeled")``: the tables of a schema, in DDL order (the order
  they are written, checked and exported in); ``views("marts")`` / ``view_names("marts")`` likewise;
- ``columns(t)``, ``column_names(t)``, ``arrow_schema(t)``: what a writer builds its Arrow table with;
- ``primary_key(t)``: the PRIMARY KEY columns (the uniqueness checks); ``row_key(r)``: the columns
  an export is ordered and checksummed by (the PRIMARY KEY, or :data:`ROW_KEYS` where the DDL
  cannot say it: a view's grain, a bridge's credit order);
- ``description(r)`` and ``column_comments(r)``: the ``COMMENT ON`` texts.

Nothing is parsed by hand: the DDL is executed in an in-memory DuckDB and read
back from ``duckdb_tables()``, ``duckdb_views()``, ``duckdb_columns()`` and
``duckdb_constraints()``, once per process (:func:`default`, cached). A
:class:`Contract` can also be loaded from other DDL text (:meth:`Contract.from_sql`,
:meth:`Contract.from_files`), which is how a test shows that a column added to
the DDL reaches the Arrow schemas and the exports with no other edit.

``etl/sql/checks.sql`` holds the SQL of the asset checks as named queries
(:func:`check_queries`); ``assets/checks.py`` turns them into Dagster checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

SCHEMAS = ("raw", "cleaned", "modeled", "marts")

# The columns that identify a row where the DDL cannot say it: the rows of an export are written in
# this order and its manifest checksums these columns (etl.export), see :func:`Contract.row_key`.
# - a view has no constraints: its grain, the "Grain:" of its COMMENT ON VIEW in etl/sql/marts.sql;
# - a bridge table is read in credit order (position) or keyword rank, an alternate unique key the DDL
#   does not declare; drop these three entries to export them in PRIMARY KEY order instead (that
#   reorders their rows and changes their manifest key_columns and key_checksum).
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "modeled.article_outlets": ("article_id", "position"),
    "modeled.article_keywords": ("article_id", "rank"),
    "modeled.article_reporters": ("article_id", "role", "position"),
    "marts.district_ancestors": ("descendant_key", "ancestor_key"),
    "marts.metrics_by_district_month": ("year", "month", "district_key", "unit_kind", "base_unit"),
    "marts.articles_by_district_month": ("year", "month", "district_key"),
    "marts.articles_by_outlet_day": ("date_key", "outlet_key"),
    "marts.top_keywords_by_district_month": ("year", "month", "district_key", "keyword"),
    "marts.articles_wide": ("article_id",),
    "marts.metrics_wide": ("metric_id",),
}

# DuckDB type (as duckdb_columns().data_type spells it) -> Arrow type of the rows a writer builds.
_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "SMALLINT": pa.int16(),
    "DOUBLE": pa.float64(),
    "FLOAT": pa.float32(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
    "BOOLEAN": pa.bool_(),
}
_MAP = re.compile(r"^MAP\((.+?), (.+)\)$")


def arrow_type(duckdb_type: str) -> pa.DataType:
    """The Arrow type for a DuckDB column type: ``VARCHAR[]`` -> ``list<string>``,
    ``MAP(VARCHAR, INTEGER)`` -> ``map<string, int32>``. An unmapped type raises, so a new
    column type is a decision, not an accident."""
    t = duckdb_type.strip().upper()
    if t.endswith("[]"):
        return pa.list_(arrow_type(t[:-2]))
    m = _MAP.match(t)
    if m:
        return pa.map_(arrow_type(m[1]), arrow_type(m[2]))
    if t not in _ARROW_TYPES:
        raise ValueError(f"no Arrow type for DuckDB type {duckdb_type!r} (add it to etl.contract._ARROW_TYPES)")
    return _ARROW_TYPES[t]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type, as duckdb_columns() spells it
    nullable: bool
    comment: str


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    kind: str  # "table" or "view"
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]  # () for a view
    description: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def arrow_schema(self) -> pa.Schema:
        """Every field nullable, as the writers build them: DuckDB enforces NOT NULL on insert."""
        return pa.schema([(c.name, arrow_type(c.type)) for c in self.columns])


class Contract:
    """The tables and views of a DDL, by qualified name (``schema.name``), in DDL order."""

    def __init__(self, relations: list[Relation]):
        self._relations = {r.qualified: r for r in relations}
        self._arrow: dict[str, pa.Schema] = {}

    @classmethod
    def from_sql(cls, schema_sql: str, marts_sql: str = "") -> Contract:
        conn = duckdb.connect()
        try:
            conn.execute(schema_sql)
            if marts_sql:
                conn.execute(marts_sql)
            return cls(_read_relations(conn))
        finally:
            conn.close()

    @classmethod
    def from_files(cls, schema_path: str | Path, marts_path: str | Path | None = None) -> Contract:
        marts = Path(marts_path).read_text(encoding="utf-8") if marts_path is not None else ""
        return cls.from_sql(Path(schema_path).read_text(encoding="utf-8"), marts)

    # ---------------------------------------------------------------- lookups

    def relation(self, name: str) -> Relation:
        try:
            return self._relations[name]
        except KeyError:
            raise LookupError(f"{name} is not a table or view of the contract (use schema.name)") from None

    def tables(self, schema: str) -> tuple[str, ...]:
        return tuple(q for q, r in self._relations.items() if r.schema == schema and r.kind == "table")

    def table_names(self, schema: str) -> tuple[str, ...]:
        return tuple(q.split(".", 1)[1] for q in self.tables(schema))

    def views(self, schema: str = "marts") -> tuple[str, ...]:
        return tuple(q for q, r in self._relations.items() if r.schema == schema and r.kind == "view")

    def view_names(self, schema: str = "marts") -> tuple[str, ...]:
        return tuple(q.split(".", 1)[1] for q in self.views(schema))

    def columns(self, name: str) -> tuple[Column, ...]:
        return self.relation(name).columns

    def column_names(self, name: str) -> tuple[str, ...]:
        return self.relation(name).column_names

    def arrow_schema(self, name: str) -> pa.Schema:
        if name not in self._arrow:
            self._arrow[name] = self.relation(name).arrow_schema()
        return self._arrow[name]

    def primary_key(self, name: str) -> tuple[str, ...]:
        rel = self.relation(name)
        if not rel.primary_key:
            raise LookupError(f"{name} has no PRIMARY KEY in the DDL")
        return rel.primary_key

    def row_key(self, name: str) -> tuple[str, ...]:
        """The columns that identify a row, in reading order: :data:`ROW_KEYS` where it names the relation
        (a view's grain, a bridge's credit order), else the table's PRIMARY KEY."""
        rel = self.relation(name)
        if name in ROW_KEYS:
            missing = set(ROW_KEYS[name]) - set(rel.column_names)
            if missing:
                raise LookupError(f"etl.contract.ROW_KEYS[{name!r}] names columns {name} lacks: {sorted(missing)}")
            return ROW_KEYS[name]
        if rel.kind == "view":
            raise LookupError(f"view {name} has no grain in etl.contract.ROW_KEYS")
        return self.primary_key(name)

    def description(self, name: str) -> str:
        return self.relation(name).description

    def column_comments(self, name: str) -> dict[str, str]:
        return {c.name: c.comment for c in self.relation(name).columns}


def _read_relations(conn: duckdb.DuckDBPyConnection) -> list[Relation]:
    names = conn.execute(
        """SELECT schema_name, name, kind, coalesce(comment, '') FROM (
               SELECT schema_name, table_name AS name, 'table' AS kind, comment, table_oid AS oid FROM duckdb_tables()
               UNION ALL
               SELECT schema_name, view_name, 'view', comment, view_oid FROM duckdb_views() WHERE NOT internal
           ) WHERE schema_name IN (SELECT unnest($schemas::VARCHAR[]))
           ORDER BY list_position($schemas::VARCHAR[], schema_name), kind, oid""",
        {"schemas": list(SCHEMAS)}).fetchall()
    cols: dict[tuple[str, str], list[Column]] = {}
    for schema, table, col, dtype, nullable, comment in conn.execute(
            "SELECT schema_name, table_name, column_name, data_type, is_nullable, coalesce(comment, '') "
            "FROM duckdb_columns() ORDER BY schema_name, table_name, column_index").fetchall():
        cols.setdefault((schema, table), []).append(Column(col, dtype, bool(nullable), comment))
    keys = {(s, t): tuple(k) for s, t, k in conn.execute(
        "SELECT schema_name, table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
    return [Relation(s, n, kind, tuple(cols.get((s, n), ())), keys.get((s, n), ()), comment)
            for s, n, kind, comment in names]


def _packaged(file: str) -> str:
    return resources.files("etl").joinpath(f"sql/{file}").read_text(encoding="utf-8")


def schema_sql() -> str:
    """The text of etl/sql/schema.sql (the tables), as ``ensure_schema`` executes it."""
    return _packaged("schema.sql")


def marts_sql() -> str:
    """The text of etl/sql/marts.sql (the analyst views)."""
    return _packaged("marts.sql")


@lru_cache(maxsize=1)
def default() -> Contract:
    """The contract of the packaged DDL (etl/sql/schema.sql + marts.sql), loaded once per process."""
    return Contract.from_sql(schema_sql(), marts_sql())


# ---------------------------------------------------------------- the packaged contract, as functions

def tables(schema: str) -> tuple[str, ...]:
    """Qualified names (``schema.table``) of a schema's tables, in DDL order."""
    return default().tables(schema)


def table_names(schema: str) -> tuple[str, ...]:
    """Bare names of a schema's tables, in DDL order."""
    return default().table_names(schema)


def views(schema: str = "marts") -> tuple[str, ...]:
    return default().views(schema)


def view_names(schema: str = "marts") -> tuple[str, ...]:
    return default().view_names(schema)


def columns(name: str) -> tuple[Column, ...]:
    return default().columns(name)


def column_names(name: str) -> tuple[str, ...]:
    return default().column_names(name)


def arrow_schema(name: str) -> pa.Schema:
    return default().arrow_schema(name)


def primary_key(name: str) -> tuple[str, ...]:
    return default().primary_key(name)


def row_key(name: str) -> tuple[str, ...]:
    return default().row_key(name)


def description(name: str) -> str:
    return default().description(name)


def column_comments(name: str) -> dict[str, str]:
    return default().column_comments(name)


# ---------------------------------------------------------------- named queries (etl/sql/checks.sql)

_NAME_LINE = re.compile(r"^--\s*name:\s*(\S+)\s*$", re.M)


def named_queries(sql: str) -> dict[str, str]:
    """``-- name: <name>`` blocks of a SQL file -> {name: query}; a block runs to the next name line.
    Comment lines inside a block stay in its query; the trailing ``;`` is dropped."""
    parts = _NAME_LINE.split(sql)
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        if name in out:
            raise ValueError(f"query {name!r} is defined twice")
        out[name] = body.strip().rstrip(";").rstrip()
    return out


@lru_cache(maxsize=1)
def check_queries() -> dict[str, str]:
    """The named queries of etl/sql/checks.sql (one per asset check, named ``schema.table.check``)."""
    return named_queries(_packaged("checks.sql"))
