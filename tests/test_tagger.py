"""The compiled POS tagger (etl.nlp.CompiledPOSTokenizer, ETL_TAGGER=jieba_fast_dat) gives jieba.posseg's tags.

Fast: no pipeline run. The full agreement figures (every string the extractor tags on the seed and
test pages) are printed by scripts/tagger_agreement.py.
"""

from __future__ import annotations

import logging
import multiprocessing
import random

import jieba
import jieba.posseg
import pytest

from etl import nlp
from etl.config import Settings, SettingsError

nlp.init_jieba()
jieba.setLogLevel(logging.WARNING)

REFERENCE = jieba.posseg.dt
COMPILED = nlp.CompiledPOSTokenizer(REFERENCE)

# Real seed sentences holding quantities (seeds/001…, seeds/000…, …) and windows the extractor tags.
SEED_SENTENCES = [
    "全区符合条件的215个小区全部成立党组织",
    "截至目前，胶莱街道联合青岛农商银行已经为企业发放了7000余万元“金椒贷”，为30多家辣椒企业解决了资金难题。",
    "现辖21个城市社区，拥有住宅小区187个，其中无物业开放式小区",
    "支持意见、青岛市28条措施，提升",
    "街道，总建筑面积约290.5万平",
    "前移风店镇已经发展蔬菜专业合作社",
    "移风店镇蔬菜种植户毛乃功说：“在合作社指导下，我每年种的青椒到春节期间出棚售卖，价格可观，一天能出两三千斤。",
    "努力，备受瞩目的太白楼路东跨洸府河大桥",
]
# Runs of Han characters the HMM Viterbi sees, one of each case of CompiledPOSTokenizer: a complete route,
# a route ending inside a word, which the compiled Viterbi drops (现辖, 区 from the start; 旧改 after a
# one-character word; 青岛市 after a longer one), and an impossible run
# (洸 is in no state's emissions: every route has probability -3.14e100 and jieba's tie-break decides).
HMM_RUNS = ["小区改造", "条措施", "个城市社区", "现辖", "区", "旧改", "青农", "和美", "的转", "青岛市", "书记张新",
            "范区党工委", "路东跨洸府", "洸府"]


def tags(pos, text: str) -> list[tuple[str, str]]:
    return [(w.word, w.flag) for w in pos.cut(text)]


@pytest.mark.parametrize("text", SEED_SENTENCES)
def test_compiled_tags_equal_jieba_posseg(text):
    assert tags(COMPILED, text) == tags(REFERENCE, text)


@pytest.mark.parametrize("run", HMM_RUNS)
def test_compiled_viterbi_run_equals_jieba(run):
    ref = [tuple(p) for p in REFERENCE._POSTokenizer__cut(run)]
    assert [tuple(p) for p in COMPILED._POSTokenizer__cut(run)] == ref
    assert "".join(w for w, _ in ref) == run


def test_quantities_keep_their_tags():
    got = dict(tags(COMPILED, SEED_SENTENCES[0]))
    assert got["215"] == "m" and got["小区"] == "n"


def test_default_tokenizer_uses_the_compiled_tagger():
    tok = nlp.default_tokenizer()
    assert tok.tagger == "jieba_fast_dat"
    assert tok.posseg(SEED_SENTENCES[1]) == tags(REFERENCE, SEED_SENTENCES[1])


def test_user_words_added_later_are_tagged():
    """The compiled tagger shares jieba's tag table: a word added to the global jieba is honoured."""
    jieba.add_word("金椒贷专项", 2000, "nz")
    try:
        text = "发放金椒贷专项资金3000万元"
        assert ("金椒贷专项", "nz") in tags(COMPILED, text)
        assert tags(COMPILED, text) == tags(REFERENCE, text)
    finally:
        jieba.del_word("金椒贷专项")


def test_setting_selects_the_tagger():
    assert Settings.from_env(environ={}).tagger == "jieba_fast_dat"
    assert Settings.from_env(environ={"ETL_TAGGER": "jieba"}).tagger == "jieba"
    with pytest.raises(SettingsError, match="ETL_TAGGER"):
        Settings.from_env(environ={"ETL_TAGGER": "hanlp"})
    assert nlp._make_tagger(REFERENCE, "jieba") is REFERENCE
    assert isinstance(nlp._make_tagger(REFERENCE, "jieba_fast_dat"), nlp.CompiledPOSTokenizer)
    with pytest.raises(ValueError, match="unknown tagger"):
        nlp._make_tagger(REFERENCE, "hanlp")


def _tag_in_child(queue, texts):
    queue.put([nlp.default_tokenizer().posseg(t) for t in texts])


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_forked_worker_tags_like_the_parent():
    """Pool workers are forked after the dictionaries (and the compiled HMM tables) are loaded."""
    nlp.default_tokenizer()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_tag_in_child, args=(queue, SEED_SENTENCES))
    child.start()
    got = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert got == [tags(REFERENCE, t) for t in SEED_SENTENCES]


def test_random_runs_tag_like_jieba():
    """Random runs of seed characters, with rare characters mixed in (fixed seed; 20,000 such runs agreed
    when the tagger was adopted)."""
    from pathlib import Path

    seeds = "".join(p.read_text(encoding="utf-8") for p in sorted(Path(__file__).parent.parent.joinpath("seeds").glob("*.txt")))
    common = [c for c in seeds if "\u4e00" <= c <= "\u9fd5"]
    rng = random.Random(20261130)
    rare = [chr(rng.randrange(0x4E00, 0x9FD6)) for _ in range(200)]
    for i in range(300):
        pool = common if i % 3 else common + rare
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 10)))
        assert tags(COMPILED, text) == tags(REFERENCE, text), text
