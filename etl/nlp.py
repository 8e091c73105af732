"""jieba, initialised once per process with the project's user dictionary.

The user dictionary is built from the district reference data (every full
name and safe alias, tagged ``ns``) plus ``etl/reference/domain_terms.txt``,
so that 上合示范区, 中云街道 or 党员中心户 are never split. jieba's prefix-dict
cache is written under ``WAREHOUSE_DIR/.cache`` rather than a shared /tmp.
"""

from __future__ import annotations

import logging
import re
import threading
from importlib import resources
from pathlib import Path

import jieba
import jieba.analyse

_lock = threading.Lock()
_ready = False
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
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(cache_dir)
        jieba.initialize()
        try:
            from etl.districts import district_user_words
            places = district_user_words()
        except Exception:  # reference data missing must not stop tokenising
            places = []
        for word in places:
            jieba.add_word(word, freq=None, tag="ns")
        for word, tag in _domain_terms():
            jieba.add_word(word, freq=None, tag=tag)
        stop = resources.files("etl").joinpath("reference/stopwords.txt")
        with resources.as_file(stop) as path:
            jieba.analyse.set_stop_words(str(path))
        _ready = True


def is_word(token: str) -> bool:
    return bool(token.strip()) and not _PUNCT.match(token)


def token_count(text: str) -> int:
    init_jieba()
    return sum(1 for t in jieba.cut(text) if is_word(t))


def keywords(text: str, top_k: int = 10) -> list[tuple[str, float]]:
    """TF-IDF keywords (jieba's IDF table), numbers and stop words excluded."""
    init_jieba()
    out = []
    for word, weight in jieba.analyse.extract_tags(text, topK=top_k * 2, withWeight=True):
        if _NUMERIC.match(word) or any(ch.isdigit() for ch in word):
            continue
        out.append((word, float(weight)))
        if len(out) == top_k:
            break
    return out
