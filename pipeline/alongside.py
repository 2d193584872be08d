"""Extract, tokenize and tag pages while the crawl is still fetching: one flow through the night.

Why: stage after stage, the CPUs idle while the crawl waits on sites, and nothing is fetched while
extraction runs (bench/bench_end_to_end.py measured night 1 = crawl + processing). So the nightly job
runs this Scrapy extension inside the crawl process (EXTENSIONS, set by pipeline/crawl_job.py; the
crawler does not know it exists):

- each page batch the DuckDB item pipeline commits (signal `crawlers.signals.pages_stored`) joins a
  queue of page ids; at most `MAX_INFLIGHT` chunks of `CHUNK` pages are out at a time. The rows the
  signal carries are kept for up to `HOLD_PAGES` queued pages (setting CHUYENMUC_ALONGSIDE_HOLD_PAGES),
  a bounded queue: beyond that only ids wait, and their rows are read back from the database when
  their chunk is sent (the `read_back` stat counts them; reading every chunk back was 2-4 s of the
  reactor's time at scale 20, measured);
- a pool of worker processes (nlp.pool: forkserver-started, each loads the model file once) does
  the CPU work of a chunk (pipeline/alongside_worker.py): extraction (`extract_job._extract_one`),
  tokenization and the theme model's scores (`tag_job.predict`); workers never touch DuckDB. The
  model, the pool and the code they need are loaded by a thread beside the crawl, which starts
  fetching at once (it used to wait 5-6 s for them, night 1 and night 2 alike);
- the crawl process is the one writer: it stores each finished chunk through the same functions as
  `chuyenmuc extract` and `chuyenmuc tag` (`store_outcomes`, `store_tokens`, `store_scores`), each a
  transaction of its own, from the reactor thread, between the crawl's own page batches; finished
  chunks are stored together (STORE_PAGES, STORE_WAIT), and the time each part takes is a crawl stat
  (`chuyenmuc/alongside/{send,outcomes,tokens,scores}_seconds`).

Processing never stops the night: a chunk that no worker finishes within `STALL` seconds, a pool
that breaks or a store that fails stops processing here (logged), and the stages after the crawl do
the rest. A kill at any moment loses only chunks in flight or waiting to be stored: their pages keep extract_status NULL, articles
without tokens or scores stay so, and the nightly's extract and tag stages, which run after the crawl
as before, finish exactly those (as they do after `extract --all`). Documents published as pages are
stored here, but their text is tokenized by the tag stage.
"""
from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawlers import signals as crawl_signals
from nlp.pool import process_pool, stop_pool
from pipeline.page_rows import job_of, page_columns
from pipeline.progress import StageProgress

if TYPE_CHECKING:
    from nlp.themes.model import ThemeModel

log = logging.getLogger("chuyenmuc.alongside")

SETTING = "CHUYENMUC_ALONGSIDE_MODEL"  # the theme model file; the extension is off without it
CHUNK = 16          # pages per worker call
MAX_INFLIGHT = 3    # chunks out per worker: enough to keep workers busy, few bodies held in memory
TICK = 0.2          # seconds between looks at finished chunks
# finished chunks wait to be stored together, up to STORE_PAGES pages or STORE_WAIT seconds: one
# store per chunk (16 pages) spent 34.8 s of the crawl's reactor at scale 20, 128 pages 20.8 s; the
# statements and commits cost per transaction more than per row (bench_end_to_end, alongside/*_seconds)
STORE_PAGES = 128
STORE_WAIT = 1.0
HOLD_PAGES = 2048   # queued pages whose rows (compressed bodies) wait in memory; the rest wait as ids
STALL = 300.0       # seconds the oldest chunk out may take before processing here gives up (a hung worker)

