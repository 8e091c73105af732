"""Score the page parser against hand-read expected articles.

The expected articles live in YAML files written by reading each page (see the
header of ``tests/corpus/expected.yaml`` for the conventions). This module
parses every page with :func:`etl.parse.parse_page`, matches predicted
articles to expected ones and reports:

- article precision and recall (a predicted article matches an expected one
  when the expected ``body_start`` is among the first words of its body; each
  article matches at most once);
- furniture-as-article: predicted articles whose headline fields (or, when
  unmatched, whose text) are page furniture listed in the fixture;
- over matched articles: date, outlet, reporter accuracy (exact sets), and as
  extras title, kicker, subtitle, correspondent and photographer accuracy;
- over pages: page kind, publication and page date accuracy.

Run it with ``./scripts/score.sh`` (README); ``--markdown`` prints the table
kept in ``docs/parser-quality.md``.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from etl.config import PROJECT_ROOT
from etl.outlets import canonical_outlet
from etl.parse import parse_page

CORPUS_DIR = PROJECT_ROOT / "tests" / "corpus" / "pages"
CORPUS_EXPECTED = PROJECT_ROOT / "tests" / "corpus" / "expected.yaml"
# pages whose expected articles were written before the parser ever ran on them (one folder per round)
HOLDOUT_ROUNDS = sorted(p for p in (PROJECT_ROOT / "tests").glob("holdout*") if (p / "pages").is_dir())
SEEDS_DIR = PROJECT_ROOT / "seeds"
SEEDS_EXPECTED = PROJECT_ROOT / "tests" / "fixtures" / "seeds_expected.yaml"

MATCH_WINDOW = 80          # body_start must lie within the first N word characters of a body
SHORT_FURNITURE = 4        # furniture strings shorter than this must equal a field, not just occur in it

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def words(s: str | None) -> str:
    """NFKC, then only letters, digits and CJK: punctuation and spaces do not count."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", s or ""))


def _people(xs) -> frozenset[str]:
    return frozenset(words(x) for x in (xs or []) if words(x))


def _outlets(xs) -> frozenset[str]:
    out = set()
    for x in xs or []:
        c = canonical_outlet(unicodedata.normalize("NFKC", x).strip())
        c = canonical_outlet(c) if c else c
        if c:
            out.add(words(c))
    return frozenset(out)


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.right += bool(ok)

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.rate:.3f} ({self.right}/{self.total})"


@dataclass
class Score:
    expected: int = 0
    predicted: int = 0
    matched: int = 0
    furniture_as_article: int = 0
    fields: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in FIELDS})
    pages: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in PAGE_FIELDS})
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0


FIELDS = ("date", "outlets", "reporters", "title", "kicker", "subtitle", "correspondents", "photographers")
PAGE_FIELDS = ("kind", "publication", "page_date")


def load_expected(path: Path | list[Path]) -> dict[str, dict]:
    """Expected pages of one YAML file, or of several merged (the held-out set is kept per source)."""
    out: dict[str, dict] = {}
    for p in path if isinstance(path, list) else [path]:
        out.update(yaml.safe_load(p.read_text(encoding="utf-8"))["pages"])
    return out


def _furniture_hit(text: str | None, furniture: list[str], whole: bool) -> str | None:
    w = words(text)
    if not w:
        return None
    for f in furniture:
        fw = words(f)
        if not fw:
            continue
        if len(fw) < SHORT_FURNITURE or whole:
            if w == fw:
                return f
        elif fw in w:
            return f
    return None


def _title_ok(a, exp: dict) -> bool:
    want = [exp.get("title") or ""] + list(exp.get("title_alt") or [])
    for t in want:
        if t == "" and getattr(a, "title_source", "heading") != "heading":
            return True
        if t and words(t) == words(a.title):
            return True
    return False


