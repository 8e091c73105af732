"""The lexical part of the page grammar: regular expressions and word lists.

Every pattern here describes a genre convention of Chinese news pages (how a
dateline, a credit, an edition list or a portal's metadata line is written),
never a particular site. docs/page-grammar.md cites these names.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

CN_DIGITS = "〇零一二三四五六七八九十"
CN_NUM = "一二三四五六七八九十百零〇两"
_CN_DAY = rf"(?:[{CN_DIGITS}]{{1,3}})"
_DAY = rf"(?:\d{{1,2}}|{_CN_DAY})"
PAGE_REF = rf"第?\s*[0-9A-Za-z{CN_NUM}]{{1,4}}\s*版"

# ---------------------------------------------------------------- markers
MARKER_DOWN_FULL_RE = re.compile(rf"^[（(]\s*(?:下转|转)\s*{PAGE_REF}\s*[）)]$")
MARKER_DOWN_END_RE = re.compile(rf"\s*[（(]\s*(?:下转|转)\s*{PAGE_REF}\s*[）)]\s*$")
MARKER_UP_START_RE = re.compile(rf"^[（(]\s*(?:上接|接)\s*{PAGE_REF}\s*[）)]\s*")
CAPTION_RE = re.compile(r"^[■▲△▼]\s*")
BYLINE_BOX_RE = re.compile(r"^□\s*")

# ---------------------------------------------------------------- datelines
# source: 本报 | a news agency | one or more '/'-joined media names ending in a media word
_MEDIA_END = r"(?:社|报|网|台|新闻|客户端|电视)"
_SOURCE = (rf"(?:本报|本刊|本台|本网|新华社|中新社|中新网|人民网|新华网|央视网|央广网|"
           rf"[\u4e00-\u9fffA-Za-z]{{2,10}}{_MEDIA_END}(?:[\u4e00-\u9fff]{{2,3}}(?=[/·]))?"   # 大众网日照·海报新闻
           rf"(?:[/·][\u4e00-\u9fffA-Za-z]{{2,10}}{_MEDIA_END})*)"
           r"(?:[\u4e00-\u9fff]{2,4}频道)?")                    # 新华网江西频道: a portal's regional channel
MEDIA_NAME_RE = re.compile(rf"^.*{_MEDIA_END}")
_DATE_PART = rf"(?:(?P<m>\d{{1,2}}|[{CN_DIGITS}]{{1,2}})\s*月\s*)?(?P<d>{_DAY})\s*日"
DATELINE_RE = re.compile(
    r"^[【\[]?(?P<marker>(?:(?=\d{1,2}\s*月\s*\d{1,2}\s*日\s*电)|据?(?P<source>" + _SOURCE + r")"
    r"(?:据(?P<via>" + _SOURCE + r"))?)"          # 新华社据塔斯社莫斯科1日讯: an agency relaying another; '5月9日电' cut
    r"(?:记者)?[\u4e00-\u9fff、]{0,60}?"             # the place: 北京, 洛杉矶, 北京、马德里、柏林…
    rf"(?:{_DATE_PART}\s*(?:电|讯(?!员)|消息)|讯(?!员)|消息|(?<=社)电))[】\]]?"   # undated 电 only after an agency; not 通讯员
)
# a dateline met inside a line, after a headline-like prefix (index pages) or a sentence (merged reports)
INNER_DATELINE_RE = re.compile(
    r"(?P<marker>据?(?:新华社|中新社|本报)(?:据[\u4e00-\u9fff]{2,6}社)?[\u4e00-\u9fff]{0,8}?"
    r"(?:(?:\d{1,2}|[" + CN_DIGITS + r"]{1,2})\s*月\s*)?" + _DAY + r"\s*日\s*[电讯]|本报讯|"
    r"【(?:新华社|中新社)[^】]{0,12}[电讯]】|本报(?:特约|驻[\u4e00-\u9fff]{1,4})?记者[\u4e00-\u9fff、]{2,12}?报道[:：]|"
    r"编者按[:：])"
)
# an old-style lead credit that stands where a dateline stands: '本报记者陆珂报道：'
REPORTED_LEAD_RE = re.compile(r"^(?P<marker>(?P<source>本报|新华社)?(?:特约|实习|首席|特派|驻[\u4e00-\u9fff]{1,4})?"
                              r"(?:通讯员[\u4e00-\u9fff、]{2,12}?[、，,]?)?记者[\u4e00-\u9fff、]{2,16}?报道)[:：]")
LEADING_MD_RE = re.compile(r"^\s*(?:去年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")     # '本报讯 去年12月27日，…'
LAST_YEAR_LEAD_RE = re.compile(r"^\s*去年\s*\d{1,2}\s*月")
LEADING_D_RE = re.compile(r"^\s*(\d{1,2})\s*日(?!\s*[电讯])")

# ---------------------------------------------------------------- dates
DATE_FULL_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_ISO_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?")
LUNAR_RE = re.compile(r"农历\s*[\u4e00-\u9fff]{2,12}")
WEEKDAY_RE = re.compile(r"星期[一二三四五六日天]|礼拜[一二三四五六日天]")
WEEKDAY_LOOSE_RE = re.compile(r"(?:星期|礼拜)[一二三四五六日天]?")  # a date line cut after 星期
ISSUE_RE = re.compile(r"总\s*第\s*(\d+)\s*期|(?<!总)第\s*(\d+)\s*期")
URL_RE = re.compile(r"(?:https?://|www\.)\S+")
PAGE_NO_RE = re.compile(rf"{PAGE_REF}|[A-Z]\d{{1,2}}")
# '本地新闻', '国际新闻': a section of the paper named by its topic, not a publication
SECTION_NAME_RE = re.compile(r"^(?:本地|本埠|本市|国内|国际|社会|体育|财经|综合|时政|热点|今日|图片|视频|文化|教育|健康|"
                             r"民生|法治|经济|科技|娱乐|军事|地方|城市|区县|县域|要闻|滚动|头条)(?:新闻|资讯|快讯)$")
NAME_SUFFIX_RE = re.compile(r"(数字报|电子报|电子版|数字版|网络版|数字报刊|电子报刊)$")
# years named in text: '2023年', '2022年度', or a title starting with a year '《2022中国…'
YEAR_RE = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?=\s*年)|(?<=《)((?:19|20)\d{2})")
FUTURE_PREFIX_RE = re.compile(r"(预计|计划|力争|争取|目标|有望|将于|将在|预期|展望|到|至)\s*$")
# '2020年以来', '2005年起': a span that starts in that year, so the page is later than it
SINCE_SUFFIX_RE = re.compile(r"\s*年(?:度)?\s*(?:以来|至今|起|开始|前后|以后|之后|后)")
RELATIVE_DAYS = {"前天": -2, "前晚": -2, "昨天": -1, "昨日": -1, "昨晚": -1, "昨夜": -1, "昨晨": -1,
                 "今天": 0, "今日": 0, "今晨": 0, "今早": 0, "今晚": 0, "明天": 1, "明日": 1}
RELATIVE_DAY_RE = re.compile("|".join(RELATIVE_DAYS))

# ---------------------------------------------------------------- credits
NAME_TOKEN_RE = re.compile(r"^[\u4e00-\u9fff·]{1,6}$|^[A-Za-z][A-Za-z .'-]{0,30}$")
# words that name a role or the page itself, never a person or an outlet
ROLE_WORDS = frozenset({"文", "图", "文图", "文/图", "摄", "摄影", "摄影报道", "报道", "采写", "整理", "文字", "图片",
                        "制图", "绘图", "视频", "编辑", "综合", "实习生"})
SELF_REFERENCES = frozenset({"本报", "本刊", "本台", "本网", "本社", "晚报", "早报", "日报", "本报社"})
CMS_USERS = frozenset({"管理员", "admin", "Admin", "网站编辑", "佚名", "匿名", "编辑部", "本站"})
# an organisation or medium credited as a source: '(市北公安)', '据央视新闻联播解说词'
ORG_SOURCE_RE = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,16}(?:公安|发布|网|报|台|社|新闻|联播|客户端|融媒|电视|广播|"
                           r"视|杂志|周刊|公众号|政府|委员会|局|厅|办)$")
ATTRIBUTION_RE = re.compile(r"^据\s*(?P<src>[\u4e00-\u9fffA-Za-z《》]{2,20}?)(?:电|消息|报道|解说词|综合)?\s*$")
NOT_MEDIA = frozenset({"了解", "介绍", "悉", "统计", "报道", "称", "说", "测算", "调查", "分析", "透露", "估计",
                       "初步统计", "不完全统计", "记者了解", "知情人士", "业内人士"})
_PNAME = r"[\u4e00-\u9fff·](?:\s{0,2}[\u4e00-\u9fff·]){1,3}"    # '王  锋': a padded two-character name
PHOTO_CREDIT_RE = re.compile(
    r"(?:[（(]\s*)?(?:(?P<org>[\u4e00-\u9fffA-Za-z/]{0,12}?)(?:特约|实习|首席|特派|摄影|见习)?(?:记者|通讯员)\s*)?"
    rf"(?P<names>{_PNAME}(?:[\s、]+{_PNAME})*)\s*摄(?:影)?"
    r"(?:\s*[）)])?(?:\s*[（(][^（）()]{0,8}[）)])?\s*$"
)
SUPPLIED_PHOTO_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z]{2,24}(?:供图|供稿|提供)$")   # '广东省文旅厅供图'
PICTURE_LABEL_RE = re.compile(r"^(?:大图|小图|上图|下图|左图|右图|中图|图\d|图为|图片)\s*[:：]")
LATIN_FRAGMENT_RE = re.compile(r"^[\sA-Za-z0-9\\/|_.\-]{1,12}$")      # 'dlrb', '\\': a site code or stray markup
PHOTO_ITEMS_RE = re.compile(r"^(?:图片新闻|新闻图片|图片报道|图说新闻|新闻图说|摄影报道)$")   # a block of photo items
BRIEF_MARK_RE = re.compile(r"^[△▲◆●]\s*(?=\S)")
NUMBERED_BRIEF_RE = re.compile(r"^(\d{1,2})\s*[.．、]\s*(?=\S)")                           # '1.近日，全国青少年…'
BRIEF_LEAD_RE = re.compile(r"^(?:[△▲◆●]|\d{1,2}\s*[.．、])\s*(?=\S)")                                  # '△联席会议制度已在我省全面实行。'
SITE_NAME_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z]{2,10}(?:数字报|电子报|电子版|数字版|网络版|数字报刊|电子报刊)$")
DEBRIS_RE = re.compile(r"-->|<!--|\.s?html?\b|enpproperty|javascript:", re.I)
SHARE_RE = re.compile(r"^(?:关注[\u4e00-\u9fffA-Za-z]{2,8}|[\u4e00-\u9fff]{0,8}(?:客户端|APP|app|App)(?:下载)?|"
                      r"打开|打开APP|APP内打开|立即打开|下载APP)$")
CITATION_RE = re.compile(r"《(?P<pub>[\u4e00-\u9fff]{2,12})》\s*[（(]\s*(?P<date>[^（）()]*?\d{4}\s*年[^（）()]*?)[）)]")

# ---------------------------------------------------------------- site chrome
NAV_TOKENS = ("上一篇", "下一篇", "上一版", "下一版", "前一版", "后一版", "上一期", "下一期", "放大", "缩小", "默认",
              "返回主页", "返回首页", "返回目录", "版面导航", "标题导航", "版面概览", "往期回顾", "【PDF版】", "PDF版",
              "PDF", "打印", "关闭窗口", "关闭", "大字体", "小字体", "中字体", "字号", "扫码带走", "分享到", "扫码下载",
              "下载客户端", "微信扫码", "扫码", "收藏", "评论", "我要纠错", "字体", "大 中 小", "【大】", "【中】", "【小】",
              "大字", "中字", "小字", "搜索", "搜 索", "新闻搜索", "微博", "Qzone", "QQ空间", "微信", "分享", "按日期查阅",
              "往期", "首页", "关闭", "通版阅读请点击", "展开通版", "收缩通版", "本版导读", "导读")
ARTICLE_NAV = ("上一篇", "下一篇", "放大", "缩小", "默认", "大字体", "小字体", "字号", "【PDF版】", "PDF版")
EDITION_RE = re.compile(r"^(?:当前版\s*[:：]\s*)?(?:第\s*)?[A-Z]{0,2}\d{1,3}(?:\s*[-—~]\s*\d{1,3})?\s*版(?:\s*[:：]\s*\S.{0,14}|\s*[（(][^）)]{0,8}[）)])?$")
EDITION_PREFIX_RE = re.compile(r"^(?P<ed>第\s*\d{1,3}\s*版\s*[（(][^）)]{0,8}[）)])\s*(?:专栏\s*[:：])?\s*")
COLUMN_ONLY_RE = re.compile(r"^专栏\s*[:：]?\s*[\u4e00-\u9fff（）()]{0,10}$")   # an archive's '专栏：福建通讯' field
CROSS_REF_RE = re.compile(r"^(?:>+|》+|[■▲])?\s*(?:详见|见|转)?\s*(?:第?\s*[A-Z]?\d{1,3}(?:\s*[—\-~、至和]\s*[A-Z]?\d{1,3})*\s*版)"
                          r"(?:\s*[、,，]\s*[A-Z]?\d{1,3}\s*版)*\s*$")
META_KEY_RE = re.compile(r"(来源|稿源|出处|发布时间|发布日期|发布人|发布者|作者|时间|日期|浏览次数|浏览|点击|阅读|责任编辑)\s*[:：]")
EDITOR_LINE_RE = re.compile(r"^(?:责任编辑|初审编辑|终审|编辑|美编|组版|校对|版式设计|版式|排版|审核|审校|监制|值班编辑|"
                            r"本版编辑|责编|签发)\s*[:：]")
COPYRIGHT_RE = re.compile(r"版权所有|Copyright|©|\(C\)|（C）|ICP备|All rights reserved|未经.{0,20}授权|请勿转载|"
                          r"严禁转载|违法和不良信息|举报电话|合作伙伴\s*[:：]?$", re.I)
CONTACT_RE = re.compile(r"(?:通信地址|通讯地址|地址|邮编|E-?mail|电话|热线|传真|报刊发行|广告|网站)\s*[:：]\s*[\d(（\w]", re.I)
RELATED_RE = re.compile(r"^(?:相关链接|相关新闻|相关阅读|相关报道|延伸阅读|推荐阅读|新闻推荐|热点推荐|相关文章|更多阅读|"
                        r"相关专题|猜你喜欢|相关)\s*[:：]?\s*$")
LINK_RE = re.compile(r"^(?:上一篇|下一篇|上一条|下一条)\s*[:：]")
EDITOR_NOTE_RE = re.compile(r"^(?:编者按|编者的话|编后语|编者注|开栏的话|开篇的话|写在前面)\s*[:：]?\s*(?=\S)|^编后\s*[:：]|^——\s*编\s*者\s*$")
CHANNEL_DATE_RE = re.compile(r"^[\u4e00-\u9fff]{2,8}\s*[|｜]\s*" + r"(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
FRONT_MATTER_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
# labels of a separate commentary item printed under a story ('手记', '短评'): the item is an article of its own
COMMENTARY_LABELS = frozenset({"短评", "手记", "记者手记", "采访手记", "编后", "编后语", "评论", "时评", "快评", "点评",
                               "微评", "述评", "记者观察", "记者点评", "一句话评论", "人民时评", "新闻观察"})
BARE_LABEL_RE = re.compile(r"^(?:[【\[](?P<a>[^】\]]{1,12})[】\]]|·(?P<b>[^·]{1,8})·)$")
LEADING_ATTRIBUTION_RE = re.compile(r"^据\s*(?:(?P<m0>\d{1,2})\s*月\s*(?P<d0>\d{1,2})\s*日\s*(?=《))?"   # 据2月14日《经济参考报》报道
                                    r"《?(?P<src>[\u4e00-\u9fffA-Za-z]{1,12}?(?:社|报|网|台|新闻|电视|广播|客户端))》?\s*"
                                    r"[\u4e00-\u9fff]{0,6}?(?:(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日)?\s*(?:报道|消息|电|讯)\s*[，,：:]")
COLUMN_LABEL_RE = re.compile(r"^(?:【(?P<a>[^】]{1,16})】|·(?P<b>[^·]{1,8})·|\[(?P<c>[^\]]{1,16})\]|"
                             r"(?P<d>[\u4e00-\u9fff《》0-9]{2,16})\s*[|｜]\s+)\s*(?P<rest>\S.*)$")
TITLE_TAG_RE = re.compile(r"^(?P<t>.{4,}?)\s*（(?P<tag>[^（）,，。]{3,16})）$")   # '…质量（人民时评）': a column tag


@lru_cache(maxsize=1)
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character, compound) surnames from etl/reference/surnames.txt."""
    text = resources.files("etl").joinpath("reference/surnames.txt").read_text(encoding="utf-8")
    toks = [t for line in text.splitlines() if not line.startswith("#") for t in line.split()]
    return frozenset(t for t in toks if len(t) == 1), frozenset(t for t in toks if len(t) == 2)


def looks_like_name(s: str) -> bool:
    """A Chinese personal name: 2–4 ideographs starting with a known surname."""
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", s) or s in CMS_USERS or s in ROLE_WORDS:
        return False
    single, compound = surnames()
    if len(s) == 4:                                  # four characters: a compound surname, else a word (农业食品)
        return s[:2] in compound
    return s[:2] in compound and len(s) >= 3 or s[0] in single
