"""`chuyenmuc extract`: stored raw pages -> articles, in batches that commit with their page status.

Each batch is one transaction: the articles rows (upserted on article_id = page_id), the pages'
extract_status/extract_error/extracted_at, and the run_errors rows. A kill loses at most the batch in
flight, and a rerun redoes exactly the pages still NULL, so nothing is duplicated.

Near-duplicates: an article whose SimHash is within LOOSE_DUP_BITS (confirmed by shingle Jaccard) of an earlier-published article of
another unit gets repost_of = that article (the earliest such); when the original arrives after its
reposts, the stored reposts are pointed at it. Fetch and extraction times are instants (TIMESTAMPTZ, from
warehouse.clock).

Documents published as pages (the body only a link to a PDF/DOC/DOCX) are publications too: an articles row
with is_document, the linked file's text (nlp.documents; the crawler stored the file as a page, which gets
extract_status 'attachment') and the page's title and date (or the date its title spells).
"""
from __future__ import annotations

import collections
import json
import logging
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from nlp.dates import parse_vietnamese_date
from nlp.dedup import LOOSE_DUP_BITS, MASK64, fingerprint, hamming, jaccard_sets, shingle_set
from nlp.documents import document_kind, document_text
from nlp.extract import EXTRACTOR_VERSION, ExtractError, extract_page
from nlp.pool import pool_for
from nlp.sanitize import clean_web_text
from pipeline.interrupt import check as interrupt_check
from pipeline.interrupt import reraise_if_interrupt
from pipeline.page_rows import PAGE_COLUMNS, job_of
from warehouse import clock
from warehouse.batch import write_rows
from warehouse.db import transaction

log = logging.getLogger("chuyenmuc.extract")
REPOST_JACCARD = 0.85  # shingle overlap that makes a SimHash candidate a repost
MIN_DUP_SYLLABLES = 60  # shorter texts (notices, one-liners) are too generic to call reposts
# 9 bands of 7-8 bits: two fingerprints <= 8 bits apart agree on at least one whole band
BANDS = [(0, 8), (8, 15), (15, 22), (22, 29), (29, 36), (36, 43), (43, 50), (50, 57), (57, 64)]

ARTICLE_SCHEMA = pa.schema([
    ("article_id", pa.int64()), ("url", pa.string()), ("unit_id", pa.string()), ("column_id", pa.string()),
    ("title", pa.string()), ("published_at", pa.timestamp("us", tz="UTC")), ("author", pa.string()),
    ("text", pa.string()), ("lang", pa.string()), ("word_count", pa.int32()), ("content_hash", pa.string()),
    ("simhash", pa.uint64()), ("repost_of", pa.int64()), ("quality_flags", pa.list_(pa.string())),
    ("extractor_version", pa.string()), ("extracted_at", pa.timestamp("us", tz="UTC")),
    ("is_document", pa.bool_()), ("document_url", pa.string()),
])
STATUS_SCHEMA = pa.schema([("page_id", pa.int64()), ("extract_status", pa.string()),
                           ("extract_error", pa.string()), ("extracted_at", pa.timestamp("us", tz="UTC"))])
STATUS_OF = {"article": "article", "document": "document"}


@dataclass
class _Known:
    article_id: int
    unit_id: str
    key: tuple
    simhash: int
    content_hash: str
    n_shingles: int | None = None  # size of its shingle set, once its text has been read (None: not yet)


SHINGLE_CACHE = 4096  # shingle sets of candidate texts kept (least recently used dropped): bounded memory


