"""The benchmark corpus generator: deterministic, unique pages, parseable like the seeds."""

from __future__ import annotations

import hashlib

from etl.corpus import generate, pages, seed_texts
from etl.parse import parse_page


def _digest(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.txt"))}


def test_same_seed_same_corpus(tmp_path):
    a = generate(tmp_path / "a" / "seeds", scale=4, seed=7)
    b = generate(tmp_path / "b" / "seeds", scale=4, seed=7)
    assert a.pages == b.pages == 20
    assert _digest(tmp_path / "a" / "seeds") == _digest(tmp_path / "b" / "seeds")
    generate(tmp_path / "c" / "seeds", scale=4, seed=8)
    assert _digest(tmp_path / "c" / "seeds") != _digest(tmp_path / "a" / "seeds")


def test_pages_are_unique_and_sized_like_the_seeds(tmp_path):
    stats = generate(tmp_path / "seeds", scale=10, holdout=1)
    digests = _digest(tmp_path / "seeds")
    assert stats.pages == len(digests) == 50
    assert len(set(digests.values())) == 50  # identical bytes would be parsed once: no duplicates
    held = _digest(tmp_path / "seeds.holdout")
    assert len(held) == 1 and not set(held.values()) & set(digests.values())
    seed_bytes = sum(len(t.encode()) for t in seed_texts())
    assert abs(stats.bytes - 10 * seed_bytes) < 0.05 * 10 * seed_bytes


def test_variants_keep_the_page_grammar():
    seeds = seed_texts()
    base = sum(len(parse_page(t).articles) for t in seeds)
    got = [len(parse_page(text).articles) for _, text in pages(4 * len(seeds))]
    assert min(got) >= 1
    # a swapped paragraph pair may move an article boundary, but pages stay pages
    assert abs(sum(got) - 4 * base) <= 0.15 * 4 * base