class ProcessAlongside:
    """The Scrapy extension (see the module docstring)."""

    def __init__(self, crawler: Any, model_path: Path, workers: int):
        self.crawler = crawler
        self.model: ThemeModel | None = None
        self.broken: str | None = None
        self.pending: list[int] = []
        self.held: dict[int, tuple] = {}  # PAGE_COLUMNS rows of queued pages (at most self.hold)
        self.hold = crawler.settings.getint("CHUYENMUC_ALONGSIDE_HOLD_PAGES", HOLD_PAGES)
        self.read_back = 0  # pages sent whose rows were read back from the database (more were queued)
        self.inflight: list[tuple[list[tuple], cf.Future, float]] = []
        self.ready: list[tuple[list[tuple], list[tuple]]] = []  # finished chunks, not stored yet
        self.ready_since = 0.0
        self.pool: cf.ProcessPoolExecutor | None = None
        self.start_error: BaseException | None = None
        # the model and the workers start beside the crawl, not before it: 4-6 s (the forkserver imports
        # the libraries, each worker loads the model) the crawl used to wait for, night 1 and night 2
        # alike (bench_end_to_end logs); pages stored meanwhile wait in the queue
        self.starting = threading.Thread(target=self._start, args=(model_path, workers), name="alongside-start",
                                         daemon=True)
        self.starting.start()
        self.max_inflight = MAX_INFLIGHT * workers
        self.counts: dict[str, int] = {"pages": 0, "article": 0, "not-article": 0, "document": 0, "attachment": 0,
                                       "error": 0, "reposts": 0}
        self.tokenized = self.scored = 0
        self.reactor_seconds = 0.0
        self.seconds: dict[str, float] = {"send": 0.0, "outcomes": 0.0, "tokens": 0.0, "scores": 0.0}
        self.con = None
        self.loop: task.LoopingCall | None = None
        self.progress = {"extract": StageProgress("extract"), "tag": StageProgress("tag")}
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.stored, signal=crawl_signals.pages_stored)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProcessAlongside:
        path = crawler.settings.get(SETTING)
        if not path:
            raise NotConfigured(f"{SETTING} is not set")
        workers = crawler.settings.getint("CHUYENMUC_ALONGSIDE_WORKERS", os.cpu_count() or 1)
        return cls(crawler, Path(path), max(1, workers))

    # ---- signals
    def _start(self, model_path: Path, workers: int) -> None:
        """(Thread) The model for this process's stores, then the pool (nlp.pool: all workers up)."""
        try:
            from nlp.themes.model import ThemeModel
            from pipeline import extract_job, tag_job  # noqa: F401 - imported here, beside the crawl
            from pipeline.alongside_worker import _worker_start
            self.model = ThemeModel.load(model_path)
            self.pool = process_pool(workers, _worker_start, (str(model_path),))
        except Exception as e:  # noqa: BLE001 - the stages after the crawl do the processing instead
            self.start_error = e

    def _started(self) -> bool:
        """Reactor thread: are the model and workers up? The model is registered in the warehouse
        here, by the one writer, before its first score is stored."""
        if self.starting.is_alive():
            return False
        if self.start_error is not None:
            e, self.start_error = self.start_error, None
            self._break(e)
        if self.broken or self.pool is None:
            return False
        if self.idx is None:  # the first time: the model registered, the duplicate index loaded
            from pipeline.extract_job import load_index
            from pipeline.tag_job import register_model
            register_model(self.con, self.model, self.crawler.settings.get(SETTING))
            self.idx = load_index(self.con)
        return True

    def opened(self, spider: Any) -> None:
        from warehouse.db import connect
        self.run_id = spider.state.run_id
        self.con = connect(spider.state.db_path)
        self.idx = None  # the duplicate index: loaded once the extraction code is (_started)
        # connected here, after the item pipelines connected theirs: their last page batch is stored first
        self.crawler.signals.connect(self.closed, signal=signals.spider_closed)
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(TICK, now=False)

    def stored(self, page_ids: list[int], rows: list[dict] | None = None) -> None:
        if self.broken:
            return
        self.pending.extend(page_ids)
        for r in rows or ():
            if len(self.held) >= self.hold:
                break
            self.held[r["page_id"]] = page_columns(r)

    def closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        try:
            self.starting.join()  # a pool is stopped only once all its workers are up (nlp.pool)
            if reason == "finished" and not self.broken:
                try:
                    up = self._started()
                except Exception as e:  # noqa: BLE001 - the stages after the crawl do what is left
                    self._break(e)
                    up = False
                if up:
                    self.drain()
        finally:
            if self.pool is not None:
                stop_pool(self.pool, interrupted=reason != "finished" or bool(self.broken))
            for p in self.progress.values():
                p.close()
            stats = self.crawler.stats
            for k, v in self.counts.items():
                stats.set_value(f"chuyenmuc/alongside/{k}", v)
            stats.set_value("chuyenmuc/alongside/tokenized", self.tokenized)
            stats.set_value("chuyenmuc/alongside/scored", self.scored)
            stats.set_value("chuyenmuc/alongside/read_back", self.read_back)
            stats.set_value("chuyenmuc/alongside/reactor_seconds", round(self.reactor_seconds, 1))
            for k, v in self.seconds.items():
                stats.set_value(f"chuyenmuc/alongside/{k}_seconds", round(v, 1))
            stats.set_value("chuyenmuc/alongside/left", len(self.pending) + sum(len(x[0]) for x in self.inflight)
                            + sum(len(x[0]) for x in self.ready))
            if self.con is not None:
                self.con.close()
                self.con = None
            log.info("processed while crawling: %d pages, %d articles, %d scored (%.1f s of the crawl's "
                     "reactor spent sending and storing)%s", self.counts["pages"],
                     self.counts["article"], self.scored, self.reactor_seconds,
                     f" (stopped: {self.broken}; the extract and tag stages finish the rest)" if self.broken else "")

    # ---- work
    def tick(self) -> None:
        """Store the chunks that are done, then send more (reactor thread: the crawl writes here too)."""
        if self.broken:
            return
        t = time.monotonic()
        try:
            if not self._started():
                return
            self._store_done()
            self._send()
        except Exception as e:  # noqa: BLE001 - processing must never stop the crawl
            self._break(e)
        finally:  # reactor time the crawl did not fetch in: what being the one writer costs it
            self.reactor_seconds += time.monotonic() - t

    def drain(self) -> None:
        """At the end of the crawl: everything still queued, waiting on the workers."""
        while (self.pending or self.inflight) and not self.broken:
            try:
                self._send()
                if self.inflight:
                    cf.wait([x[1] for x in self.inflight], timeout=STALL, return_when=cf.FIRST_COMPLETED)
                self._store_done()
            except Exception as e:  # noqa: BLE001 - the stages after the crawl do what is left
                self._break(e)
        if not self.broken:
            try:
                self._store_ready()
            except Exception as e:  # noqa: BLE001 - the stages after the crawl do what is left
                self._break(e)

    def _store_done(self) -> None:
        """Store the finished chunks; a chunk out for more than STALL seconds means a hung worker (a
        TimeoutError: processing here stops, the stages after the crawl do the rest)."""
        done = [x for x in self.inflight if x[1].done()]
        for item in done:
            self.inflight.remove(item)
            if not self.ready:
                self.ready_since = time.monotonic()
            self.ready.append((item[0], item[1].result()))  # a dead worker raises: _break
        if self.ready and (sum(len(x[0]) for x in self.ready) >= STORE_PAGES
                           or time.monotonic() - self.ready_since >= STORE_WAIT):
            self._store_ready()
        if self.inflight and time.monotonic() - self.inflight[0][2] > STALL:
            raise TimeoutError(f"a chunk of {len(self.inflight[0][0])} pages took more than {STALL:.0f} s")

    def _store_ready(self) -> None:
        """Every finished chunk in one store: fewer, larger transactions."""
        if self.ready:
            ready, self.ready = self.ready, []
            self._store([r for x in ready for r in x[0]], [r for x in ready for r in x[1]])

    def _send(self) -> None:
        from pipeline.alongside_worker import process_chunk  # loaded by now (_started)
        from pipeline.extract_job import pages_by_id
        t = time.monotonic()
        while self.pending and len(self.inflight) < self.max_inflight:
            ids, self.pending = self.pending[:CHUNK], self.pending[CHUNK:]
            got = {i: self.held.pop(i) for i in ids if i in self.held}
            missing = [i for i in ids if i not in got]
            self.read_back += len(missing)
            rows = sorted([*got.values(), *(pages_by_id(self.con, missing) if missing else ())],
                          key=lambda r: r[0])  # in page_id order, as pages_by_id gives them
            if rows:
                fut = self.pool.submit(process_chunk, [job_of(r) for r in rows])
                self.inflight.append((rows, fut, time.monotonic()))
        self.seconds["send"] += time.monotonic() - t

    def _store(self, rows: list[tuple], results: list[tuple]) -> None:
        import numpy as np

        from pipeline.extract_job import storage_fault, store_outcomes  # loaded by now (_started)
        from pipeline.tag_job import store_scores, store_tokens
        t = time.monotonic()
        store_outcomes(self.con, rows, [r[0] for r in results], self.idx, self.counts, self.run_id)
        self.counts["pages"] += len(rows)
        self.progress["extract"](self.counts["pages"], None)
        ids = [int(r[0]) for r in rows]
        plain = {a for (a,) in self.con.execute(
            "SELECT article_id FROM articles WHERE list_contains(?, article_id) AND NOT is_document", [ids]).fetchall()}
        done = [(pid, res) for pid, res in zip(ids, results, strict=True) if pid in plain and res[1] is not None]
        t = self._took("outcomes", t)
        try:
            self.tokenized += store_tokens(self.con, [(pid, *res[1]) for pid, res in done])
            t = self._took("tokens", t)
            scored = [(pid, res) for pid, res in done if res[2] is not None]
            if scored:
                store_scores(self.con, self.model, [pid for pid, _ in scored],
                             np.vstack([res[2] for _, res in scored]), [list(res[3]) for _, res in scored])
                self.scored += len(scored)
                self.progress["tag"](self.scored, None)
            self._took("scores", t)
        except Exception as e:  # noqa: BLE001 - the tag stage tokenizes and scores what is missing
            if storage_fault(e):
                raise
            log.warning("tokens or scores of %d articles not stored here (%s): the tag stage does them", len(done), e)

    def _took(self, part: str, since: float) -> float:
        now = time.monotonic()
        self.seconds[part] += now - since
        return now

    def _break(self, e: BaseException) -> None:
        self.broken = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        log.error("processing while crawling stopped: %s; the extract and tag stages do the rest", self.broken)
        if self.pool is not None:
            stop_pool(self.pool, interrupted=True)
            self.pool = None
        self.pending, self.inflight, self.ready, self.held = [], [], [], {}