class DupIndex:
    """SimHash band index over stored and new articles, to find a text's earlier copy on another unit.

    The candidate filter runs in numpy: each added article gets a slot in growing arrays (SimHash,
    unit, article id, live); band buckets hold slots. With 7-8-bit bands a bucket holds about 1/200
    of all articles, so every text meets hundreds of candidates, and a Python loop over them was most
    of the crawl process's store time at scale 20 (8 of 14 s, py-spy), growing with the square of the
    night's articles; the same filter over numpy arrays decides the same candidates.
    """

    def __init__(self, cache_size: int = SHINGLE_CACHE) -> None:
        self.items: dict[int, _Known] = {}
        self.bands: list[dict[int, list[int]]] = [{} for _ in BANDS]  # band value -> slots
        self.by_hash: dict[str, list[int]] = {}
        self.cache_size = cache_size
        self._sets: collections.OrderedDict[int, frozenset[str]] = collections.OrderedDict()
        # texts of the articles this process added, newest kept: a repost's original is most often one
        # stored minutes before, and reading it back from DuckDB was a sixth of the night's store time
        self._texts: collections.OrderedDict[int, str] = collections.OrderedDict()
        self._slot: dict[int, int] = {}  # article id -> its live slot
        self._units: dict[str, int] = {}
        self._n = 0
        self._sim = np.zeros(1024, np.uint64)
        self._unit = np.zeros(1024, np.int32)
        self._aid = np.zeros(1024, np.int64)
        self._live = np.zeros(1024, np.bool_)

    def _new_slot(self, k: _Known) -> int:
        if self._n == len(self._sim):
            grow = len(self._sim)
            self._sim = np.concatenate([self._sim, np.zeros(grow, np.uint64)])
            self._unit = np.concatenate([self._unit, np.zeros(grow, np.int32)])
            self._aid = np.concatenate([self._aid, np.zeros(grow, np.int64)])
            self._live = np.concatenate([self._live, np.zeros(grow, np.bool_)])
        s = self._n
        self._n += 1
        self._sim[s] = k.simhash & MASK64
        self._unit[s] = self._units.setdefault(k.unit_id, len(self._units))
        self._aid[s] = k.article_id
        self._live[s] = True
        return s

    def add(self, k: _Known, text: str | None = None) -> None:
        self._sets.pop(k.article_id, None)  # a re-extracted article: its old text's set is stale
        self._texts.pop(k.article_id, None)
        if text:
            self._texts[k.article_id] = text
            while len(self._texts) > self.cache_size:
                self._texts.popitem(last=False)
        old = self._slot.get(k.article_id)
        if old is not None:  # re-added: only the newest fingerprint is a candidate
            self._live[old] = False
        s = self._slot[k.article_id] = self._new_slot(k)
        self.items[k.article_id] = k
        for i, (lo, hi) in enumerate(BANDS):
            self.bands[i].setdefault((k.simhash >> lo) & ((1 << (hi - lo)) - 1), []).append(s)
        self.by_hash.setdefault(k.content_hash, []).append(k.article_id)

    def remove(self, k: _Known) -> None:
        """Undo add() (a batch that did not commit must not become anyone's original)."""
        if self.items.get(k.article_id) is not k:
            return
        self._sets.pop(k.article_id, None)
        self._texts.pop(k.article_id, None)
        del self.items[k.article_id]
        self._live[self._slot.pop(k.article_id)] = False  # its bucket entries stay, dead
        ids = self.by_hash.get(k.content_hash, [])
        if k.article_id in ids:
            ids.remove(k.article_id)

    def _candidates(self, simh: int, unit_id: str) -> list[int]:
        """Article ids of other units sharing a band with `simh` and within LOOSE_DUP_BITS of it."""
        slots: list[int] = []
        for i, (lo, hi) in enumerate(BANDS):
            slots += self.bands[i].get((simh >> lo) & ((1 << (hi - lo)) - 1), ())
        if not slots:
            return []
        arr = np.asarray(slots, dtype=np.int64)  # a slot sharing several bands comes several times
        keep = self._live[arr] & (self._unit[arr] != self._units.get(unit_id, -1))
        arr = arr[keep]
        near = hamming(self._sim[arr], simh) <= LOOSE_DUP_BITS
        return sorted(set(self._aid[arr[near]].tolist()))  # few: deduplicated here, not before the filter

    def matches(self, simh: int, chash: str, unit_id: str, text: str,
                texts_of: Callable[[list[int]], dict[int, str | None]]) -> list[_Known]:
        """Articles of other units that are the same text: same content hash, or SimHash within
        LOOSE_DUP_BITS (the candidate filter) confirmed by shingle Jaccard >= REPOST_JACCARD.

        Every SimHash candidate is confirmed by shingles: official news written from the same
        templates (weekly reports, conference notices) lands within a few bits of each other while
        sharing well under 85% of its 3-syllable shingles; a repost shares nearly all of them.
        `texts_of(ids)` gives the texts of candidates (one call per text checked, all its candidates).

        Exactly the decisions of `jaccard(text, other) >= REPOST_JACCARD` per candidate, cheaper: the
        text's shingle set is built once; a candidate whose set size is known is rejected when
        min/max of the two sizes (an upper bound of the Jaccard) is below REPOST_JACCARD; candidates'
        sets come from a bounded LRU, the texts missing from it in one texts_of call.
        """
        out, loose = [], []
        for aid in dict.fromkeys(self.by_hash.get(chash, [])):  # the same text (whatever its SimHash)
            k = self.items.get(aid)
            if k is not None and k.unit_id != unit_id and k.content_hash == chash:
                out.append(k)
        exact = {k.article_id for k in out}
        for aid in self._candidates(simh, unit_id):
            if aid not in exact:
                k = self.items[aid]
                (out if k.content_hash == chash else loose).append(k)
        if not loose:
            return out
        mine = shingle_set(text)
        n = len(mine)
        if not n:  # an empty set has Jaccard 0 with anything
            return out

        def may_match(k: _Known) -> bool:  # size bound: J(A, B) <= min(|A|, |B|) / max(|A|, |B|)
            m = k.n_shingles
            return m is None or (m > 0 and min(m, n) / max(m, n) >= REPOST_JACCARD)

        loose = [k for k in loose if may_match(k)]
        have = {k.article_id: self._sets[k.article_id] for k in loose if k.article_id in self._sets}
        missing = [k.article_id for k in loose if k.article_id not in have and k.article_id not in self._texts]
        fetched = texts_of(missing) if missing else {}
        fetched.update({k.article_id: self._texts[k.article_id] for k in loose if k.article_id in self._texts})
        for k in loose:
            sets = have.get(k.article_id)
            if sets is None:
                other = fetched.get(k.article_id)
                sets = shingle_set(other) if other else frozenset()
                k.n_shingles = len(sets)
                self._remember(k.article_id, sets)
            elif k.article_id in self._sets:
                self._sets.move_to_end(k.article_id)
            if not may_match(k):
                continue
            if jaccard_sets(mine, sets) >= REPOST_JACCARD:
                out.append(k)
        return out

    def _remember(self, aid: int, sets: frozenset[str]) -> None:
        self._sets[aid] = sets
        while len(self._sets) > self.cache_size:
            self._sets.popitem(last=False)


