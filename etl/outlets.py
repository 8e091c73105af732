"""Outlet dimension upkeep.

Reference outlets (``etl/reference/outlets.csv``, curated from the mastheads
and credits of the papers) keep their keys. Outlets first seen in bylines or
mastheads that are not in the reference get keys from 1000 up, appended in
order of first appearance and never renumbered, so facts exported yesterday
still join today. Key -1 is the explicit unknown outlet.

Outlet names are canonical in simplified characters: a traditional-character
credit or masthead (青島日報) is the same outlet as its simplified form (青岛日报).
This module also holds the traditional → simplified conversion the pipeline
matches with (:func:`to_simplified`, :func:`simplified_for_parsing`): OpenCC's
``t2s`` dictionary (the compiled ``opencc`` wheel), applied character by
character so that the converted copy has the length of the printed text and
every offset into it is an offset into the printed text.
"""

from __future__ import annotations

import csv
import threading
from functools import lru_cache
from importlib import resources

import duckdb
import pyarrow as pa

from etl import contract

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
    """The outlet's canonical name: simplified characters, then the reference aliases (青島日報 → 青岛日报)."""
    if not name:
        return None
    name = name.strip()
    aliases = alias_map()
    if name in aliases:
        return aliases[name] or None
    name = to_simplified(name)
    return aliases.get(name, name) or None



# ---------------------------------------------------------------- the publication of a page
PUBLICATION_SOURCES = ("masthead", "inferred_from_credits", "unknown")


def is_newspaper(name: str | None) -> bool:
    """A printed newspaper, not a web or app brand: ``outlet_type`` newspaper in the reference
    list; an outlet not in the list counts when its name ends in 报 (…日报, …晚报, …都市报)."""
    if not name:
        return False
    types = {r["outlet_name"]: r["outlet_type"] for r in reference_outlets()}
    if name in types:
        return types[name] == "newspaper"
    return name.endswith("报")


def own_article(dateline_text: str | None, bylines) -> bool:
    """An article the page's own paper wrote: a 本报…讯/本报…电 dateline or a 本报记者 byline
    (read in simplified characters: a traditional page keeps 本報 as printed)."""
    return bool(to_simplified(dateline_text or "").lstrip().startswith("本报")
                or any("本报" in to_simplified(b or "") for b in bylines or ()))


def page_publication(masthead: str | None, articles) -> tuple[str | None, str]:
    """(publication, how it was found) of a page.

    ``articles`` are ``(dateline_text, bylines, outlets)`` of the page's articles in
    page order. The masthead (whatever the parser found as the page's own
    publication) wins; else the newspaper credited by most of the page's own
    (本报) articles, ties to the one credited first: in
    ``(观海新闻/青岛晚报/掌上青岛 记者 刘慧)`` that is 青岛晚报, the paper, not the
    观海新闻 app or the 掌上青岛 site. Returns ``(None, 'unknown')`` when neither.
    """
    name = canonical_outlet(masthead)
    if name:
        return name, "masthead"
    votes: dict[str, int] = {}
    first: dict[str, int] = {}
    for dateline_text, bylines, outlets in articles:
        if not own_article(dateline_text, bylines):
            continue
        for o in dict.fromkeys(filter(None, (canonical_outlet(x) for x in outlets or ()))):
            if is_newspaper(o):
                votes[o] = votes.get(o, 0) + 1
                first.setdefault(o, len(first))
    if not votes:
        return None, "unknown"
    return max(votes, key=lambda o: (votes[o], -first[o])), "inferred_from_credits"

# ---------------------------------------------------------------- traditional → simplified
# Han ideographs only (CJK unified, extension A, compatibility, supplementary planes): punctuation,
# digits and Latin are never touched, so a converted text has the same characters everywhere else.
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF))
_t2s_lock = threading.Lock()
_t2s_chars: dict[str, str | None] = {}   # char -> its simplified form (one char), None when it has none


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return any(a <= o <= b for a, b in _HAN_RANGES)


@lru_cache(maxsize=1)
def _t2s_converter():
    try:
        import opencc
    except ImportError:  # pragma: no cover - a locked dependency; without it nothing is converted
        return None
    return opencc.OpenCC("t2s")


def _t2s_table(chars) -> dict[int, str]:
    """``str.translate`` table of the traditional characters among ``chars`` (one OpenCC call per
    character ever seen by this process; a simplified page yields an empty table)."""
    conv = _t2s_converter()
    if conv is None:
        return {}
    new = [c for c in chars if c not in _t2s_chars and ord(c) >= 0x3400 and _is_han(c)]
    if new:
        with _t2s_lock:
            for c in new:
                s = conv.convert(c)
                # the simplified form must be a basic CJK ideograph (U+4E00–U+9FFF), the range every
                # matcher and the parser's name rules read as Han: 輖 -> 𫐏 (plane 2) is left as printed
                _t2s_chars[c] = s if len(s) == 1 and s != c and 0x4E00 <= ord(s) <= 0x9FFF else None
    return {ord(c): s for c in chars if (s := _t2s_chars.get(c)) is not None}


def to_simplified(text: str) -> str:
    """``text`` with traditional characters replaced by their simplified form, character by character.

    Same length as ``text`` (offsets carry over); ``text`` itself when it has no
    traditional character. Used to *match* places, units, numerals and outlets;
    what is stored stays as printed. Linear in the text.
    """
    if not text:
        return text
    table = _t2s_table(set(text))
    return text.translate(table) if table else text


def simplified_for_parsing(text: str) -> tuple[str, dict[int, str] | None]:
    """(converted text, inverse table) for parsing a page in the simplified script, or (text, None).

    Only traditional characters whose simplified form the page does not print
    otherwise are converted (two printed forms of one character, 發/髮 → 发 or
    記 next to 记, stay as printed), so the conversion is one-to-one on this page
    and ``str.translate(inverse)`` turns any text the parser returns back into
    the printed characters.
    """
    if not text:
        return text, None
    chars = set(text)
    table = _t2s_table(chars)
    if not table:
        return text, None
    images: dict[str, int] = {}
    for c in chars:  # how many printed characters end up as each simplified one
        s = table.get(ord(c), c)
        images[s] = images.get(s, 0) + 1
    table = {o: s for o, s in table.items() if images[s] == 1}
    if not table:
        return text, None
    return text.translate(table), {ord(s): chr(o) for o, s in table.items()}


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
    tbl = pa.Table.from_pylist(rows, schema=contract.arrow_schema("modeled.dim_outlet"))
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
