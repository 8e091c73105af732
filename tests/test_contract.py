"""The DDL is the contract: etl.contract derives every table's Arrow schema, key and description from
etl/sql/schema.sql (and the views from marts.sql), and nothing in etl/ or assets/ restates them."""

from __future__ import annotations

import ast
import re
from datetime import date
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl import contract
from etl.contract import Contract

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("raw", "cleaned", "modeled")


def _packaged(name: str) -> str:
    return resources.files("etl").joinpath(f"sql/{name}").read_text(encoding="utf-8")


def _all_tables() -> list[str]:
    return [t for layer in LAYERS for t in contract.tables(layer)]


def _shape(t: pa.DataType):
    """A type with the names of nested fields left out (DuckDB calls a list's item ``l``, pyarrow ``item``)."""
    if pa.types.is_map(t):
        return ("map", _shape(t.key_type), _shape(t.item_type))
    if pa.types.is_list(t):
        return ("list", _shape(t.value_type))
    return str(t)


@pytest.fixture(scope="module")
def ddl_db():
    conn = duckdb.connect()
    conn.execute(_packaged("schema.sql"))
    yield conn
    conn.close()


def test_the_contract_lists_every_table_and_view_in_ddl_order():
    assert contract.table_names("raw") == ("source_files",)
    assert contract.table_names("cleaned") == ("pages", "articles", "paragraphs")
    assert contract.table_names("modeled")[:3] == ("dim_date", "dim_outlet", "dim_district")
    assert len(contract.view_names("marts")) == _packaged("marts.sql").count("CREATE OR REPLACE VIEW")
    assert len(_all_tables()) == _packaged("schema.sql").count("CREATE TABLE")
    for t in _all_tables():
        assert contract.description(t).strip(), t
        assert contract.primary_key(t), t
        assert set(contract.row_key(t)) <= set(contract.column_names(t)), t
        assert all(contract.column_comments(t).values()), t
    for v in contract.views("marts"):
        assert contract.description(v).strip() and contract.row_key(v), v