def _key(published_at: datetime | None, article_id: int) -> tuple:
    ts = published_at.timestamp() if published_at is not None else float("inf")
    return (ts, article_id)


def _load_index(con: duckdb.DuckDBPyConnection, exclude_all: bool) -> DupIndex:
    idx = DupIndex()
    rows = con.execute("""SELECT a.article_id, a.unit_id, epoch(a.published_at), a.simhash, a.content_hash
                          FROM articles a JOIN pages p ON p.page_id = a.article_id
                          WHERE a.simhash IS NOT NULL AND a.word_count >= ?
                          AND (NOT ? OR p.extract_status IS NOT NULL)""",
                       [MIN_DUP_SYLLABLES, exclude_all]).fetchall()
    for aid, unit, ts, sh, ch in rows:
        idx.add(_Known(aid, unit, (ts if ts is not None else float("inf"), aid), int(sh), ch or ""))
    return idx


def _as_aware(ts: datetime | None) -> datetime | None:
    """fetched_at is TIMESTAMPTZ (aware); a naive value (one built by hand) is the province's time,
    the warehouse's convention, so the date parser never compares aware with naive."""
    if ts is None:
        return None
    return ts.replace(tzinfo=clock.TZ) if ts.tzinfo is None else ts


PARALLEL_MIN_PAGES = 300  # below this, starting worker processes costs more than it saves


def _extract_one(job: tuple) -> tuple:
    """Worker side (runs in a pool process): one stored page -> ("ok", ExtractResult, None, fingerprint)
    or ("attachment", kind) or ("err", kind, msg). An article's fingerprint (nlp.dedup.fingerprint,
    for the duplicate check) is computed here, in the worker, not by the one process that writes."""
    body_z, url, fetched_url, headers, fetched_at = job
    try:
        if body_z is None:
            raise ExtractError("no stored body", url)
        body = zlib.decompress(body_z)
        hdrs = json.loads(headers) if isinstance(headers, str) and headers else (headers or None)
        ctype = next((v for k, v in (hdrs or {}).items() if k.lower() == "content-type"), None) \
            if isinstance(hdrs, dict) else None
        kind = document_kind(body, ctype, url)
        if kind is not None:  # a document file linked from a document page: read with that page
            return ("attachment", kind)
        res = extract_page(body, fetched_url or url, hdrs if isinstance(hdrs, dict) else None, _as_aware(fetched_at))
        return ("ok", res, None, fingerprint(res.text) if res.is_article and res.kind != "document" else None)
    except Exception as e:  # noqa: BLE001 - one bad page must never stop the run
        kind = e.kind if isinstance(e, ExtractError) else f"{type(e).__module__}.{type(e).__name__}".removeprefix(
            "builtins.")
        return ("err", kind, str(e) or type(e).__name__)


