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
``ETL_TOKENIZER=jieba`` to use jieba itself (read in one place,
:func:`tokenizer_name_from_env`). jieba stays the reference, the source of the
IDF table and stop words, and the POS tagger (``jieba.posseg`` in
:mod:`etl.metrics`), for which there is no rjieba equivalent.

Callers hold a :class:`Tokenizer` (``.cut`` / ``.posseg`` / ``.add_word`` /
``.load_userdict``) and pass it on (``extract_metrics(text, tokenizer)``,
``analyse(text, tokenizer=...)``): :func:`default_tokenizer` is the process's
one, built lazily once over jieba's global dictionary with the project's user
words (so ``jieba.add_word`` / ``jieba.load_userdict`` on the global jieba are
honoured by its POS tags); :func:`make_tokenizer` builds an independent one
(its own dictionary, optionally a user dictionary file) that changes nothing global.
"""

from __future__ import annotations

import logging
import re
import threading
from importlib import resources
from pathlib import Path

import jieba
import jieba.analyse
import jieba.posseg

from etl.outlets import to_simplified

TOKENIZERS = ("rjieba", "jieba")


def tokenizer_name_from_env() -> str:
    """The default-mode tokenizer named by ``ETL_TOKENIZER``: ``rjieba`` (the default) or ``jieba``,
    parsed with every other setting by ``etl.config.Settings``."""
    from etl.config import current

    return current().tokenizer


_lock = threading.Lock()
_ready = False
_rjieba = None  # rjieba.Jieba with the user words, or None (jieba itself)
_default: Tokenizer | None = None
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


def _user_words() -> list[tuple[str, str | None]]:
    """The project's user words: every district name and safe alias (tag ``ns``), then the domain terms."""
    try:
        from etl.districts import district_user_words
        places = district_user_words()
    except Exception:  # reference data missing must not stop tokenising
        places = []
    return [(w, "ns") for w in places] + _domain_terms()


def _cache_dir(cache_dir: Path | None) -> Path:
    if cache_dir is None:  # WAREHOUSE_DIR/.cache, never a shared /tmp path
        from etl.config import Settings
        cache_dir = Settings.from_env().cache_dir
    return cache_dir


def init_jieba(cache_dir: Path | None = None) -> None:
    """Idempotent: load the global jieba dictionary and the user words once per process."""
    global _ready, _rjieba
    if _ready:
        return
    with _lock:
        if _ready:
            return
        jieba.setLogLevel(logging.WARNING)
        cache_dir = _cache_dir(cache_dir)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(cache_dir)
        except OSError:
            pass  # an unwritable warehouse folder: jieba falls back to its default cache location
        jieba.initialize()
        user = _user_words()
        for word, tag in user:
            jieba.add_word(word, freq=None, tag=tag)
        stop = resources.files("etl").joinpath("reference/stopwords.txt")
        with resources.as_file(stop) as path:
            jieba.analyse.set_stop_words(str(path))
        _rjieba = _make_rjieba(jieba.dt, user) if tokenizer_name_from_env() == "rjieba" else None
        _ready = True


def _make_rjieba(dt: jieba.Tokenizer, user: list[tuple[str, str | None]]):
    """rjieba with jieba's dictionary plus the user words at the frequencies ``dt`` computed for them."""
    try:
        import rjieba
    except ImportError:  # pragma: no cover - rjieba is a locked dependency
        return None
    rj = rjieba.Jieba()
    for word, tag in user:
        rj.add_word(word, dt.FREQ.get(word), tag)
    return rj


