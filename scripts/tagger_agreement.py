"""How often the compiled POS tagger's tags agree with ``jieba.posseg``'s, and how fast each is.

    .venv/bin/python scripts/tagger_agreement.py [--json] [--fuzz N]

The pipeline tags with :class:`etl.nlp.CompiledPOSTokenizer` (``ETL_TAGGER=jieba_fast_dat``, the
default): jieba's own POS tagger with its HMM Viterbi compiled. This compares it, on the same
dictionary and user words, with ``jieba.posseg`` (``ETL_TAGGER=jieba``) on

- ``tagged``: exactly the strings the quantity extractor tags (``TextContext.tokens``: the windows and
  sentences around every candidate number of every article field), and
- ``whole``: every article's title and body, tagged whole,

of the seed pages (``seeds/``) and of the test corpus (``../shared/corpus/pages/``, when present).
Agreement counts ``(word, flag)`` tokens of jieba's output matched in order by the compiled
tagger's (difflib), and texts whose token lists are identical. Speed is characters per second of
each tagger over the same strings (best of three passes, one process). ``--fuzz N`` also compares
N random runs of 1–12 characters (seed characters, any CJK character, mixes, slices of the seeds).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))
SEEDS = PROJECT / "seeds"
CORPUS = PROJECT.parent / "shared" / "corpus" / "pages"
FIELDS = ("body", "kicker", "title", "subtitle")  # the fields etl.model.derive_facts extracts from


def _articles(pages: list[Path]) -> list:
    from etl.parse import parse_page

    return [a for p in pages for a in parse_page(p.read_text(encoding="utf-8")).articles]


def tagged_strings(articles: list) -> list[str]:
    """The strings ``extract_metrics`` tags for these articles' fields, in order (repeats included)."""
    import jieba.posseg

    from etl import nlp
    from etl.metrics import extract_metrics_many

    seen: list[str] = []

    class Recording(nlp.Tokenizer):
        def posseg(self, text: str) -> list[tuple[str, str]]:
            seen.append(text)
            return super().posseg(text)

    nlp.init_jieba()
    tok = Recording(jieba.dt, jieba.posseg.dt)
    extract_metrics_many([getattr(a, f, None) or "" for a in articles for f in FIELDS], tok)
    return seen


def _compare(texts: list[str], ref, new) -> dict:
    total = agree = same = 0
    differing: list[str] = []
    for s in texts:
        a, b = ref(s), new(s)
        sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        agree += sum(m.size for m in sm.get_matching_blocks())
        total += len(a)
        same += a == b
        if a != b and len(differing) < 5:
            differing.append(s[:60])
    return {"texts": len(texts), "chars": sum(map(len, texts)), "jieba_tokens": total, "agreeing": agree,
            "ratio": agree / total if total else 1.0, "identical_texts": same, "differing_examples": differing}


def _speed(texts: list[str], fn, passes: int = 3) -> float:
    chars = sum(map(len, texts))
    best = float("inf")
    for _ in range(passes):
        t0 = time.perf_counter()
        for s in texts:
            fn(s)
        best = min(best, time.perf_counter() - t0)
    return chars / best


def tagger_agreement(seeds: Path = SEEDS, corpus: Path | None = CORPUS) -> dict:
    """Agreement and speed of the compiled tagger against ``jieba.posseg`` (see the module docstring):
    ``{"sets": {"seeds"|"corpus": {"pages", "articles", "tagged": {...}, "whole": {...}}},
    "speed_chars_per_s": {"tagged"|"whole": {"jieba", "jieba_fast_dat"}}}``."""
    import jieba.posseg

    from etl import nlp

    nlp.init_jieba()
    reference = jieba.posseg.dt
    compiled = nlp.CompiledPOSTokenizer(reference)

    def ref(s: str) -> list[tuple[str, str]]:
        return [(w.word, w.flag) for w in reference.cut(s)]

    def new(s: str) -> list[tuple[str, str]]:
        return [(w.word, w.flag) for w in compiled.cut(s)]

    sets = [("seeds", sorted(seeds.glob("*.txt")))]
    if corpus is not None and corpus.is_dir():
        sets.append(("corpus", sorted(corpus.rglob("*.txt"))))
    out: dict = {"sets": {}, "speed_chars_per_s": {}}
    pooled: dict[str, list[str]] = {"tagged": [], "whole": []}
    for label, pages in sets:
        articles = _articles(pages)
        texts = {"tagged": tagged_strings(articles),
                 "whole": [nlp.to_simplified((a.title or "") + "\n" + a.body) for a in articles]}
        out["sets"][label] = {"pages": len(pages), "articles": len(articles),
                              **{kind: _compare(ts, ref, new) for kind, ts in texts.items()}}
        for kind, ts in texts.items():
            pooled[kind] += ts
    for kind, ts in pooled.items():
        out["speed_chars_per_s"][kind] = {"jieba": _speed(ts, ref), "jieba_fast_dat": _speed(ts, new)}
    return out


def fuzz(n: int, seed: int = 7) -> dict:
    """Compare the two taggers on ``n`` random strings: ``{"runs", "differing", "examples"}``."""
    import random

    import jieba.posseg

    from etl import nlp

    nlp.init_jieba()
    reference = jieba.posseg.dt
    compiled = nlp.CompiledPOSTokenizer(reference)
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    han = [c for c in text if "\u4e00" <= c <= "\u9fd5"]
    every = [chr(c) for c in range(0x4E00, 0x9FD6)]
    rng = random.Random(seed)
    bad: list[str] = []
    for i in range(n):
        length = rng.randint(1, 12)
        kind = i % 4
        if kind == 3:
            a = rng.randrange(len(text))
            s = text[a:a + rng.randint(1, 40)]
        else:
            pool = (han, every, han + every[:3000])[kind]
            s = "".join(rng.choice(pool) for _ in range(length))
        if [tuple(w) for w in reference.cut(s)] != [tuple(w) for w in compiled.cut(s)]:
            bad.append(s)
    return {"runs": n, "differing": len(bad), "examples": bad[:5]}


def render(res: dict) -> str:
    lines = ["set     kind     texts   chars   jieba tokens  agreeing  ratio      identical texts"]
    for label, r in res["sets"].items():
        for kind in ("tagged", "whole"):
            c = r[kind]
            lines.append(f"{label:<7} {kind:<7} {c['texts']:>6} {c['chars']:>7} {c['jieba_tokens']:>13} "
                         f"{c['agreeing']:>9}  {c['ratio']:.5%}  {c['identical_texts']}/{c['texts']}")
            lines += [f"    differs: {d}" for d in c["differing_examples"]]
    for kind, sp in res["speed_chars_per_s"].items():
        lines.append(f"speed ({kind}, all sets): jieba.posseg {sp['jieba']:,.0f} chars/s, "
                     f"compiled {sp['jieba_fast_dat']:,.0f} chars/s ({sp['jieba_fast_dat'] / sp['jieba']:.1f}x)")
    if "fuzz" in res:
        lines.append(f"random runs: {res['fuzz']['runs']}, differing {res['fuzz']['differing']} {res['fuzz']['examples']}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    ap.add_argument("--fuzz", type=int, default=0, metavar="N", help="also compare N random runs (slow: ~13 ms each)")
    args = ap.parse_args()
    res = tagger_agreement()
    if args.fuzz:
        res["fuzz"] = fuzz(args.fuzz)
    print(json.dumps(res, indent=2, ensure_ascii=False) if args.json else render(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