def run_extract(con: duckdb.DuckDBPyConnection, all: bool = False, batch_size: int = 200,  # noqa: A002
                progress: Callable[[int, int | None], None] | None = None, run_id: int | None = None) -> dict:
    """Extract every page not yet extracted (all=True: every page) and return counts per outcome."""
    counts = {"pages": 0, "article": 0, "not-article": 0, "document": 0, "attachment": 0, "error": 0, "reposts": 0}
    if all:
        # a re-extraction starts from scratch: statuses cleared in one statement, bodies kept
        con.execute("UPDATE pages SET extract_status = NULL, extract_error = NULL WHERE body_zlib IS NOT NULL")
    total = con.execute("SELECT count(*) FROM pages WHERE extract_status IS NULL").fetchall()[0][0]
    idx = _load_index(con, exclude_all=all)
    # extraction is CPU-bound (lxml, trafilatura): spread a batch over processes; the database
    # writes and the duplicate index stay here, in one process (workers never touch DuckDB).
    # (workers die with this process and leave signals to it: nlp.pool)
    with pool_for(total, min(os.cpu_count() or 1, 4), PARALLEL_MIN_PAGES) as pool:
        counts = _loop(con, idx, counts, total, batch_size, progress, run_id, pool)
    log.info("extract: %s", counts)
    return counts


def pages_by_id(con: duckdb.DuckDBPyConnection, page_ids: list[int]) -> list[tuple]:
    """The PAGE_COLUMNS rows of those pages still waiting for extraction (extract_status NULL)."""
    return con.execute(f"SELECT {PAGE_COLUMNS} FROM pages WHERE extract_status IS NULL "
                       "AND list_contains(?, page_id) ORDER BY page_id", [page_ids]).fetchall()


def store_outcomes(con: duckdb.DuckDBPyConnection, rows: list[tuple], results: list[tuple], idx: DupIndex,
                   counts: dict, run_id: int | None) -> None:
    """Store the outcomes of _extract_one for `rows` (PAGE_COLUMNS): documents get their file's text,
    the batch commits in one transaction, one bad page costs only itself (_isolated)."""
    _isolated(con, rows, [_with_document(con, r) for r in results], idx, counts, run_id)


def load_index(con: duckdb.DuckDBPyConnection) -> DupIndex:
    """The duplicate index over every stored article, for an extraction that adds to them."""
    return _load_index(con, exclude_all=False)


def _loop(con, idx, counts: dict, total: int, batch_size: int, progress, run_id, pool) -> dict:
    last_id = None
    while True:
        interrupt_check()
        rows = con.execute(
            f"""SELECT {PAGE_COLUMNS} FROM pages WHERE extract_status IS NULL AND (? IS NULL OR page_id > ?)
               ORDER BY page_id LIMIT ?""", [last_id, last_id, batch_size]).fetchall()
        if not rows:
            break
        last_id = rows[-1][0]
        jobs = [job_of(r) for r in rows]
        results = list(pool.map(_extract_one, jobs, chunksize=4)) if pool is not None else [_extract_one(j) for j in jobs]
        store_outcomes(con, rows, results, idx, counts, run_id)
        counts["pages"] += len(rows)
        if progress:
            progress(counts["pages"], total)
    return counts


@dataclass
class _Doc:
    """A document page's file: its canonical URL, text (empty for a scan or a file not fetched) and flags."""
    url: str | None
    text: str
    flags: list[str]