class Tokenizer:
    """One tokenizer: a jieba dictionary (the reference cut and the POS tags) and, optionally,
    rjieba loaded with the same words for the default-mode cut.

    Build it with :func:`default_tokenizer` or :func:`make_tokenizer`, not directly.
    """

    def __init__(self, dt: jieba.Tokenizer, pos: jieba.posseg.POSTokenizer, rj=None):
        self.dt = dt
        self._pos = pos
        self._rjieba = rj

    @property
    def name(self) -> str:
        """``rjieba`` or ``jieba``: what :meth:`cut` runs on."""
        return "rjieba" if self._rjieba is not None else "jieba"

    def cut(self, text: str) -> list[str]:
        """Default-mode (HMM) tokens of ``text``: rjieba on the hot path, else jieba."""
        if self._rjieba is not None:
            return self._rjieba.cut(text)
        return list(self.dt.cut(text))

    def posseg(self, text: str) -> list[tuple[str, str]]:
        """``(word, POS flag)`` of each token of ``text`` (``jieba.posseg`` on this dictionary)."""
        return [(w.word, w.flag) for w in self._pos.cut(text)]

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Add a user word to the dictionary (and to rjieba at jieba's frequency for it)."""
        self.dt.add_word(word, freq, tag)
        if self._rjieba is not None:
            self._rjieba.add_word(word, self.dt.FREQ.get(word), tag)

    def load_userdict(self, path: str | Path) -> None:
        """Load a jieba user dictionary file (``word [freq] [tag]`` per line, UTF-8), as ``jieba.load_userdict``."""
        for line in Path(path).read_text(encoding="utf-8").lstrip("\ufeff").splitlines():
            line = line.strip()
            if line:
                word, freq, tag = jieba.re_userdict.match(line).groups()
                self.add_word(word, freq.strip() if freq else None, tag.strip() if tag else None)


def default_tokenizer() -> Tokenizer:
    """The process's tokenizer, built lazily once: jieba's global dictionary with the project's user
    words (:func:`init_jieba`) and rjieba unless ``ETL_TOKENIZER=jieba``."""
    global _default
    if _default is None:
        init_jieba()
        _default = Tokenizer(jieba.dt, jieba.posseg.dt, _rjieba)
    return _default


def make_tokenizer(name: str = "rjieba", userdict: str | Path | None = None, *,
                   cache_dir: Path | None = None) -> Tokenizer:
    """A new, independent tokenizer (its own jieba dictionary: nothing global changes) with the
    project's user words, then the words of ``userdict`` (a jieba user dictionary file) if given.
    ``name`` is ``rjieba`` (the default-mode cut on rjieba) or ``jieba``."""
    if name not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {name!r}: expected one of {', '.join(TOKENIZERS)}")
    jieba.setLogLevel(logging.WARNING)
    dt = jieba.Tokenizer()
    try:
        cache = _cache_dir(cache_dir)
        cache.mkdir(parents=True, exist_ok=True)
        dt.tmp_dir = str(cache)
    except OSError:
        pass
    dt.initialize()
    user = _user_words()
    for word, tag in user:
        dt.add_word(word, freq=None, tag=tag)
    tok = Tokenizer(dt, jieba.posseg.POSTokenizer(dt), _make_rjieba(dt, user) if name == "rjieba" else None)
    if userdict is not None:
        tok.load_userdict(userdict)
    return tok


def tokenizer_name() -> str:
    return default_tokenizer().name


def cut(text: str) -> list[str]:
    """Default-mode (HMM) tokens of ``text`` with :func:`default_tokenizer`."""
    return default_tokenizer().cut(text)


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


def analyse(text: str, top_k: int = 10, tokenizer: Tokenizer | None = None) -> tuple[int, list[tuple[str, float]]]:
    """``(token_count, keywords)`` from one tokenisation of ``text`` (by ``tokenizer``, default
    :func:`default_tokenizer`).

    Traditional characters are tokenised as their simplified form (the
    dictionary and IDF table are simplified), so keywords are simplified.
    """
    if tokenizer is None:
        tokenizer = default_tokenizer()
    else:
        init_jieba()  # the IDF table and stop words of jieba.analyse
    tokens = tokenizer.cut(to_simplified(text))
    n = sum(1 for t in tokens if is_word(t))
    out = []
    for word, weight in _extract_tags(tokens, top_k * 2):
        if _NUMERIC.match(word) or any(ch.isdigit() for ch in word):
            continue
        out.append((word, float(weight)))
        if len(out) == top_k:
            break
    return n, out
