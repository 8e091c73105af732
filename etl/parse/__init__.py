"""Parse one text dump of a Chinese news page into page metadata, articles and furniture.

Public entry point: :func:`parse_page` (pure, deterministic, never raises).

The parser is a grammar whose rule order is data. :data:`PAGE_RULES` lists
the passes R1–R11 in the order they run; each pass that has alternatives
dispatches through an ordered table of named rules of its own
(``segment.SPLIT_RULES``, ``chrome.CHROME_RULES``, ``lines.LINE_RULES``,
``runs.RUN_RULES``, ``structure.KIND_HANDLERS``, ``finish.FINISH_RULES``,
``dates.DATE_RULES``, ``credits.CREDIT_FORMS``). The parser state
(:class:`PageState`) is kept apart from the rules, and results are typed
records (:mod:`etl.parse.records`). docs/page-grammar.md describes every rule
under the same number; ``tests/test_parse_grammar.py`` checks that the two agree.

No Dagster imports here; standard library only (plus the outlet alias table and its
traditional → simplified conversion).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass

from etl.parse.chrome import CHROME_RULES, classify_chrome, find_masthead, page_meta
from etl.parse.credits import CREDIT_FORMS, parse_credit
from etl.parse.dates import DATE_RULES, DateContext, date_articles, infer_text_year
from etl.parse.duplicates import find_duplicates
from etl.parse.finish import FINISH_RULES, build_articles, derive_title
from etl.parse.lexicon import DATELINE_RE, MARKER_DOWN_END_RE, MARKER_UP_START_RE
from etl.parse.lines import LINE_RULES, classify_lines
from etl.parse.records import (
    DATE_CONFIDENCE,
    FURNITURE_KINDS,
    LINE_CLASSES,
    PAGE_KINDS,
    PARAGRAPH_KINDS,
    TITLE_SOURCES,
    Article,
    Credit,
    Line,
    PageMeta,
    Paragraph,
    ParsedPage,
    empty_meta,
)
from etl.parse.runs import RUN_RULES
from etl.parse.segment import SPLIT_RULES, read_lines, split_lines
from etl.parse.structure import KIND_HANDLERS, Builder
from etl.parse.text import core

__all__ = [
    "PageMeta", "Paragraph", "Article", "ParsedPage", "Credit", "parse_page", "parse_credit", "infer_text_year",
    "derive_title", "LINE_CLASSES", "DATE_CONFIDENCE", "PAGE_KINDS", "FURNITURE_KINDS", "PARAGRAPH_KINDS",
    "TITLE_SOURCES", "PAGE_RULES", "RULE_TABLES", "DATELINE_RE", "MARKER_DOWN_END_RE", "MARKER_UP_START_RE",
]


@dataclass
class PageState:
    """Everything the passes share; the rules themselves keep no state."""
    text: str
    lines: list[Line] = field(default_factory=list)
    front: dict[str, str] = field(default_factory=dict)
    meta: PageMeta = field(default_factory=empty_meta)
    infos: dict[int, dict] = field(default_factory=dict)      # id(line) -> what a chrome line says
    dup_runs: list[list[Line]] = field(default_factory=list)
    builder: Builder | None = None
    articles: list[Article] = field(default_factory=list)
    leads: dict[int, str] = field(default_factory=dict)
    furniture: list[Paragraph] = field(default_factory=list)
    line_classes: dict[str, int] = field(default_factory=dict)
    line_class_by_line: dict[int, str] = field(default_factory=dict)


def r_lines(s: PageState) -> None:
    s.lines, s.front = read_lines(s.text)


def r_masthead(s: PageState) -> None:
    s.meta, _ = find_masthead(s.lines)


def r_chrome(s: PageState) -> None:
    for ln in s.lines:
        classify_chrome(ln, s.infos)


def r_split(s: PageState) -> None:
    s.lines = split_lines(s.lines, lambda ln: classify_chrome(ln, s.infos))


def r_page(s: PageState) -> None:
    s.meta = page_meta(s.meta, s.lines, s.infos, s.front)


def r_line_kinds(s: PageState) -> None:
    classify_lines(s.lines)
    for ln in s.lines:
        ln.core = core(MARKER_UP_START_RE.sub("", ln.text)) if not ln.blank else ""


def r_duplicates(s: PageState) -> None:
    seq = [ln for ln in s.lines if not ln.blank and not ln.chrome]
    s.dup_runs = find_duplicates(seq, len(s.text))


def r_structure(s: PageState) -> None:
    dup = {id(ln) for run in s.dup_runs for ln in run}
    items = [ln for ln in s.lines if not ln.blank and id(ln) not in dup and ln.kind != "noise" and ln.chrome != "masthead"
             and ln.chrome != "front_matter"]
    all_core = "".join(ln.core for ln in s.lines if not ln.blank and not ln.chrome)
    b = Builder(items, s.meta.kind, all_core, RUN_RULES)
    b.run()
    # duplicates belong to the owner of the line before the run
    starts = {id(run[0]): run for run in s.dup_runs}
    last = -1
    for ln in s.lines:
        if ln.blank:
            continue
        run = starts.get(id(ln))
        if run is not None:
            text = "".join(x.text for x in run)
            if 0 <= last < len(b.arts):
                b.arts[last].add_para("duplicate", text, run)
                b.mark(run, "duplicate", b.arts[last])
            else:
                b.add_furniture("duplicate", text, run, cls="duplicate")
        if id(ln) in b.owner and b.owner[id(ln)] >= 0:
            last = b.owner[id(ln)]
    s.builder = b


def r_articles(s: PageState) -> None:
    s.articles, s.leads = build_articles(s.builder, s.meta)


def r_dates(s: PageState) -> None:
    page_text = "\n".join(ln.text for ln in s.lines if not ln.blank and ln.chrome not in ("masthead", "front_matter"))
    # an index lists items of a whole issue: a year one item names says nothing of the others
    year, suffix = infer_text_year(page_text) if s.meta.kind != "issue_index" else (None, None)
    date_articles(s.articles, DateContext(s.meta.page_date, year, suffix, s.leads))


def r_furniture(s: PageState) -> None:
    b = s.builder
    fur: list[tuple[int, Paragraph]] = []
    for ln in s.lines:
        if ln.chrome in ("masthead", "front_matter"):
            fur.append((ln.no, Paragraph(0, ln.text, ln.chrome, [ln.no])))
    for f in b.furniture:
        fur.append((f["lines"][0] if f["lines"] else -1, Paragraph(0, f["text"], f["kind"], list(f["lines"]))))
    fur.sort(key=lambda x: x[0])
    s.furniture = [p for _, p in fur]
    for x, p in enumerate(s.furniture):
        p.ordinal = x
    counts = Counter({c: 0 for c in LINE_CLASSES})
    by_line: dict[int, str] = {}
    for ln in s.lines:
        if ln.blank or ln.no in by_line:
            continue
        if ln.chrome == "masthead":
            c = "masthead"
        elif ln.kind == "noise" and not ln.chrome:
            c = "noise"
        else:
            c = b.cls.get(id(ln), "furniture" if ln.chrome else "unclassified")
        by_line[ln.no] = c
        counts[c] += 1
    s.line_classes, s.line_class_by_line = dict(counts), by_line


# The passes, in the order they run (docs/page-grammar.md has one section per entry).
PAGE_RULES: tuple[tuple[str, str, Callable[[PageState], None]], ...] = (
    ("R1", "lines", r_lines),
    ("R2", "masthead", r_masthead),
    ("R3", "chrome", r_chrome),
    ("R4", "split", r_split),
    ("R5", "page", r_page),
    ("R6", "line_kinds", r_line_kinds),
    ("R7", "duplicates", r_duplicates),
    ("R8", "structure", r_structure),
    ("R9", "articles", r_articles),
    ("R10", "dates", r_dates),
    ("R11", "furniture", r_furniture),
)

# Every ordered rule table, for the docs check: (id, name) in order.
RULE_TABLES: dict[str, list[tuple[str, str]]] = {
    "PAGE_RULES": [(r[0], r[1]) for r in PAGE_RULES],
    "CHROME_RULES": [(r[0], r[1]) for r in CHROME_RULES],
    "SPLIT_RULES": [(r[0], r[1]) for r in SPLIT_RULES],
    "LINE_RULES": [(r[0], r[1]) for r in LINE_RULES],
    "RUN_RULES": [(r[0], r[1]) for r in RUN_RULES],
    "FINISH_RULES": [(r[0], r[1]) for r in FINISH_RULES],
    "DATE_RULES": [(r[0], r[1]) for r in DATE_RULES],
    "CREDIT_FORMS": [(r[0], r[1]) for r in CREDIT_FORMS],
}
assert set(KIND_HANDLERS) >= {"caption", "byline", "dateline", "text"}


def _empty_page() -> ParsedPage:
    return ParsedPage(empty_meta(), [], [], {c: 0 for c in LINE_CLASSES})


def run_rules(text: str) -> PageState:
    s = PageState(text=text)
    for _rid, _name, rule in PAGE_RULES:
        rule(s)
    return s


def _parse_page(text: str) -> ParsedPage:
    """:func:`parse_page` without the guard: an exception here is a parser bug (property tests call it)."""
    s = run_rules(text)
    return ParsedPage(meta=s.meta, articles=s.articles, furniture=s.furniture,
                      line_classes=s.line_classes, line_class_by_line=s.line_class_by_line)


def _printed(obj, inverse: dict[int, str]):
    """``obj`` (a parse result) with every string turned back into the page's printed characters."""
    if isinstance(obj, str):
        return obj.translate(inverse)
    if isinstance(obj, list):
        return [_printed(x, inverse) for x in obj]
    if isinstance(obj, tuple):
        return tuple(_printed(x, inverse) for x in obj)
    if isinstance(obj, dict):
        return {k: _printed(v, inverse) for k, v in obj.items()}
    if is_dataclass(obj) and not isinstance(obj, type):
        for f in fields(obj):
            setattr(obj, f.name, _printed(getattr(obj, f.name), inverse))
    return obj


def parse_page(text: str) -> ParsedPage:
    """Parse one page dump. Pure, deterministic, never raises: on any internal
    error (or non-str input) an empty page is returned.

    A page printed in traditional characters is parsed as its simplified form
    (記者/本報訊/攝 are 记者/本报讯/摄 to the rules), converted here, once, by
    :func:`etl.outlets.simplified_for_parsing` (one-to-one on the page); every
    string of the result is turned back into the printed characters.
    """
    try:
        if not isinstance(text, str):
            return _empty_page()
        from etl.outlets import simplified_for_parsing  # OpenCC's t2s table

        simple, inverse = simplified_for_parsing(text)
        page = _parse_page(simple)
        return page if inverse is None else _printed(page, inverse)
    except Exception:  # pragma: no cover - defensive: never raise on input
        return _empty_page()