def _with_document(con: duckdb.DuckDBPyConnection, outcome: tuple) -> tuple:
    """A document page's result gets the text of the first linked file the crawl stored."""
    if outcome[0] != "ok" or outcome[1].kind != "document":
        return outcome
    from nlp.urls import canonical_url
    res = outcome[1]
    wanted = []
    for a in res.attachments:
        try:
            wanted.append(canonical_url(a))
        except ValueError:
            continue
    if not wanted:
        return ("ok", res, _Doc(None, "", ["document-not-fetched"]), None)
    rows = dict((r[0], r[1:]) for r in con.execute(
        "SELECT url, body_zlib, content_type FROM pages WHERE list_contains(?, url) AND http_status = 200",
        [wanted]).fetchall())
    for url in wanted:
        if url in rows and rows[url][0] is not None:
            doc = document_text(zlib.decompress(rows[url][0]), rows[url][1], url)
            return ("ok", res, _Doc(url, doc.text, [f"document-{doc.kind}", *(f"document-{f}" for f in doc.flags)]),
                    None)
    return ("ok", res, _Doc(wanted[0], "", ["document-not-fetched"]), None)


def storage_fault(e: BaseException) -> bool:
    """A fault of the database or its disk (full, read-only, I/O), not of the page being written:
    those stop the stage (the nightly job names them), they are not recorded against a page."""
    if isinstance(e, (OSError, MemoryError, duckdb.IOException)):
        return True
    msg = str(e).lower()
    return any(m in msg for m in ("no space left", "read-only", "read only", "disk i/o", "could not write"))


def _isolated(con, rows, results: list[tuple], idx: DupIndex, counts: dict, run_id: int | None) -> None:
    """Commit a batch; when its write fails because of a page's content, commit the pages one by one
    and record each page that still fails (run_errors, extract_status 'error'): one bad page costs
    only itself, never its batch or the rest of the night."""
    try:
        _batch(con, rows, results, idx, counts, run_id)
        return
    except Exception as e:  # noqa: BLE001 - split the batch to find the page
        reraise_if_interrupt(e)
        if storage_fault(e):
            raise
        log.warning("extract: a batch of %d pages failed to store (%s); storing its pages one by one",
                    len(rows), clean_web_text(str(e))[:200])
    for row, res in zip(rows, results, strict=True):
        try:
            _batch(con, [row], [res], idx, counts, run_id)
        except Exception as e:  # noqa: BLE001 - recorded against the page below
            reraise_if_interrupt(e)
            if storage_fault(e):
                raise
            kind = f"store-{type(e).__name__}"
            _batch(con, [row], [("err", kind, clean_web_text(str(e)) or type(e).__name__)], idx, counts, run_id)
            log.warning("extract: page %s not stored: %s", row[1], clean_web_text(str(e))[:200])


