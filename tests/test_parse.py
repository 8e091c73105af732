"""Tests for etl.parse (page grammar: docs/page-grammar.md).

Expected values are read from the seed pages by hand.  Text values are in
normalised form: ASCII , ; ( ) between CJK become full-width, spaces next to
clause punctuation are dropped, the joining '——' of kicker/subtitle is
stripped.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.parse import (
    DATELINE_RE,
    MARKER_DOWN_END_RE,
    MARKER_UP_START_RE,
    infer_text_year,
    parse_credit,
    parse_page,
)
from etl.parse.credits import paragraph_tail
from etl.parse.text import core, normalize, strip_markup

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
QD2 = ["青岛日报", "观海新闻"]
QD3 = ["观海新闻", "青岛晚报", "掌上青岛"]


def _seed(prefix: str) -> str:
    (path,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pages():
    return {p: parse_page(_seed(p)) for p in ("000", "001", "002", "003", "004")}


# --------------------------------------------------------------------------
# Expected articles per seed:
# (kicker, title, subtitle, news_date, date_confidence, outlets, reporters,
#  correspondents, continuation, title_source)
# title None  => derived title (only title_source is checked here)
# --------------------------------------------------------------------------
D = date
EXPECTED = {
    "000": [
        (None, "上合示范区党工委第105次会议召开", None, D(2024, 11, 27), "dateline+page_year",
         [], ["陈凯"], [], "none", "heading"),
        (None, "市委理论学习中心组举行集体学习研讨", None, D(2024, 11, 28), "dateline+page_year",
         [], ["陈凯"], [], "none", "heading"),
        ("新华社聚焦报道上合示范区", "持续推进商旅文交流发展", None, D(2024, 11, 29), "page_date",
         [], [], [], "continues", "heading"),
        ("中云街道积极探索基层治理的新路径，目前，辖区小区业委会组建率达63%，1600余件热点问题实现小区自主化解",
         "“共治共享”显成效", None, D(2024, 11, 29), "page_date", [], ["曲一鸣"], [], "none", "heading"),
        ("“信用上合”平台加速对外贸易进程，截至9月底，已累计服务超过10万家企业",
         "“信用+”应用场景激活发展新动能", None, D(2024, 11, 29), "page_date", [], ["曲一鸣"], [],
         "continues", "heading"),
    ],
    "001": [
        (None, "“党建引领”驱动小区治理新格局", "从党组织全覆盖到深化红色物业，市南区激活基层治理“红色引擎”",
         D(2024, 12, 18), "dateline+text_year", QD3, ["刘慧"], [], "none", "heading"),
        ("“政务+金融”一站式服务，19家企业现场签约", "西海岸新质生产力中心启动运行", None,
         D(2024, 12, 18), "dateline+text_year", QD3, ["栾丕炜"], [], "none", "heading"),
        (None, "深化农业农村改革 助力乡村振兴", "平度市农业农村“改革进行时”新闻发布会举行",
         D(2024, 12, 18), "dateline+text_year", QD3, ["马丙政"], [], "none", "heading"),
    ],
    "002": [
        (None, "上合示范区出台高质量发展行动方案",
         "搭建六大平台、创新六个模式、做大六大产业、做强“六个圈层”市场主体，打造上合组织国家地方间经贸合作的“青岛模式”",
         None, "unknown", QD2, ["锡复春"], [], "none", "heading"),
        ("“莱西高铁新城”5个月完成2280亩土地征迁，啃下重点低效片区开发建设“硬骨头”",
         "征迁下足“绣花功夫”，143家涉迁企业“零投诉”", None, None, "unknown",
         QD2, ["李德银"], ["魏康", "高欢欢"], "none", "heading"),
        ("汇聚民声民智 倾力助推发展", "十四届市政协信息员聘任暨培训工作会议举行", None, None, "unknown",
         QD2, ["简君妍"], [], "none", "heading"),
        (None, "全国工商联发布温州新时代“两个健康”先行区创建经验推广试点单位 青岛市工商联上榜", None,
         None, "unknown", QD2, ["刘萍"], [], "none", "heading"),
        ("青岛出台新举措，推动孵化机构高质量发展", "最高支持1000万元 扶持标杆孵化器", None, None, "unknown",
         QD2, ["耿婷婷"], [], "none", "heading"),
        (None, "青岛实现未成年人救助保护中心全覆盖", "建立起“儿童督导员+儿童主任+儿童社工”多元化基层儿童工作队伍",
         None, "unknown", QD2, ["贾臻"], [], "none", "heading"),
    ],
    "003": [
        ("青岛出台《意见》，加强党建引领小区治理，深化社区“幸福家园”建设", "让小区治理精准有序、服务暖心有感", None,
         D(2024, 11, 10), "page_dateline", QD2, ["刘佳施"], [], "none", "heading"),
        (None, None, None, D(2024, 11, 10), "dateline+text_year_relative", QD2, ["米荆玉"], [], "none", "derived"),
        (None, "记录青岛市多个“第一次” 《回眸》摄影作品展启幕", None, D(2024, 11, 10), "dateline+text_year_relative",
         QD2, [], [], "none", "heading"),
        (None, "打出政策组合拳，房地产市场回稳向好", None, D(2024, 11, 10), "page_dateline", [], [], [], "continued_from", "heading"),
        (None, None, None, D(2024, 11, 10), "page_dateline", [], [], [], "continued_from", "derived"),
        (None, "“腾笼换鸟”后，这片“楼”颇富吸引力", "青岛智谷·粤浦科技创新中心项目封顶，项目边建设边招商，已完成半数招商面积",
         D(2024, 11, 10), "dateline+text_year_relative", QD2, ["张晋"], [], "none", "heading"),
        (None, "随到随检、随检随放，“双11”跨境购物更快捷", "黄岛海关建立关企联系机制，最大限度保障商品通关时效",
         D(2024, 11, 10), "dateline+text_year_relative", QD2, ["刘兰星"], ["韩迎"], "none", "heading"),
    ],
    "004": [
        (None, "让党的二十大精神在基层落地生根", "省委宣讲团成员在青岛宣讲党的二十大精神，与基层干部群众面对面交流",
         D(2022, 11, 14), "dateline+text_year", QD2, ["薛君妍"], [], "none", "heading"),
        (None, None, None, D(2022, 11, 14), "page_dateline", [], [], [], "none", "derived"),
        (None, "青岛首单创新创业公司债券发行", "规模5亿元，主要投向现代物流、科技服务等产业领域",
         D(2022, 11, 14), "dateline+text_year", QD2, ["傅军"], [], "none", "heading"),
        (None, "青岛人选全省首批“平安农机”示范市", None, D(2022, 11, 14), "dateline+text_year",
         QD2, ["张晋"], ["窦晓青"], "none", "heading"),
        ("前三季度全区固投增速15%，新落地6个30亿元项目，加速推进259个城市更新和城市建设项目",
         "市北：以强作风促落实，以实干求实效", None, D(2022, 11, 14), "page_dateline", QD2, ["余瑞新"], [], "none", "heading"),
    ],
}

EXPECTED_DATELINES = {
    "000": [(11, 27), (11, 28), (None, None), (None, None), (None, None)],
    "001": [(12, 18)] * 3,
    "002": [(9, 23), (None, None), (9, 23), (9, 23), (9, 23), (9, 23)],
    "003": [(None, None), (11, 10), (11, 10), (None, None), (None, None), (11, 10), (11, 10)],
    "004": [(11, 14), (None, None), (11, 14), (11, 14), (None, None)],
}

BANNERS = {
    "000": ["在习近平新时代中国特色社会主义思想指引下 大省挑大梁·深化改革"],
    "001": [],
    "002": ["提升作风能力 争做实干家 扎实开展“作风能力提升年”活动", "为民·靠民·惠民 创建全国文明典范城市"],
    "003": [],
    "004": ["全民动员 人人参与 创建全国文明典范城市"],
}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_articles_per_seed(pages, seed):
    page = pages[seed]
    exp = EXPECTED[seed]
    assert len(page.articles) == len(exp), [a.title for a in page.articles]
    for a, e in zip(page.articles, exp):
        kicker, title, subtitle, news_date, conf, outlets, reporters, corrs, cont, source = e
        assert a.kicker == kicker, a.title
        if title is not None:
            assert a.title == title
        assert a.title  # never empty
        assert a.subtitle == subtitle, a.title
        assert a.news_date == news_date, a.title
        assert a.date_confidence == conf, a.title
        assert a.outlets == outlets, a.title
        assert a.reporters == reporters, a.title
        assert a.correspondents == corrs, a.title
        assert a.continuation == cont, a.title
        assert a.title_source == source, a.title
    assert [a.ordinal for a in page.articles] == list(range(len(exp)))


@pytest.mark.parametrize("seed", sorted(EXPECTED_DATELINES))
def test_datelines(pages, seed):
    got = [(a.dateline_month, a.dateline_day) for a in pages[seed].articles]
    assert got == EXPECTED_DATELINES[seed]


@pytest.mark.parametrize("seed", sorted(BANNERS))
def test_banners_are_furniture_not_titles(pages, seed):
    page = pages[seed]
    banners = [p.text for p in page.furniture if p.kind == "banner"]
    assert banners == BANNERS[seed]
    titles = {a.title for a in page.articles} | {a.kicker for a in page.articles if a.kicker}
    for b in banners:
        for part in b.split(" "):
            assert all(part not in t for t in titles)


def test_meta_seed_000(pages):
    m = pages["000"].meta
    assert m.publication == "金胶州"
    assert m.page_date == date(2024, 11, 29)
    assert m.issue_no == 4466
    assert m.lunar_text == "农历甲辰年十月廿九"
    assert m.weekday == "星期五"
    assert m.url == "http://jzrm.jiaozhou.gov.cn/"
    assert m.lines == ["金胶州数字报", "http://jzrm.jiaozhou.gov.cn/", "# 金胶州", "2024年11月29日",
                       "农历甲辰年十月廿九", "星期五", "总第4466期"]
    # the masthead is never an article
    assert all("金胶州" not in a.title for a in pages["000"].articles)
    assert [p.kind for p in pages["000"].furniture].count("masthead") == 7


@pytest.mark.parametrize("seed", ["001", "002", "003", "004"])
def test_no_masthead(pages, seed):
    m = pages[seed].meta
    assert m.publication is None and m.page_date is None and m.issue_no is None and m.lines == []


# --------------------------------------------------------------------------
# Layout repair, duplicates, call-outs, captions
# --------------------------------------------------------------------------
def test_column_breaks_joined(pages):
    b000 = pages["000"].articles
    assert "强化政策赋能支持" in b000[0].body
    assert "切实提高行动力、执行力和落实力" in b000[0].body
    assert "慧博花园小区业委会主任刘瑜在整个过程中发挥了关键作用" in b000[3].body
    assert "自2018年宣布建设以来，位于山东青岛的上合示范区" in b000[2].body
    b001 = pages["001"].articles[0].body
    assert "483个楼栋（楼栋）成立党小组" in b001  # ASCII parens normalised to full-width
    assert "物业服务企业的全面领导" in b001
    assert "按照“小区所需、党员所长”原则" in b001
    assert "看似只需填填单子写写字，“王学瑞”们实则承担着" in pages["002"].articles[1].body
    b003 = pages["003"].articles
    assert "物业服务企业（项目）及时建立党组织" in b003[0].body  # joined across a bullet box
    assert "在“两优一先”等评选中，注重重表彰表扬" in b003[0].body  # (the OCR doubled 重 is kept)
    assert "伴随国家多项扩内需、促消费政策落地，国内消费需求正在加快释放" in b003[6].body
    assert "了解促销商品品类、数量、售卖计划，及时掌握仓储、物流等方面需求，根据企业预测" in b003[6].body
    assert "259栋老旧小区改造" in pages["004"].articles[4].body


def test_duplicates_kept_once(pages):
    a = pages["001"].articles[1]
    rep = "实现‘政务+金融’一站式服务，并积极做好入驻企业专业人才招引"
    assert a.body.count(rep) == 1
    assert "助力展新趋势与新机遇。" in a.body  # the duplicate sat inside a cut paragraph
    assert [p.kind for p in a.paragraphs].count("duplicate") == 1

    s11 = pages["003"].articles[6]
    assert s11.body.count("现货发货启动") == 1
    assert s11.body.count("今年‘双11’大促从10月14日就开始预售") == 1
    assert "本报11月" not in s11.body
    dups = [p for p in s11.paragraphs if p.kind == "duplicate"]
    assert len(dups) == 3
    # the re-wrapped (line by line) copy and the truncated final '本报11月'
    assert dups[0].source_lines == [130, 132, 134, 136, 138, 140]
    assert dups[-1].text == "本报11月"
    assert pages["003"].line_classes["duplicate"] == 14


def test_callouts(pages):
    a = pages["002"].articles[0]
    assert "搭建六大平台" in a.callouts
    assert "做强“六个圈层”市场主体" in a.callouts
    # the box does not count twice in the body
    assert a.body.count("创新国际物流便利、现代贸易便利") == 1
    assert "搭建六大平台\n" not in a.body
    b = pages["003"].articles[0]
    assert "深化“红色物业”建设" in b.callouts
    assert any(c.startswith("规范业主委员会履职") for c in b.callouts)
    assert b.body.count("规范业主委员会履职") == 1
    assert b.body.count("积极推进开放式老旧楼院依法划分物业管理区域") == 1


def test_section_heads(pages):
    assert pages["003"].articles[0].section_heads == [
        "建强小区坚强战斗堡垒", "提升物业服务管理水平", "提升小区治理精细化水平"]
    assert pages["004"].articles[4].section_heads == [
        "抓实经济发展第一要务", "扛牢城市更新主城担当", "推动解决群众急难愁盼问题"]
    # a lone short line is a paragraph start cut by a column break, not a head
    assert pages["000"].articles[3].section_heads == []


def test_captions(pages):
    assert pages["000"].articles[2].captions == ["青岛·上合之珠国际博览中心"]
    assert "伏特加酒、蜂蜜等产品" in pages["000"].articles[2].body
    assert "博览中心蜂蜜" not in pages["000"].articles[2].body
    assert pages["002"].articles[0].captions == ["俯瞰上合示范区核心区。"]
    assert pages["003"].articles[5].captions == ["青岛智谷·粤浦科技创新中心项目建设现场。"]
    for page in pages.values():
        for a in page.articles:
            assert "■" not in a.body


def test_markers_bylines_datelines_removed_from_body(pages):
    for page in pages.values():
        for a in page.articles:
            assert "下转" not in a.body and "上接" not in a.body
            assert "□" not in a.body
            assert not re.search(r"记者\s?(刘慧|栾丕炜|马丙政)", a.body)
            for para in a.body.split("\n"):
                assert not DATELINE_RE.match(para), para
    a = pages["000"].articles[0]
    assert a.body.startswith("11月27日，青岛市委常委")  # dateline sentence kept, marker dropped
    assert a.dateline_text == "本报讯"
    assert pages["001"].articles[1].body.endswith("共同探索企业出海的新机遇与挑战。")
    assert pages["003"].articles[4].body.startswith("推动农业创新效能的整体提升。")


def test_derived_titles(pages):
    assert pages["003"].articles[4].title == "推动农业创新效能的整体提升"
    assert pages["003"].articles[1].title.startswith("日前，“艺”起来大鲍岛")
    assert pages["004"].articles[1].title == "5号楼单元门前地面有一块大理石松动"


def test_normalisation_in_bodies(pages):
    for page in pages.values():
        for a in page.articles:
            assert not re.search(r"[\u4e00-\u9fff][,;:?!()][\u4e00-\u9fff]", a.body)
            assert "  " not in a.body
    assert "期限5(3+2)年，票面利率3.50%" in pages["004"].articles[2].body
    assert "89.09%" in pages["001"].articles[0].body
    assert normalize("２０２４年，ＡＢＣ， 测试 , 内容(括号)") == "2024年，ABC，测试，内容（括号）"
    assert normalize("12:30 和 1,000 元") == "12:30 和 1,000 元"
    assert strip_markup("## 标题 ##")[:2] == ("标题", 2)
    assert strip_markup("**全民动员 人人参与")[0] == "全民动员 人人参与"
    assert strip_markup("- 条目")[:3] == ("条目", 0, True)


# --------------------------------------------------------------------------
# Line accounting invariant
# --------------------------------------------------------------------------
def _strip_inline(text: str) -> str:
    t = MARKER_UP_START_RE.sub("", text)
    m = DATELINE_RE.match(t)
    if m:
        t = t[m.end():]
    t = MARKER_DOWN_END_RE.sub("", t)
    got = paragraph_tail(t)
    return got[0] if got else t


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_line_accounting(pages, seed):
    text = _seed(seed)
    page = pages[seed]
    lines = text.splitlines()
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    assert sum(page.line_classes.values()) == len(nonblank)
    assert page.line_classes.get("unclassified", 0) == 0
    assert sorted(page.line_class_by_line) == nonblank
    bodies = "|".join(core(a.body) for a in page.articles)
    for no, cls in page.line_class_by_line.items():
        if cls in ("article_body", "dateline"):
            c = core(_strip_inline(normalize(strip_markup(lines[no])[0])))
            assert c in bodies, (no, lines[no])
    # every paragraph's source lines are real non-blank lines
    for a in page.articles:
        for p in a.paragraphs:
            assert all(n in page.line_class_by_line for n in p.source_lines)
        assert [p.ordinal for p in a.paragraphs] == list(range(len(a.paragraphs)))


def test_deterministic():
    text = _seed("003")
    assert parse_page(text) == parse_page(text)


# --------------------------------------------------------------------------
# Unit pieces: credits and year inference
# --------------------------------------------------------------------------
def _who(cr):
    return (cr.outlets, cr.reporters, cr.correspondents, cr.photographers)


def test_parse_credit():
    assert _who(parse_credit("青岛日报/观海新闻记者 李德银 通讯员 魏康 高欢欢")) == (QD2, ["李德银"], ["魏康", "高欢欢"], [])
    assert _who(parse_credit("记者 陈凯 报道")) == ([], ["陈凯"], [], [])
    assert _who(parse_credit("青岛日报/观海新闻记者", boxed=True)) == (QD2, [], [], [])
    assert _who(parse_credit("本报记者 王明")) == ([], ["王明"], [], [])
    assert parse_credit("记者从新闻发布会上获悉，今年以来") is None
    assert parse_credit("以下简称《办法》") is None


def test_infer_text_year():
    assert infer_text_year("市南区将2024年定为基础设施建设攻坚年") == (2024, "text_year")
    assert infer_text_year("2022年度全省示范乡；《2022中国数字城市竞争力研究报告》") == (2022, "text_year")
    assert infer_text_year("2023年6月签约；预计2025年6月开园；去年启动建设") == (2024, "text_year_relative")
    assert infer_text_year("2023年6月签约；预计2025年6月开园") == (2023, "text_year")
    assert infer_text_year("到2035年基本实现") == (None, None)
    assert infer_text_year("没有年份") == (None, None)


# --------------------------------------------------------------------------
# Synthetic pages
# --------------------------------------------------------------------------
OTHER_PAPER = """烟台日报
2023年5月4日 星期四
第3版

