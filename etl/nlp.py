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

POS tags (``posseg``): jieba's own ``POSTokenizer`` (its dictionary, DAG, route and
tag table), with only the HMM Viterbi on runs of characters not in the dictionary
(``jieba/posseg/viterbi.py``, pure Python, most of the tagging time) done by the
compiled one of ``jieba_fast_dat`` loaded with jieba's own HMM tables
(:class:`CompiledPOSTokenizer`). Where that one's answer is not certainly
jieba's (a run ending inside a word, which it drops; ties; an impossible run), the tags
are completed or recomputed from jieba's tables, so the tags are jieba's: identical
on every string the extractor tags on the seed and test pages
(``scripts/tagger_agreement.py``). ``ETL_TAGGER=jieba`` uses ``jieba.posseg`` itself
(:func:`tagger_name_from_env`).

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
TAGGERS = ("jieba_fast_dat", "jieba")


def tokenizer_name_from_env() -> str:
    """The default-mode tokenizer named by ``ETL_TOKENIZER``: ``rjieba`` (the default) or ``jieba``,
    parsed with every other setting by ``etl.config.Settings``."""
    from etl.config import current

    return current().tokenizer


def tagger_name_from_env() -> str:
    """The POS tagger named by ``ETL_TAGGER``: ``jieba_fast_dat`` (the default: jieba's tagger with the
    compiled HMM Viterbi, :class:`CompiledPOSTokenizer`) or ``jieba`` (``jieba.posseg`` itself)."""
    from etl.config import current

    return current().tagger


_lock = threading.Lock()
_ready = False
_rjieba = None  # rjieba.Jieba with the user words, or None (jieba itself)
_default: Tokenizer | None = None
_pos: jieba.posseg.POSTokenizer | None = None  # the default tokenizer's tagger (ETL_TAGGER)
_hmm = None  # jieba_fast_dat's compiled functions, loaded with jieba's POS HMM tables (_compiled_hmm)
_hmm_lock = threading.Lock()
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
    global _ready, _rjieba, _pos
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
        _pos = _make_tagger(jieba.posseg.dt, tagger_name_from_env())
        _ready = True


def _make_tagger(pos: jieba.posseg.POSTokenizer, name: str) -> jieba.posseg.POSTokenizer:
    """``pos`` itself (``jieba``) or :class:`CompiledPOSTokenizer` over it (``jieba_fast_dat``)."""
    if name not in TAGGERS:
        raise ValueError(f"unknown tagger {name!r}: expected one of {', '.join(TAGGERS)}")
    if name == "jieba":
        return pos
    try:
        return CompiledPOSTokenizer(pos)
    except ImportError:  # pragma: no cover - jieba_fast_dat is a locked dependency; jieba gives the same tags
        return pos


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


_MIN_FLOAT = -3.14e100  # jieba/posseg/viterbi.py MIN_FLOAT: the log-probability of an unseen emission


def _compiled_hmm():
    """jieba_fast_dat's compiled functions with jieba's POS HMM (start, transition, emission and
    character-state tables) loaded into them, once per process (forked workers inherit it)."""
    global _hmm
    if _hmm is None:
        with _hmm_lock:
            if _hmm is None:
                import jieba_fast_dat._jieba_fast_dat_functions_py3 as hmm

                jp = jieba.posseg
                hmm.load_hmm_model(jp.start_P, jp.trans_P, jp.emit_P, jp.char_state_tab_P)
                _hmm = hmm
    return _hmm


def _open_word_flag(sentence: str, k: int, prev: tuple[str, str] | None) -> str | None:
    """The tag jieba's POS Viterbi gives the open word ``sentence[k:]`` (states B, M … M of one tag) that
    ends its best route after ``prev`` (the state ending ``sentence[:k]``, None at the start), or None
    when the best tag is not unique.

    The route up to ``k`` is the compiled Viterbi's (its probability is jieba's); the open word's tag is
    the one maximising start/transition + emission over ``sentence[k:]`` among the states jieba allows
    for each character: the route's probability is that of its prefix (the same for every tag) plus this.
    """
    jp = jieba.posseg
    states, start, trans, emit = jp.char_state_tab_P, jp.start_P, jp.trans_P, jp.emit_P
    every = trans.keys()
    scores = []
    first = sentence[k]
    for y in states.get(first, every):
        if y[0] != "B":
            continue
        step = start[y] if prev is None else trans[prev].get(y)
        e = emit[y].get(first)
        if step is None or e is None:
            continue
        score, state, mid = step + e, y, ("M", y[1])
        for ch in sentence[k + 1:]:
            t, e = trans[state].get(mid), emit[mid].get(ch)
            if t is None or e is None or mid not in states.get(ch, every):
                break
            score += t + e
            state = mid
        else:
            scores.append((score, y[1]))
    if not scores:
        return None
    scores.sort(reverse=True)
    if len(scores) > 1 and scores[0][0] - scores[1][0] < 1e-9:
        return None
    return scores[0][1]


