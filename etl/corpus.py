"""Deterministic benchmark corpus: N pages built from the real seed pages.

Used by ``scripts/benchmark.py`` (never by the pipeline). Every page is one of
the seed pages with, drawn from a seeded ``random.Random``:

- its dates moved: every ``20YY年`` by the same number of years (-8 … +1) and
  every ``M月D日`` by the same number of days (0 … 364, within the year), so
  the masthead, datelines and article dates stay consistent with each other;
- its outlets relabelled: 青岛日报 / 观海新闻 / 青岛晚报 / 掌上青岛 permuted
  (credits like ``青岛日报/观海新闻记者`` keep their shape);
- its order varied: one pair of adjacent body paragraphs swapped;
- its place in the folder random: ``<year>/<12 hex>.txt``.

Pages are unique by bytes (a redraw happens on the rare collision), because
identical bytes are parsed once by design and would make a corpus look
cheaper than it is. Pages are written one at a time (nothing is held but the
five seeds and a set of digests), so a 10,000× corpus costs no memory.

``scale`` is in seed volumes: scale 1 = the five seeds once (≈76 KB),
scale 1000 = 5,000 pages (≈76 MB).
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from etl.config import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "seeds"
OUTLETS = ("青岛日报", "观海新闻", "青岛晚报", "掌上青岛")
_OUTLET_RE = re.compile("|".join(OUTLETS))
_YEAR_RE = re.compile(r"(?<![0-9])(20[0-9]{2})(?=年)")
_MD_RE = re.compile(r"(?<![0-9])([0-9]{1,2})月([0-9]{1,2})日")
_BODY_MIN = 60  # a line this long that is not markup is a body paragraph


@dataclass
class CorpusStats:
    pages: int = 0
    bytes: int = 0


def seed_texts(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]


def _shift_md(m: re.Match, days: int) -> str:
    try:
        d = date(2001, int(m.group(1)), int(m.group(2)))
    except ValueError:
        return m.group(0)
    d = date(2001, 1, 1) + timedelta(days=((d - date(2001, 1, 1)).days + days) % 365)
    return f"{d.month}月{d.day}日"


def vary(text: str, rng: random.Random) -> str:
    """One variant of a seed page (dates, outlets, paragraph order)."""
    dy = rng.randint(-8, 1)
    dd = rng.randrange(365)
    perm = list(OUTLETS)
    rng.shuffle(perm)
    mapping = dict(zip(OUTLETS, perm))
    text = _YEAR_RE.sub(lambda m: str(int(m.group(1)) + dy), text)
    text = _MD_RE.sub(lambda m: _shift_md(m, dd), text)
    text = _OUTLET_RE.sub(lambda m: mapping[m.group(0)], text)
    lines = text.split("\n")
    body = [i for i in range(len(lines) - 2)
            if len(lines[i]) >= _BODY_MIN and lines[i + 1] == "" and len(lines[i + 2]) >= _BODY_MIN
            and not lines[i].startswith(("#", "□", "—")) and not lines[i + 2].startswith(("#", "□", "—"))]
    if body:
        i = rng.choice(body)
        lines[i], lines[i + 2] = lines[i + 2], lines[i]
    return "\n".join(lines)


def pages(n_pages: int, seed: int = 20261122, seeds_dir: Path = SEEDS_DIR):
    """Yield ``(relative_path, text)`` for ``n_pages`` unique pages, deterministically.

    The first page of every round of ``len(seeds)`` pages is chosen so that
    each seed is used equally often (round-robin, shuffled per round).
    """
    seeds = seed_texts(seeds_dir)
    rng = random.Random(seed)
    seen: set[bytes] = set()
    order: list[int] = []
    produced = 0
    while produced < n_pages:
        if not order:
            order = list(range(len(seeds)))
            rng.shuffle(order)
        base = seeds[order.pop()]
        for _attempt in range(1000):
            text = vary(base, rng)
            digest = hashlib.sha256(text.encode("utf-8")).digest()
            if digest not in seen:
                break
        else:  # pragma: no cover - would need ~87,600 variants of one seed
            raise RuntimeError("corpus generator ran out of variants")
        seen.add(digest)
        years = _YEAR_RE.findall(text)
        folder = years[0] if years else "undated"
        name = hashlib.sha256(f"{seed}:{produced}".encode()).hexdigest()[:12]
        produced += 1
        yield f"{folder}/{name}.txt", text


def generate(out_dir: Path, scale: float = 1, seed: int = 20261122, holdout: int = 0) -> CorpusStats:
    """Write ``round(scale * len(seeds))`` pages under ``out_dir``.

    ``holdout`` more pages of the same stream are *not* written to ``out_dir``
    but to ``out_dir.parent / (out_dir.name + '.holdout')``: pages certain to be
    new to a warehouse built from ``out_dir`` (the incremental benchmark).
    """
    n_seeds = len(seed_texts())
    n = max(1, round(scale * n_seeds))
    stats = CorpusStats()
    hold_dir = out_dir.parent / (out_dir.name + ".holdout")
    for k, (rel, text) in enumerate(pages(n + holdout, seed)):
        target = (out_dir if k < n else hold_dir) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        target.write_bytes(data)
        if k < n:
            stats.pages += 1
            stats.bytes += len(data)
    return stats
