"""DupIndex.matches (shingle set once, bounded LRU, size bound) decides exactly as the plain rule:
a candidate of another unit within LOOSE_DUP_BITS is a repost when jaccard(text, other) >= REPOST_JACCARD."""
from __future__ import annotations

import random

import pytest

from nlp.dedup import LOOSE_DUP_BITS, content_hash, hamming, jaccard, simhash
from pipeline.extract_job import REPOST_JACCARD, DupIndex, _Known

WORDS = ("tỉnh huyện xã ủy ban nhân dân hội nghị triển khai kế hoạch năm công tác tuyên truyền phòng chống "
         "dịch bệnh nông thôn mới đoàn thanh niên phụ nữ cựu chiến binh báo cáo tuần kết quả thực hiện").split()


def _texts(seed: int = 3) -> list[tuple[str, str]]:
    rnd = random.Random(seed)
    base = [" ".join(rnd.choice(WORDS) for _ in range(120)) for _ in range(4)]
    out = []
    for i, b in enumerate(base):
        w = b.split()
        out.append((f"u{i}", b))                       # the original
        out.append((f"u{i + 1}", "Tin: " + b + "."))   # an exact copy on another unit (same content hash)
        out.append((f"u{i}", b + " nữa"))              # a copy on the same unit: ignored
        for j, changed in enumerate((3, 10, 25, 60)):  # templated texts: more and more syllables changed
            v = list(w)
            for p in rnd.sample(range(len(v)), changed):
                v[p] = rnd.choice(WORDS)
            out.append((f"v{i}{j}", " ".join(v)))
        out.append((f"w{i}", " ".join(w[:100])))        # a shortened repost (set sizes differ)
    return out


def _reference(items: list[tuple[int, str, str]], aid: int, unit: str, text: str) -> set[int]:
    sh, ch = simhash(text), content_hash(text)
    out = set()
    for a, u, t in items:
        if u == unit:
            continue
        if content_hash(t) == ch or (hamming(simhash(t), sh) <= LOOSE_DUP_BITS and t
                                     and jaccard(text, t) >= REPOST_JACCARD):
            out.add(a)
    return out


@pytest.mark.parametrize("remember", [False, True], ids=["texts-read-back", "texts-remembered"])
@pytest.mark.parametrize("cache_size", [0, 1, 3, 4096])
def test_matches_decide_as_plain_jaccard(cache_size, remember):
    idx = DupIndex(cache_size=cache_size)
    texts: dict[int, str] = {}
    seen: list[tuple[int, str, str]] = []
    fetched: list[list[int]] = []

    def texts_of(ids):
        fetched.append(list(ids))
        return {a: texts[a] for a in ids if a in texts}

    decided = 0
    texts_in = _texts()
    # every text checked against all before it, in both orders (the original after its repost too)
    for order in (texts_in, list(reversed(texts_in))):
        idx = DupIndex(cache_size=cache_size)
        texts.clear()
        seen.clear()
        for aid, (unit, text) in enumerate(order):
            found = idx.matches(simhash(text), content_hash(text), unit, text, texts_of)
            want = _reference([s for s in seen if s[0] in idx.items], aid, unit, text)
            assert {k.article_id for k in found} == want, (aid, unit)
            decided += len(want)
            idx.add(_Known(aid, unit, (float(aid), aid), simhash(text), content_hash(text)),
                    text if remember else None)
            texts[aid] = text
            seen.append((aid, unit, text))
    assert decided > 0
    assert all(len(set(f)) == len(f) for f in fetched)
    if remember and cache_size >= len(texts_in):  # every candidate's text was at hand: none read back
        assert not any(fetched), fetched


def test_templated_texts_below_threshold_are_not_reposts_and_stale_sets_are_dropped():
    texts = {1: " ".join(WORDS * 3)}
    idx = DupIndex()
    idx.add(_Known(1, "a", (1.0, 1), simhash(texts[1]), content_hash(texts[1])))
    copy = texts[1] + " một"
    assert [k.article_id for k in idx.matches(simhash(copy), content_hash(copy), "b", copy,
                                              lambda ids: {a: texts[a] for a in ids})] == [1]
    # article 1 re-extracted with another text: its cached set must not decide any more
    texts[1] = " ".join(reversed(WORDS * 3))
    idx.add(_Known(1, "a", (1.0, 1), simhash(texts[1]), content_hash(texts[1])))
    got = idx.matches(simhash(copy), content_hash(copy), "b", copy, lambda ids: {a: texts[a] for a in ids})
    assert [k.article_id for k in got] == [a for a in [1] if jaccard(copy, texts[1]) >= REPOST_JACCARD
                                          and hamming(simhash(copy), simhash(texts[1])) <= LOOSE_DUP_BITS]


def test_candidate_filter_is_every_live_article_of_another_unit_within_loose_bits():
    """The numpy filter against the plain rule, over thousands of clustered fingerprints (templated
    news lands close together), with articles removed (batches undone) and re-added (re-extracted)."""
    rnd = random.Random(11)
    centres = [rnd.getrandbits(64) for _ in range(6)]

    def near(c: int) -> int:
        for b in rnd.sample(range(64), rnd.randint(0, 14)):
            c ^= 1 << b
        return c

    idx = DupIndex()
    live: dict[int, _Known] = {}
    for aid in range(3000):
        k = _Known(aid, f"u{rnd.randint(0, 4)}", (float(aid), aid), near(rnd.choice(centres)), f"h{aid}")
        idx.add(k)
        live[aid] = k
        if aid % 7 == 3:  # a batch undone
            idx.remove(live.pop(aid - 1))
        if aid % 11 == 5 and aid - 2 in live:  # re-extracted with another text
            k2 = _Known(aid - 2, live[aid - 2].unit_id, (float(aid), aid - 2), near(rnd.choice(centres)), "x")
            idx.add(k2)
            live[aid - 2] = k2
    checked = 0
    for _ in range(300):
        q, unit = near(rnd.choice(centres)), f"u{rnd.randint(0, 5)}"
        want = {a for a, k in live.items() if k.unit_id != unit and hamming(k.simhash, q) <= LOOSE_DUP_BITS}
        got = idx._candidates(q, unit)
        assert sorted(got) == sorted(want)
        assert len(got) == len(set(got))
        checked += len(want)
    assert checked > 1000