def _batch(con, rows, results: list[tuple], idx: DupIndex, counts: dict, run_id: int | None) -> None:
    """Store one batch in one transaction; `counts` and `idx` change only if it commits."""
    now = clock.now()
    added: list[_Known] = []
    outer_counts, counts = counts, collections.Counter()
    articles, statuses, errors, drop, relink = [], [], [], [], []
    batch_texts: dict[int, str] = {}

    def text_of(aids: list[int]) -> dict[int, str | None]:
        """Texts of these articles: this batch's own, the stored ones in one query."""
        out = {a: batch_texts[a] for a in aids if a in batch_texts}
        stored = [a for a in aids if a not in out]
        if stored:
            out.update(con.execute("SELECT article_id, text FROM articles WHERE article_id IN "
                                   "(SELECT unnest(?::BIGINT[]))", [stored]).fetchall())
        return out

    try:
        for (page_id, url, _fetched_url, unit_id, column_id, _fetched_at, _headers, _body_z, http_status), outcome in zip(
                rows, results, strict=True):
            if http_status is not None and http_status >= 400:  # an error page is not content
                statuses.append({"page_id": page_id, "extract_status": "not-article",
                                 "extract_error": f"http-{http_status}", "extracted_at": now})
                drop.append(page_id)
                counts["not-article"] += 1
                continue
            if outcome[0] == "err":
                _, kind, msg = outcome
                msg = clean_web_text(msg)
                statuses.append({"page_id": page_id, "extract_status": "error", "extract_error": f"{kind}: {msg}"[:1000],
                                 "extracted_at": now})
                errors.append({"run_id": run_id, "stage": "extract", "unit_id": unit_id, "url": url, "kind": kind,
                               "message": msg[:2000], "occurred_at": now})
                drop.append(page_id)
                counts["error"] += 1
                continue
            if outcome[0] == "attachment":  # stored for its document page; not a publication itself
                statuses.append({"page_id": page_id, "extract_status": "attachment", "extract_error": None,
                                 "extracted_at": now})
                drop.append(page_id)
                counts["attachment"] += 1
                continue
            res = outcome[1]
            doc: _Doc | None = outcome[2] if len(outcome) > 2 else None
            fp = outcome[3] if len(outcome) > 3 else None
            if not res.is_article and doc is None:
                status = STATUS_OF.get(res.kind, "not-article")
                statuses.append({"page_id": page_id, "extract_status": status,
                                 "extract_error": None if status == "document" or res.kind == "listing" else res.kind,
                                 "extracted_at": now})
                drop.append(page_id)
                counts[status] += 1
                continue
            text, flags, published_at = res.text, res.quality_flags, res.published_at
            if doc is not None:  # a document published as a page: a publication, its file's text as text
                text, flags = doc.text, [*flags, "document", *doc.flags]
                if published_at is None and res.title:  # "Quyết định số 125/QĐ-... ngày 18/5/2022 ..."
                    published_at = parse_vietnamese_date(res.title, _as_aware(_fetched_at))
            n_syl, chash, simh = fp if fp is not None and doc is None else fingerprint(text)
            repost_of = None
            if n_syl >= MIN_DUP_SYLLABLES:
                key = _key(published_at, page_id)
                found = idx.matches(simh, chash, unit_id, text, text_of)
                earlier = [k for k in found if k.key < key]
                if earlier:
                    repost_of = min(earlier, key=lambda k: k.key).article_id
                    counts["reposts"] += 1
                later = [(k.article_id, page_id) for k in found if k.key > key]
                relink += later
                counts["reposts"] += len(later)
                known = _Known(page_id, unit_id, key, simh, chash)
                idx.add(known, text)
                added.append(known)
                batch_texts[page_id] = text
            articles.append({
                "article_id": page_id, "url": url, "unit_id": unit_id, "column_id": column_id, "title": res.title,
                "published_at": published_at, "author": res.author, "text": text, "lang": res.lang,
                "word_count": n_syl, "content_hash": chash, "simhash": simh, "repost_of": repost_of,
                "quality_flags": flags, "extractor_version": EXTRACTOR_VERSION, "extracted_at": now,
                "is_document": doc is not None, "document_url": doc.url if doc is not None else None})
            status = "document" if doc is not None else "article"
            statuses.append({"page_id": page_id, "extract_status": status, "extract_error": None, "extracted_at": now})
            counts[status] += 1
        _write(con, articles, statuses, errors, drop, relink)
    except BaseException:
        for k in added:  # nothing of this batch was stored: no later page may name it as its original
            idx.remove(k)
        raise
    for k, v in counts.items():
        outer_counts[k] = outer_counts.get(k, 0) + v


def _write(con, articles: list[dict], statuses: list[dict], errors: list[dict], drop: list[int],
           relink: list[tuple[int, int]]) -> None:
    with transaction(con):
        # articles has two unique keys (article_id, url), which DuckDB's INSERT OR REPLACE refuses:
        # delete the batch's rows then insert, inside this transaction (same effect as an upsert)
        gone = drop + [a["article_id"] for a in articles]
        if gone:
            con.execute("DELETE FROM articles WHERE article_id IN (SELECT unnest(?::BIGINT[]))", [gone])
        write_rows(con, "articles", articles, mode="insert", schema=ARTICLE_SCHEMA)
        # originals met after their reposts: point the reposts at the earliest original
        for later_id, original_id in relink:
            con.execute("""UPDATE articles SET repost_of = ? WHERE article_id = ? AND (repost_of IS NULL
                           OR repost_of NOT IN (SELECT article_id FROM articles WHERE published_at <=
                           (SELECT published_at FROM articles WHERE article_id = ?)))""",
                        [original_id, later_id, original_id])
        tbl = pa.Table.from_pylist(statuses, schema=STATUS_SCHEMA)
        con.register("_extract_status", tbl)
        try:
            con.execute("""UPDATE pages SET extract_status = s.extract_status, extract_error = s.extract_error,
                           extracted_at = s.extracted_at FROM _extract_status s WHERE pages.page_id = s.page_id""")
        finally:
            con.unregister("_extract_status")
        write_rows(con, "run_errors", errors)
