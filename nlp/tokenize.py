"""Vietnamese word tokenization: NFC, then underthesea's word_tokenize (which normalizes each token).

Tokens come back space-separated with the syllables of a word joined by '_' ("vắc_xin"), the form
stored once per article in `article_tokens`. underthesea is the slowest step of tagging (~35-40
articles of 4,000 characters per second per process), so bulk work runs over processes and an
article's body is cut at `max_chars` (title and lead always kept), a measured trade-off
(bench/bench_tagging.py). underthesea is imported lazily: importing it calls logging.basicConfig.
"""
from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from contextlib import AbstractContextManager
from functools import lru_cache
from importlib import resources

from nlp.pool import pool_for

# The scheme names what the tokens are. "uts-normalize" stays although the separate text_normalize
# pass went (2026-12-03): word_tokenize runs the same token_normalize on every token itself, and the
# two-pass form gave identical tokens on all 1,067 labelled articles (8,552 lines) while costing 17 %
# more CPU; tests/nlp/test_tokenize_normalize.py holds the two equal on real text, so stored tokens
# and the model's features need no re-run.
TOKENIZER_SCHEME = "nfc+uts-normalize+uts-word-v1"
DEFAULT_MAX_CHARS = 6000  # body characters tokenized per article; None = all
_BULK_MIN = 40            # below this many texts, a process pool costs more than it saves


@lru_cache(maxsize=1)
def tokenizer_version() -> str:
    """Names the tokenizer and underthesea version, stored beside every token row."""
    try:
        from importlib.metadata import version
        uts = version("underthesea")
    except Exception:  # pragma: no cover - metadata missing
        uts = "unknown"
    return f"{TOKENIZER_SCHEME}/underthesea-{uts}/max{DEFAULT_MAX_CHARS}"


def tokenize(text: str) -> str:
    """One text to 'word word_compound ...' (case kept; stopwords kept: filtering is the feature's job)."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        return ""
    from underthesea import word_tokenize
    out: list[str] = []
    for line in text.split("\n"):  # per line: word_tokenize is faster on short inputs
        line = line.strip()
        if not line:
            continue
        toks = word_tokenize(line)  # token_normalize inside (see TOKENIZER_SCHEME)
        out.extend(t.replace(" ", "_") for t in toks if t.strip())
    return " ".join(out)


def truncate_body(text: str, max_chars: int | None = DEFAULT_MAX_CHARS) -> str:
    """The first max_chars characters of a body, cut at a line or space so no word is split."""
    text = text or ""
    if max_chars is None or len(text) <= max_chars:
        return text
    cut = text.rfind("\n", 0, max_chars)
    if cut < max_chars // 2:
        cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > 0 else max_chars]


def tokenize_article(title: str | None, text: str | None,
                     max_chars: int | None = DEFAULT_MAX_CHARS) -> tuple[str, str]:
    """(title_tokens, text_tokens) of one article."""
    return tokenize(title or ""), tokenize(truncate_body(text or "", max_chars))


def _tok_pair(pair: tuple[str | None, str | None, int | None]) -> tuple[str, str]:
    return tokenize_article(*pair)


def tokenize_articles(items: Sequence[tuple[str | None, str | None]], processes: int | None = None,
                      max_chars: int | None = DEFAULT_MAX_CHARS,
                      progress: Callable[[int], None] | None = None,
                      pool: Executor | None = None) -> list[tuple[str, str]]:
    """Tokenize many (title, text) pairs, in order, over `processes` workers (default: all cores), or
    over `pool` when the caller keeps one for a whole job (nlp.pool.pool_for) and so starts it once."""
    jobs = [(t, x, max_chars) for t, x in items]
    if pool is not None and len(jobs) >= _BULK_MIN:
        return _map(pool, jobs, progress)
    with pool_for_tokenizing(len(jobs), processes) as own:
        if own is not None:
            return _map(own, jobs, progress)
    out = []
    for j in jobs:
        out.append(_tok_pair(j))
        if progress:
            progress(1)
    return out


def pool_for_tokenizing(items: int, processes: int | None = None) -> AbstractContextManager[Executor | None]:
    """A pool to tokenize `items` articles over several batches with (None when too few to be worth
    it): the same threshold tokenize_articles uses for one batch."""
    return pool_for(items, processes if processes is not None else (os.cpu_count() or 1), _BULK_MIN)


def _map(pool: Executor, jobs: list[tuple], progress: Callable[[int], None] | None) -> list[tuple[str, str]]:
    chunk = max(1, min(16, len(jobs) // ((os.cpu_count() or 1) * 4)))
    out = []
    for r in pool.map(_tok_pair, jobs, chunksize=chunk):
        out.append(r)
        if progress:
            progress(1)
    return out


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Vietnamese stopwords in token form (lower case, '_' inside words), from nlp/data/stopwords_vi.txt."""
    raw = resources.files("nlp").joinpath("data/stopwords_vi.txt").read_text(encoding="utf-8")
    words = set()
    for line in raw.splitlines():
        line = unicodedata.normalize("NFC", line.split("#", 1)[0]).strip().lower()
        if line:
            words.add(line.replace(" ", "_"))
    return frozenset(words)