## 全市春耕生产进展顺利

本报记者 王明 通讯员 李华

本报5月3日讯 记者从市农业农村局获悉,全市春耕生产进展顺利,已播种小麦１２０万亩。

今年以来，全市累计投入资金3.5亿元，比2022年增长12%。

## 港口吞吐量创新高

新华社北京5月3日电（记者 张三 李四） 交通运输部3日发布数据显示，港口货物吞吐量同比增长8.5%。
"""


def test_other_paper():
    page = parse_page(OTHER_PAPER)
    assert page.meta.publication == "烟台日报"
    assert page.meta.page_date == date(2023, 5, 4)
    assert page.meta.weekday == "星期四"
    assert [a.title for a in page.articles] == ["全市春耕生产进展顺利", "港口吞吐量创新高"]
    a, b = page.articles
    assert a.kicker is None
    assert (a.reporters, a.correspondents, a.outlets) == (["王明"], ["李华"], [])
    assert a.news_date == date(2023, 5, 3) and a.date_confidence == "dateline+page_year"
    assert a.body.startswith("记者从市农业农村局获悉，全市春耕生产进展顺利，已播种小麦120万亩。")
    assert b.reporters == ["张三", "李四"] and b.dateline_text == "新华社北京5月3日电"
    assert b.body.startswith("交通运输部3日发布数据显示")
    assert sum(page.line_classes.values()) == sum(1 for ln in OTHER_PAPER.splitlines() if ln.strip())


def test_headline_without_byline_and_trailing_credit():
    text = "## 某县召开经济工作会议\n\n本报讯 12月5日，某县召开经济工作会议。会议指出，要坚持稳中求进。\n\n会议要求，要抓好落实。(记者 赵六)\n"
    (a,) = parse_page(text).articles
    assert a.title == "某县召开经济工作会议"
    assert a.reporters == ["赵六"]
    assert (a.dateline_month, a.dateline_day) == (12, 5)
    assert a.news_date is None and a.date_confidence == "unknown"  # never today's year
    assert a.body.endswith("要抓好落实。")


def test_two_articles_same_level_without_bylines():
    text = "## 第一条新闻标题\n\n第一条的正文内容。\n\n## 第二条新闻标题\n\n第二条的正文内容。\n"
    page = parse_page(text)
    assert [a.title for a in page.articles] == ["第一条新闻标题", "第二条新闻标题"]
    assert [a.body for a in page.articles] == ["第一条的正文内容。", "第二条的正文内容。"]


@pytest.mark.parametrize("text", ["", "\n\n\n", "   \t  ", "#", "**", "- ", "（", "□", "■",
                                  "(下转第二版)", "（上接第一版）", "本报讯", "\x00\x1c\u2028abc",
                                  "asdf qwer zxcv\n!!!\n???", "。" * 1000, "中" * 5000])
def test_empty_and_garbage(text):
    page = parse_page(text)
    assert sum(page.line_classes.values()) == sum(1 for ln in text.splitlines() if ln.strip())
    for a in page.articles:
        assert a.title


def test_empty_page():
    page = parse_page("")
    assert page.articles == [] and page.furniture == []
    assert page.meta.publication is None and sum(page.line_classes.values()) == 0


def test_non_str_input_does_not_raise():
    page = parse_page(None)  # type: ignore[arg-type]
    assert page.articles == []


_ALPHABET = st.sampled_from(list(
    "中国青岛记者本报讯日月年第版下转上接通讯员说的了是在和一二三四五六七八九十"
    "，。、；：？！“”‘’（）《》——…·■□# *-\n\n\n 0123456789abcXYZ,.;:()?!２０"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.text(alphabet=_ALPHABET, max_size=600)))
def test_never_raises_and_accounts_lines(text):
    page = parse_page(text)
    assert sum(page.line_classes.values()) == sum(1 for ln in text.splitlines() if ln.strip())
    assert page.line_classes.get("unclassified", 0) == 0
    for a in page.articles:
        assert a.title
