"""Outlet dimension upkeep.

Reference outlets (``etl/reference/outlets.csv``, curated from the mastheads
and credits of the papers) keep their keys. Outlets first seen in bylines or
mastheads that are not in the reference get keys from 1000 up, appended in
order of first appearance and never renumbered, so facts exported yesterday
still join today. Key -1 is the explicit unknown outlet.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import duckdb
import pyarrow as pa

UNKNOWN_KEY = -1
FIRST_OBSERVED_KEY = 1000


@lru_cache(maxsize=1)
def reference_outlets() -> list[dict]:
    text = resources.files("etl").joinpath("reference/outlets.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def alias_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for row in reference_outlets():
        out[row["outlet_name"]] = row["outlet_name"]
        for alias in filter(None, (row.get("aliases") or "").split(";")):
            out[alias.strip()] = row["outlet_name"]
    return out


def canonical_outlet(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip()
    return alias_map().get(name, name) or None


def upsert_dim_outlet(conn: duckdb.DuckDBPyConnection, observed: list[str]) -> int:
    """Refresh reference rows, append unseen observed outlets; return rows added."""
    ref = reference_outlets()
    rows = [{"outlet_key": UNKNOWN_KEY, "outlet_name": "未知", "parent_org": None,
             "outlet_type": "unknown", "city": None, "in_reference": True}]
    rows += [{"outlet_key": int(r["outlet_key"]), "outlet_name": r["outlet_name"], "parent_org": r["parent_org"] or None,
              "outlet_type": r["outlet_type"] or None, "city": r["city"] or None, "in_reference": True} for r in ref]
    known = {r["outlet_name"] for r in rows}
    existing = dict(conn.execute("SELECT outlet_name, outlet_key FROM modeled.dim_outlet WHERE NOT in_reference "
                                 "AND outlet_key <> ?", [UNKNOWN_KEY]).fetchall())
    next_key = max([FIRST_OBSERVED_KEY - 1, *existing.values()]) + 1
    added = 0
    for name in observed:
        name = canonical_outlet(name)
        if not name or name in known or name in existing:
            continue
        rows.append({"outlet_key": next_key, "outlet_name": name, "parent_org": None,
                     "outlet_type": "unknown", "city": None, "in_reference": False})
        existing[name] = next_key
        next_key += 1
        added += 1
    tbl = pa.Table.from_pylist(rows, schema=pa.schema([
        ("outlet_key", pa.int32()), ("outlet_name", pa.string()), ("parent_org", pa.string()),
        ("outlet_type", pa.string()), ("city", pa.string()), ("in_reference", pa.bool_())]))
    conn.register("_outlets", tbl)
    try:
        # nothing new and the reference rows as they should be: write nothing (no contention on DuckLake)
        ref_differs = conn.execute(
            "SELECT EXISTS (SELECT * FROM modeled.dim_outlet WHERE in_reference OR outlet_key = $u "
            "  EXCEPT ALL SELECT * FROM _outlets WHERE in_reference) "
            "OR EXISTS (SELECT * FROM _outlets WHERE in_reference "
            "  EXCEPT ALL SELECT * FROM modeled.dim_outlet WHERE in_reference OR outlet_key = $u)",
            {"u": UNKNOWN_KEY}).fetchone()[0]
        if ref_differs:
            conn.execute("DELETE FROM modeled.dim_outlet WHERE in_reference OR outlet_key = ?", [UNKNOWN_KEY])
            conn.execute("INSERT INTO modeled.dim_outlet SELECT * FROM _outlets WHERE in_reference")
        if added:
            conn.execute("INSERT INTO modeled.dim_outlet SELECT * FROM _outlets WHERE NOT in_reference")
    finally:
        conn.unregister("_outlets")
    return added


def outlet_keys(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(conn.execute("SELECT outlet_name, outlet_key FROM modeled.dim_outlet").fetchall())
