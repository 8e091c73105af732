"""jieba, initialised once per process with the project's user dictionary.

The user dictionary is built from the district reference data (every full
name and safe alias, tagged ``ns``) plus ``etl/reference/domain_terms.txt``,
so that 上合示范区, 中云街道 or 党员中心户 are never split. jieba's prefix-dict
cache is written under ``WAREHOUSE_DIR/.cache`` rather than a shared /tmp.

Hot path (``analyse``): an article is tokenised **once**; the token count and
the TF-IDF keywords are both computed from that one token list (the keyword
arithmetic replicates ``jieba.analyse.extract_tags`` exactly: same filter,
same IDF table and median, same stable sort). The default-mode cut is done by
``rjieba`` (the Rust port of jieba: same dictionary, same DAG + HMM
algorithm) loaded with the *same* user words at the *same* frequencies jieba
computed for them; on the seed pages its tokens agree with jieba's on 99.95%
of tokens (``scripts/benchmark.py`` measures and reports the figure). Set
``ETL_TOKENIZER=jieba`` to use jieba itself. jieba stays the reference, the
source of the IDF table and stop words, and the POS tagger (``jieba.posseg``
in :mod:`etl.metrics`), for which there is no rjieba equivalent.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from importlib import resources
from pathlib import Path

import jieba
import jieba.analyse

from etl.outlets import to_simplified

_lock = threading.Lock()
_ready = False
_rjieba = None  # rjieba.Jieba with the user words, or None (jieba itself)
_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)
_NUMERIC = re.compile(r"[0-9０-９零〇一二三四五六七八九十百千万亿两%％.．]+$")


def _domain_terms() -> list[tuple[str, str | None]]:
    text = resources.files("etl").joinpath("reference/domain_terms.txt").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        out.append((parts[0], parts[1] if len(parts) > 1 else None))
    return out


def init_jieba(cache_dir: Path | None = None) -> None:
    """Idempotent: load the dictionary and user words once per process."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        jieba.setLogLevel(logging.WARNING)
        if cache_dir is None:  # WAREHOUSE_DIR/.cache, never a shared /tmp path
            from etl.config import Settings
            cache_dir = Settings.from_env().cache_dir
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(cache_dir)
        except OSError:
            pass  # an unwritable warehouse folder: jieba falls back to its default cache location
        jieba.initialize()
        try:
            from etl.districts import district_user_words
            places = district_user_words()
        except Exception:  # reference data missing must not stop tokenising
            places = []
        user = [(w, "ns") for w in places] + _domain_terms()
        for word, tag in user:
            jieba.add_word(word, freq=None, tag=tag)
        stop = resources.files("etl").joinpath("reference/stopwords.txt")
        with resources.as_file(stop) as path:
            jieba.analyse.set_stop_words(str(path))
        _init_rjieba(user)
        _ready = True


def _init_rjieba(user: list[tuple[str, str | None]]) -> None:
    """rjieba with jieba's dictionary plus the user words at jieba's frequencies."""
    global _rjieba
    _rjieba = None
    if os.environ.get("ETL_TOKENIZER", "rjieba").lower() == "jieba":
        return
    try:
        import rjieba
    except ImportError:  # pragma: no cover - rjieba is a locked dependency
        return
    rj = rjieba.Jieba()
    for word, tag in user:
        rj.add_word(word, jieba.dt.FREQ.get(word), tag)
    _rjieba = rj


def tokenizer_name() -> str:
    init_jieba()
    return "rjieba" if _rjieba is not None else "jieba"


def cut(text: str) -> list[str]:
    """Default-mode (HMM) tokens of ``text``: rjieba on the hot path, else jieba."""
    init_jieba()
    if _rjieba is not None:
        return _rjieba.cut(text)
    return list(jieba.cut(text))


def is_word(token: str) -> bool:
    return bool(token.strip()) and not _PUNCT.match(token)


def token_count(text: str) -> int:
    return analyse(text)[0]


def keywords(text: str, top_k: int = 10) -> list[tuple[str, float]]:
    """TF-IDF keywords (jieba's IDF table), numbers and stop words excluded."""
    return analyse(text, top_k)[1]


def _extract_tags(tokens: list[str], top_k: int) -> list[tuple[str, float]]:
    """``jieba.analyse.extract_tags(text, topK=top_k, withWeight=True)`` on given tokens."""
    tfidf = jieba.analyse.default_tfidf
    stop = tfidf.stop_words
    freq: dict[str, float] = {}
    for w in tokens:
        if len(w.strip()) < 2 or w.lower() in stop:
            continue
        freq[w] = freq.get(w, 0.0) + 1.0
    total = sum(freq.values())
    idf, median = tfidf.idf_freq, tfidf.median_idf
    for k in freq:
        freq[k] *= idf.get(k, median) / total
    return sorted(freq.items(), key=lambda kv: kv[1], reverse=True)[:top_k]


def analyse(text: str, top_k: int = 10) -> tuple[int, list[tuple[str, float]]]:
    """``(token_count, keywords)`` from one tokenisation of ``text``.

    Traditional characters are tokenised as their simplified form (the
    dictionary and IDF table are simplified), so keywords are simplified.
    """
    tokens = cut(to_simplified(text))
    n = sum(1 for t in tokens if is_word(t))
    out = []
    for word, weight in _extract_tags(tokens, top_k * 2):
        if _NUMERIC.match(word) or any(ch.isdigit() for ch in word):
            continue
        out.append((word, float(weight)))
        if len(out) == top_k:
            break
    return n, out