@pytest.mark.parametrize("table", _all_tables())
def test_the_arrow_schema_is_what_duckdb_stores(ddl_db, table):
    derived = contract.arrow_schema(table)
    stored = ddl_db.execute(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema
    assert derived.names == stored.names
    assert [_shape(f.type) for f in derived] == [_shape(f.type) for f in stored], table
    assert all(f.nullable for f in derived)  # DuckDB enforces NOT NULL on insert
    # an empty batch built with it inserts as is
    from etl.warehouse import insert_arrow
    ddl_db.execute("BEGIN")
    try:
        assert insert_arrow(ddl_db, table, pa.Table.from_pylist([], schema=derived)) == 0
    finally:
        ddl_db.execute("ROLLBACK")


def test_the_writers_build_their_tables_with_the_contract_schema():
    from etl.clean import CLEANED_TABLES, pages_to_arrow
    from etl.dates import calendar_rows
    from etl.model import FACT_TABLES
    from etl.raw import to_arrow

    assert to_arrow([]).schema == contract.arrow_schema("raw.source_files")
    assert [t.schema for t in pages_to_arrow([], [])] == [contract.arrow_schema(t) for t in CLEANED_TABLES]
    assert calendar_rows([date(2024, 1, 1)]).schema == contract.arrow_schema("modeled.dim_date")
    assert CLEANED_TABLES == ("cleaned.pages", "cleaned.articles", "cleaned.paragraphs")
    assert FACT_TABLES == tuple(t for t in contract.tables("modeled") if not t.startswith("modeled.dim_"))


def _scratch_ddl(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the DDL whose modeled.dim_reporter has one more column, extra_note (nothing else edited)."""
    sql = _packaged("schema.sql")
    new = re.sub(r"(CREATE TABLE IF NOT EXISTS modeled\.dim_reporter \(.*?reporter_name VARCHAR NOT NULL)",
                 r"\1,\n    extra_note    VARCHAR", sql, count=1, flags=re.S)
    assert new != sql
    (tmp_path / "schema.sql").write_text(new, encoding="utf-8")
    (tmp_path / "marts.sql").write_text(_packaged("marts.sql"), encoding="utf-8")
    return tmp_path / "schema.sql", tmp_path / "marts.sql"


def test_a_column_added_to_the_ddl_reaches_the_arrow_schema_and_the_export(tmp_path):
    from etl.export import export_all
    from etl.warehouse import insert_arrow

    schema_path, marts_path = _scratch_ddl(tmp_path)
    scratch = Contract.from_files(schema_path, marts_path)
    table = "modeled.dim_reporter"
    before = contract.arrow_schema(table)
    after = scratch.arrow_schema(table)
    assert after.names == before.names + ["extra_note"] and after.field("extra_note").type == pa.string()
    assert scratch.primary_key(table) == contract.primary_key(table)
    assert scratch.view_names("marts") == contract.view_names("marts")

    conn = duckdb.connect()
    try:
        conn.execute(schema_path.read_text(encoding="utf-8"))
        rows = [{"reporter_key": 7, "reporter_name": "刘慧", "extra_note": "added in the DDL only"}]
        insert_arrow(conn, table, pa.Table.from_pylist(rows, schema=after))
        manifest = export_all(conn, tmp_path / "exports", tables=["dim_reporter"], views=[])
    finally:
        conn.close()
    (entry,) = manifest["tables"]
    assert [c["name"] for c in entry["columns"]] == after.names
    written = pq.read_table(tmp_path / "exports" / entry["file"])
    assert written.column_names == after.names
    assert written.to_pylist() == rows


def test_every_check_query_runs_on_an_empty_warehouse(ddl_db):
    from assets.checks import SQL_CHECKS, UNIQUE_CHECKS

    queries = contract.check_queries()
    assert {".".join((*c.asset, c.name)) for c in SQL_CHECKS} <= set(queries)
    for c in SQL_CHECKS + UNIQUE_CHECKS:
        assert ddl_db.execute(c.sql).fetchone()[0] == 0, c.name
        if c.total_sql:
            assert ddl_db.execute(c.total_sql).fetchone()[0] == 0, c.name
    assert [c.asset for c in UNIQUE_CHECKS] == [tuple(t.split(".")) for t in _all_tables()]


def test_named_queries_split_on_name_lines():
    sql = "-- header\n-- name: a\nSELECT 1;\n\n-- name: b.c\n-- why\nSELECT 2\n"
    assert contract.named_queries(sql) == {"a": "SELECT 1", "b.c": "-- why\nSELECT 2"}
    with pytest.raises(ValueError):
        contract.named_queries("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;")


# ------------------------------------------------------------------ nothing restates the contract

# Modules still holding a restated list, each with what replaces it (remove the entry when it is done).
PENDING: dict[str, str] = {}  # files still restating the contract (none)


def _sources() -> list[Path]:
    return sorted(p for d in ("etl", "assets") for p in (ROOT / d).rglob("*.py")
                  if p.relative_to(ROOT).as_posix() not in ("etl/contract.py", *PENDING))


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_module_but_the_contract_spells_out_an_arrow_schema():
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("schema", "field", "struct") and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "pa" and any(_strings(a) for a in node.args)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"Arrow schemas written by hand (use etl.contract.arrow_schema): {offenders}"


def _literal(node: ast.AST) -> bool:
    """A list, tuple, set or dict written out of constants only (no names or calls in it)."""
    if not isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return False
    return all(isinstance(n, (ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Load))
               for n in ast.walk(node) if n is not node)


def test_no_module_but_the_contract_lists_tables_columns_or_keys():
    tables = set(_all_tables()) | {t.split(".", 1)[1] for t in _all_tables()}
    column_sets = [set(contract.column_names(t)) for t in _all_tables()]
    keys = [set(contract.primary_key(t)) for t in _all_tables() if len(contract.primary_key(t)) > 1]
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if _literal(node):
                named = [s for s in _strings(node) if s in tables]
                if len(named) >= 3:
                    offenders.append(f"{where} names tables {named[:4]}…")
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and node.elts and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                values = {e.value for e in node.elts}
                if len(values) >= 3 and values in column_sets:
                    offenders.append(f"{where} lists a table's columns")
                if values in keys:
                    offenders.append(f"{where} lists a table's key {sorted(values)}")
    assert not offenders, "restated contract (derive it from etl.contract):\n" + "\n".join(offenders)