def score_page(name: str, text: str, exp: dict, sc: Score) -> None:
    page = parse_page(text)
    preds = list(page.articles)
    exps = list(exp.get("articles") or [])
    titles = {words(e.get("title")) for e in exp.get("articles") or []}
    furniture = [f for f in exp.get("furniture") or [] if words(f) not in titles]  # a title list repeats real titles
    sc.expected += len(exps)
    sc.predicted += len(preds)
    meta = page.meta
    sc.pages["kind"].add(getattr(meta, "kind", None) == exp.get("kind"))
    sc.pages["publication"].add(_outlets([meta.publication] if meta.publication else []) ==
                                _outlets([exp["publication"]] if exp.get("publication") else []))
    sc.pages["page_date"].add(meta.page_date == exp.get("page_date"))
    used: set[int] = set()
    for e in exps:
        key = words(e["body_start"])
        hit = None
        for i, a in enumerate(preds):
            if i not in used and key and key in words(a.body)[: MATCH_WINDOW + len(key)]:
                hit = i
                break
        if hit is None:
            sc.misses.append(f"{name}: missed article {e.get('title') or e['body_start']!r}")
            continue
        used.add(hit)
        sc.matched += 1
        a = preds[hit]
        checks = {
            "date": a.news_date == e.get("date"),
            "outlets": _outlets(a.outlets) == _outlets(e.get("outlets")),
            "reporters": _people(a.reporters) == _people(e.get("reporters")),
            "title": _title_ok(a, e),
            "kicker": words(a.kicker) == words(e.get("kicker")),
            "subtitle": words(a.subtitle) == words(e.get("subtitle")),
            "correspondents": _people(a.correspondents) == _people(e.get("correspondents")),
            "photographers": _people(getattr(a, "photographers", [])) == _people(e.get("photographers")),
        }
        for k, ok in checks.items():
            sc.fields[k].add(ok)
            if not ok and k in ("date", "outlets", "reporters", "title"):
                got = {"date": a.news_date, "outlets": a.outlets, "reporters": a.reporters, "title": a.title}[k]
                want = {"date": e.get("date"), "outlets": e.get("outlets") or [], "reporters": e.get("reporters") or [],
                        "title": e.get("title")}[k]
                sc.misses.append(f"{name}: {k} of {e.get('title') or e['body_start']!r}: got {got!r}, want {want!r}")
        if any(_furniture_hit(getattr(a, f), furniture, whole=False) for f in ("kicker", "title", "subtitle")):
            sc.furniture_as_article += 1
            sc.misses.append(f"{name}: furniture in the headline of {a.title!r}")
    for i, a in enumerate(preds):
        if i in used:
            continue
        sc.misses.append(f"{name}: extra article {a.title!r} / {a.body[:30]!r}")
        fields = [a.kicker, a.title, a.subtitle, a.body[:MATCH_WINDOW]]
        if any(_furniture_hit(x, furniture, whole=False) for x in fields):
            sc.furniture_as_article += 1


def score_folder(pages_dir: Path, expected_path: Path | list[Path]) -> Score:
    expected = load_expected(expected_path)
    sc = Score()
    for name, exp in sorted(expected.items()):
        path = pages_dir / name
        text = path.read_text(encoding="utf-8")
        score_page(name, text, exp, sc)
    return sc


def table(results: dict[str, Score]) -> str:
    """A markdown table: one column per scored set."""
    names = list(results)
    rows = [
        ("articles expected / predicted / matched",
         [f"{s.expected} / {s.predicted} / {s.matched}" for s in results.values()]),
        ("article precision", [f"{s.precision:.3f}" for s in results.values()]),
        ("article recall", [f"{s.recall:.3f}" for s in results.values()]),
        ("furniture as article", [str(s.furniture_as_article) for s in results.values()]),
    ]
    for k in FIELDS:
        rows.append((f"{k} accuracy", [str(s.fields[k]) for s in results.values()]))
    for k in PAGE_FIELDS:
        rows.append((f"page {k} accuracy", [str(s.pages[k]) for s in results.values()]))
    out = ["| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    out += [f"| {label} | " + " | ".join(vals) + " |" for label, vals in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=Path, help="a folder of pages to score instead of the built-in sets")
    ap.add_argument("--expected", type=Path, help="its expected-articles YAML (with --pages)")
    ap.add_argument("--misses", action="store_true", help="list every miss")
    ap.add_argument("--markdown", action="store_true", help="print only the markdown table")
    args = ap.parse_args(argv)
    if args.pages:
        if not args.expected:
            ap.error("--pages needs --expected")
        sets = {args.pages.name: (args.pages, args.expected)}
    else:
        sets = {"corpus (40 pages)": (CORPUS_DIR, CORPUS_EXPECTED)}
        for folder in HOLDOUT_ROUNDS:
            files = sorted(folder.glob("expected_*.yaml"))
            if files:
                sets[f"{folder.name} ({len(load_expected(files))} pages)"] = (folder / "pages", files)
        sets["seeds (5 pages)"] = (SEEDS_DIR, SEEDS_EXPECTED)
    results = {name: score_folder(d, e) for name, (d, e) in sets.items()}
    print(table(results))
    if args.misses and not args.markdown:
        for name, sc in results.items():
            print(f"\n## misses: {name}")
            for m in sc.misses:
                print(" -", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
