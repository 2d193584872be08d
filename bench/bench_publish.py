"""Publishing benchmark: the cost of `warehouse.publish.publish` (checkpoint, copy, fsync, rename) for a
working database of N articles (default 1,000,000), in seconds and bytes, cold (first publish) and
again (the nightly case: the file was just written, so it is mostly in the page cache).

The warehouse is built on the real schema (`db init` with the real plan and registry) by DuckDB SQL:
articles with `--text-bytes` of text, their raw pages with `--body-bytes` of incompressible
compressed body, tokens, and 13 theme scores per article. Real article pages compress to more than
the default body (see `page_bytes_real` when ../shared/data is present): publishing is a file copy, so
its time scales with the file's bytes; `copy_mb_per_s` lets a reader scale the figure.
Prints one JSON object; writes bench/results/publish.json.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import emit, shared_data  # noqa: E402
from pipeline.setup_db import init_db  # noqa: E402
from registry import load_plan, load_units  # noqa: E402
from warehouse import connect  # noqa: E402
from warehouse.publish import publish, work_path  # noqa: E402


def real_page_bytes() -> int | None:
    """Mean zlib-compressed size of the real provincial/national paper pages in ../shared/data."""
    d = shared_data()
    if not d:
        return None
    files = [p for p in (d / "pages" / "provincial-and-national-papers").rglob("*.htm*") if p.is_file()]
    if not files:
        return None
    return round(sum(len(zlib.compress(p.read_bytes())) for p in files) / len(files))


def build(work: Path, n: int, text_bytes: int, body_bytes: int, base: int = 100_000) -> dict:
    """Fill the working database in batches: random bytes (incompressible, like zlib output) for the
    bodies, random hex text (about as compressible as prose) for text and tokens, through Arrow (no row-by-row SQL)."""
    import pyarrow as pa
    init_db(work, load_plan(ROOT / "plans" / "daklak-2021.toml"), load_units(ROOT / "units" / "daklak.toml"))
    con = connect(work)
    t = time.perf_counter()
    units = [r[0] for r in con.execute("SELECT unit_id FROM units ORDER BY unit_id").fetchall()]
    step, base = min(50_000, base), min(n, base)
    for lo in range(0, base, step):
        idx = range(lo, min(n, lo + step))
        ids = [i + 1 for i in idx]
        unit = [units[i % len(units)] for i in idx]
        url = [f"https://{u}.example.vn/tin-tuc/bai-{i}.html" for u, i in zip(unit, idx, strict=True)]
        batch = pa.table({"id": ids, "unit_id": unit, "url": url,
                          "body": pa.array([os.urandom(body_bytes) for _ in idx], pa.binary()),
                          "text": [os.urandom(text_bytes // 2).hex() for _ in idx],
                          "tokens": [os.urandom(text_bytes // 2).hex() for _ in idx]})
        con.register("_b", batch)
        con.execute("BEGIN")
        con.execute(f"""INSERT INTO pages (page_id, url, fetched_url, unit_id, run_id, fetched_at, http_status,
                            content_type, body_zlib, body_size, body_sha1, extract_status)
            SELECT id, url, url, unit_id, 1, TIMESTAMP '2022-06-01', 200, 'text/html', body, {body_bytes * 4},
                   md5(url), 'article' FROM _b""")
        con.execute("""INSERT INTO articles (article_id, url, unit_id, title, published_at, text, lang, word_count,
                            content_hash, extractor_version)
            SELECT id, url, unit_id, 'Bài viết ' || url || ' về Nghị quyết Đại hội',
                   TIMESTAMPTZ '2021-01-01 00:00:00+07' + to_seconds((hash(id) % (547 * 86400))::BIGINT),
                   text, 'vi', 300, md5(text), 'bench' FROM _b""")
        con.execute("""INSERT INTO article_tokens (article_id, title_tokens, text_tokens, tokenizer_version)
            SELECT id, 'bài_viết', tokens, 'bench' FROM _b""")
        con.execute("""INSERT INTO article_theme_scores (article_id, theme_id, score, model_version)
            SELECT id, theme_id, (hash(id, theme_id) % 1000) / 1000.0, 'bench' FROM _b, themes""")
        con.execute("COMMIT")
        con.unregister("_b")
        print(f"built {idx.stop:,} / {n:,} articles", file=sys.stderr, flush=True)
    # the rest: copies of the first `base` rows under new ids and URLs, inside DuckDB (generating random
    # bytes in Python is the slow part; the file's bytes, which publishing copies, are the same)
    for k, lo in enumerate(range(base, n, base), start=1):
        m = min(base, n - lo)
        con.execute("BEGIN")
        for table, cols, key in (
                ("pages", "page_id, url, fetched_url, unit_id, run_id, fetched_at, http_status, content_type, body_zlib, "
                          "body_size, body_sha1, extract_status", "page_id"),
                ("articles", "article_id, url, unit_id, title, published_at, text, lang, word_count, content_hash, "
                             "extractor_version", "article_id"),
                ("article_tokens", "article_id, title_tokens, text_tokens, tokenizer_version", "article_id"),
                ("article_theme_scores", "article_id, theme_id, score, model_version", "article_id")):
            sel = cols.replace(key, f"{key} + {k} * 1000000000000", 1)
            if "url" in cols:
                sel = sel.replace(", url,", f", url || '?copy={k}',", 1)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {sel} FROM {table} "
                        f"WHERE {key} IN (SELECT {key} FROM {'pages' if table == 'pages' else 'articles'} "
                        f"WHERE {key} < 1000000000000 ORDER BY {key} LIMIT {m})")
        con.execute("COMMIT")
        print(f"built {lo + m:,} / {n:,} articles", file=sys.stderr, flush=True)
    con.execute("CHECKPOINT")
    counts = {t_: con.execute(f"SELECT count(*) FROM {t_}").fetchall()[0][0]
              for t_ in ("articles", "pages", "article_tokens", "article_theme_scores")}
    con.close()
    return {"build_s": round(time.perf_counter() - t, 1), "rows": counts}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--text-bytes", type=int, default=1500, help="article text per article (default 1500)")
    ap.add_argument("--body-bytes", type=int, default=4000, help="compressed raw page per article (default 4000)")
    ap.add_argument("--base", type=int, default=100_000, help="articles generated; the rest are copies made in DuckDB")
    ap.add_argument("--dir", default=None, help="where to build (default: a temp folder; needs ~2x the file size)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-publish-", dir=args.dir))
    try:
        db = tmp / "chuyenmuc.duckdb"
        work = work_path(db)
        figures: dict = {"articles": args.articles, "text_bytes": args.text_bytes, "body_bytes": args.body_bytes,
                         "page_bytes_real": real_page_bytes()}
        figures.update(build(work, args.articles, args.text_bytes, args.body_bytes, args.base))
        runs = []
        for _ in range(2):
            p = publish(work, db)
            runs.append(p.seconds)
        size = db.stat().st_size
        figures.update(publish_s_first=runs[0], publish_s_again=runs[1], published_bytes=size,
                       working_bytes=work.stat().st_size, disk_bytes_both=size + work.stat().st_size,
                       bytes_per_article=round(size / args.articles),
                       copy_mb_per_s=round(size / 1e6 / max(min(runs), 1e-6)))
        con = connect(db, read_only=True)
        figures["published_articles"] = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        con.close()
        emit("publish", figures)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
