"""`chuyenmuc extract` (stored pages -> articles) and `chuyenmuc extract-page` (one file -> JSON)."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from pipeline import exitcodes
from pipeline.commands._types import positive_int
from pipeline.context import Context, add_common

ORDER = 30


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="turn stored raw pages into articles (new pages only; --all re-extracts)")
    add_common(p, writer=True)
    p.add_argument("--all", action="store_true", help="re-extract every stored page (after an extractor change)")
    p.add_argument("--batch-size", type=positive_int, default=200, metavar="N", help="pages per transaction (default 200)")
    p.set_defaults(func=_extract)
    q = sub.add_parser("extract-page", help="extract one saved page and print the result as JSON")
    q.add_argument("file", metavar="FILE.html", help="saved page (raw bytes, any encoding)")
    q.add_argument("--url", required=True, help="the page's URL (for canonical URL and relative links)")
    q.add_argument("--fetched-at", metavar="ISO", help="fetch time for relative dates (default: now)")
    q.set_defaults(func=_extract_page)


def _extract(args: argparse.Namespace) -> int:
    from pipeline.extract_job import run_extract
    from warehouse.db import WarehouseError, connect

    ctx = Context(args)
    if not ctx.db_path.exists() and not ctx.writer("extract").work.exists():
        raise WarehouseError(f"{ctx.db_path}: no such database (run `chuyenmuc db init --db {ctx.db_path}` first)")
    with ctx.writer("extract") as w:
        con = connect(w.work)
        try:
            has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'pages'").fetchall()[0][0]
            if not has:
                raise WarehouseError(f"{ctx.db_path}: no pages table (run `chuyenmuc db init --db {ctx.db_path}` first)")
            from pipeline.progress import StageProgress
            counts = run_extract(con, all=args.all, batch_size=args.batch_size, progress=StageProgress("extract"))
        finally:
            con.close()
        w.publish()
    print(json.dumps(counts, ensure_ascii=False))
    return exitcodes.PARTIAL if counts.get("error") else exitcodes.OK


def _extract_page(args: argparse.Namespace) -> int:
    from nlp.extract import ExtractError, extract_page
    from registry.errors import ValidationError

    path = Path(args.file)
    if not path.is_file():
        raise ValidationError(str(path), [("-", "FILE", "no such file")])
    fetched = None
    if args.fetched_at:
        try:
            fetched = datetime.fromisoformat(args.fetched_at)
        except ValueError:
            raise ValidationError("--fetched-at", [("-", "fetched-at", f"{args.fetched_at!r} is not an ISO 8601 date-time")]) from None
        if fetched.tzinfo is None:
            fetched = fetched.replace(tzinfo=UTC)
    try:
        res = extract_page(path.read_bytes(), args.url, None, fetched)
    except ExtractError as e:
        print(f"chuyenmuc extract-page: {e}", file=sys.stderr)
        return exitcodes.FAILED
    print(json.dumps(res.to_json(), ensure_ascii=False, indent=2))
    return exitcodes.OK