class CompiledPOSTokenizer(jieba.posseg.POSTokenizer):
    """``jieba.posseg.POSTokenizer`` with its HMM Viterbi compiled (jieba_fast_dat's C++ one, loaded with
    jieba's tables); everything else (dictionary, DAG, route, tag table, user words) is the wrapped jieba
    tagger's own, shared with it.

    The compiled Viterbi returns the words of the best route (same probability as jieba's) but drops a
    word still open at the end of the run (route ending in B or M); that word's tag is recovered from
    jieba's tables (:func:`_open_word_flag`). When the answer is not certainly jieba's (no unique best
    tag for that word, or an impossible run: probability -3.14e100, where every route ties) jieba's
    Python Viterbi decides. (Two different complete routes of exactly equal probability would be
    broken by the compiled code's order, not jieba's; none occurs on the seed and test pages or in
    20,000 random runs: ``scripts/tagger_agreement.py --fuzz 20000``, a sample in tests/test_tagger.py.)
    """

    def __init__(self, base: jieba.posseg.POSTokenizer):
        self._base = base
        self.tokenizer = base.tokenizer
        self._hmm = _compiled_hmm()

    @property
    def word_tag_tab(self) -> dict[str, str]:
        return self._base.word_tag_tab

    def initialize(self, dictionary=None):
        self._base.initialize(dictionary)

    def makesure_userdict_loaded(self):
        self._base.makesure_userdict_loaded()

    def _POSTokenizer__cut(self, sentence):  # jieba.posseg.POSTokenizer.__cut: a run of Han characters
        prob, words = self._hmm._posseg_viterbi_cpp(sentence)
        if prob > _MIN_FLOAT / 2:
            out = [(w.word, w.flag) for w in words]
            k = sum(len(w) for w, _ in out)
            if k == len(sentence):
                return [jieba.posseg.pair(w, f) for w, f in out]
            prev = None
            if out:
                w, f = out[-1]
                prev = ("E" if len(w) > 1 else "S", f)
            flag = _open_word_flag(sentence, k, prev)
            if flag is not None:
                out.append((sentence[k:], flag))
                return [jieba.posseg.pair(w, f) for w, f in out]
        return list(jieba.posseg.POSTokenizer._POSTokenizer__cut(self, sentence))


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

    @property
    def tagger(self) -> str:
        """``jieba_fast_dat`` (jieba's tagger with the compiled Viterbi) or ``jieba``: what :meth:`posseg` runs on."""
        return "jieba_fast_dat" if isinstance(self._pos, CompiledPOSTokenizer) else "jieba"

    def cut(self, text: str) -> list[str]:
        """Default-mode (HMM) tokens of ``text``: rjieba on the hot path, else jieba."""
        if self._rjieba is not None:
            return self._rjieba.cut(text)
        return list(self.dt.cut(text))

    def posseg(self, text: str) -> list[tuple[str, str]]:
        """``(word, POS flag)`` of each token of ``text``: ``jieba.posseg``'s tags on this dictionary
        (computed with the compiled Viterbi unless the tagger is ``jieba``)."""
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
    words (:func:`init_jieba`), rjieba unless ``ETL_TOKENIZER=jieba`` and the compiled Viterbi unless
    ``ETL_TAGGER=jieba``."""
    global _default
    if _default is None:
        init_jieba()
        _default = Tokenizer(jieba.dt, _pos, _rjieba)
    return _default


def make_tokenizer(name: str = "rjieba", userdict: str | Path | None = None, *,
                   cache_dir: Path | None = None, tagger: str = "jieba_fast_dat") -> Tokenizer:
    """A new, independent tokenizer (its own jieba dictionary: nothing global changes) with the
    project's user words, then the words of ``userdict`` (a jieba user dictionary file) if given.
    ``name`` is ``rjieba`` (the default-mode cut on rjieba) or ``jieba``; ``tagger`` is
    ``jieba_fast_dat`` (jieba's POS tags, compiled Viterbi) or ``jieba`` (``jieba.posseg`` itself)."""
    if name not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {name!r}: expected one of {', '.join(TOKENIZERS)}")
    if tagger not in TAGGERS:
        raise ValueError(f"unknown tagger {tagger!r}: expected one of {', '.join(TAGGERS)}")
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
    tok = Tokenizer(dt, _make_tagger(jieba.posseg.POSTokenizer(dt), tagger),
                    _make_rjieba(dt, user) if name == "rjieba" else None)
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
