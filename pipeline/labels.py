"""The analysts' labelling loop: export the articles the model is least sure of as a CSV for Excel,
import the filled file back into `labels` (validated whole), and read labels back as training data.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import numpy as np

from nlp.themes.data import Example
from nlp.themes.features import Doc
from nlp.themes.model import ThemeModel
from pipeline.reports.safe_cells import neutralise, unneutralise
from pipeline.tag_job import theme_margin
from registry import Plan
from registry.errors import ValidationError
from warehouse import clock
from warehouse.batch import write_rows
from warehouse.db import transaction

EXPORT_COLUMNS = ["article_id", "url", "unit", "title", "excerpt", "current_themes", "scores", "themes"]
EXCERPT_CHARS = 400
_SPLIT = re.compile(r"[\s,;|]+")
# Article ids are 19-digit numbers: Excel reads a bare one as a number and saves it as 9.10100E+18
# (15 significant digits), so the CSV carries them as text Excel leaves alone: "id" + digits.
ID_PREFIX = "id"
_ID = re.compile(r"^(?:id)?\s*(\d{1,19})$", re.I)
_EXCEL_NUMBER = re.compile(r"^\d(?:[.,]\d+)?E\+?\d+$", re.I)


def id_cell(article_id: int) -> str:
    """An article id as CSV text that survives Excel: 'id9101000000000000000'."""
    return f"{ID_PREFIX}{article_id}"


def parse_article_id(cell: str) -> int:
    """The article id of a CSV cell: 'id<digits>' (what `export` writes) or plain digits (older files).
    Raises ValueError saying what is wrong, e.g. an id Excel has already turned into a number."""
    raw = unneutralise((cell or "").strip())
    m = _ID.match(raw)
    if m:
        return int(m.group(1))
    if _EXCEL_NUMBER.match(raw):
        raise ValueError(f"{raw!r} is an article id that a spreadsheet turned into a number (its digits are "
                         "lost): export the file again and keep the ids as written (id + digits)")
    raise ValueError(f"not an article id: {raw!r} (expected id followed by digits, as exported)")


def safe_cell(value: object) -> str:
    """A cell Excel will not run as a formula (pipeline.reports.safe_cells.neutralise, as every export)."""
    return neutralise("" if value is None else str(value))


def export_uncertain(con: duckdb.DuckDBPyConnection, model: ThemeModel, n: int, out: str | Path) -> int:
    """Write the n unlabelled articles nearest a decision threshold (scored by `model`) to a CSV.

    Empty `themes` cells mean "not labelled" on import; the analyst writes theme ids separated by
    ';' or ',' or the word none.
    """
    rows = con.execute(
        "SELECT s.article_id, list(s.theme_id ORDER BY s.theme_id), list(s.score ORDER BY s.theme_id) "
        "FROM article_theme_scores s WHERE s.model_version = ? "
        "AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.article_id = s.article_id) GROUP BY s.article_id",
        [model.version]).fetchall()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    picked: list[tuple[int, dict[str, float]]] = []
    if rows:
        ids = model.theme_ids
        probs = np.array([[dict(zip(r[1], r[2], strict=True)).get(t, 0.0) for t in ids] for r in rows])
        th = np.array([model.thresholds[t] for t in ids])
        order = np.argsort(theme_margin(probs, th), kind="stable")[:n]
        picked = [(int(rows[i][0]), dict(zip(ids, probs[i].tolist(), strict=True))) for i in order]
    meta = {}
    if picked:
        for r in con.execute(
                "SELECT a.article_id, a.url, coalesce(u.name, a.unit_id), a.title, a.text FROM articles a "
                "LEFT JOIN units u ON u.unit_id = a.unit_id WHERE a.article_id IN (SELECT unnest(?))",
                [[p[0] for p in picked]]).fetchall():
            meta[r[0]] = r
        tagged = dict(con.execute(
            "SELECT article_id, list(theme_id ORDER BY theme_id) FROM article_themes "
            "WHERE article_id IN (SELECT unnest(?)) GROUP BY article_id", [[p[0] for p in picked]]).fetchall())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EXPORT_COLUMNS)
    for aid, sc in picked:
        m = meta.get(aid)
        if m is None:
            continue
        excerpt = " ".join((m[4] or "").split())[:EXCERPT_CHARS]
        scores = "; ".join(f"{t}:{p:.2f}" for t, p in sorted(sc.items(), key=lambda kv: -kv[1]) if p >= 0.05)
        w.writerow([safe_cell(x) for x in (id_cell(aid), m[1], m[2], m[3], excerpt,
                                           "; ".join(tagged.get(aid, [])), scores, "")])
    out.write_text(buf.getvalue(), encoding="utf-8-sig")  # BOM: Excel then reads UTF-8 correctly
    return len(picked)


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ValidationError(str(path), [("(file)", "(encoding)", f"not readable as UTF-8: {e}")]) from None
    first = raw.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=first.count)  # Excel in some locales saves with ';'
    reader = csv.DictReader(io.StringIO(raw), delimiter=delim)
    return list(reader)


def import_labels(con: duckdb.DuckDBPyConnection, plan: Plan, path: str | Path, labeller: str | None = None) -> dict:
    """Validate the whole file, then store every labelled row in one transaction (or nothing).

    Rows with an empty `themes` cell are skipped as not labelled. Raises ValidationError naming the
    row and field of every problem: unknown theme or article id, a bad id, 'none' mixed with themes,
    duplicate articles.
    """
    path = Path(path)
    rows = _read_csv(path)
    problems: list[tuple[str, str, str]] = []
    if not rows:
        raise ValidationError(str(path), [("(file)", "(rows)", "no rows")])
    missing = [c for c in ("article_id", "themes") if c not in rows[0]]
    if missing:
        raise ValidationError(str(path), [("header", c, "column missing") for c in missing])
    known = set(plan.theme_ids)
    parsed: list[tuple[int, list[str]]] = []
    seen: dict[int, int] = {}
    skipped = 0
    for n, r in enumerate(rows, 2):  # row 1 is the header, as Excel numbers it
        where = f"row {n}"
        cell = unneutralise((r.get("themes") or "").strip())
        if not cell:
            skipped += 1
            continue
        try:
            aid = parse_article_id(r.get("article_id") or "")
        except ValueError as e:
            problems.append((where, "article_id", str(e)))
            continue
        if aid in seen:
            problems.append((where, "article_id", f"article {aid} already labelled in row {seen[aid]}"))
        seen[aid] = n
        parts = [p for p in _SPLIT.split(cell) if p]
        lowered = [p.lower() for p in parts]
        if "none" in lowered:
            if len(parts) > 1:
                problems.append((where, "themes", "'none' cannot be combined with theme ids"))
                continue
            parsed.append((aid, []))
            continue
        bad = [p for p in parts if p not in known]
        if bad:
            problems.append((where, "themes", f"unknown theme id(s) {', '.join(bad)}; known: {', '.join(plan.theme_ids)}, none"))
            continue
        parsed.append((aid, sorted(set(parts))))
    if parsed:
        found = {r[0] for r in con.execute("SELECT article_id FROM articles WHERE article_id IN (SELECT unnest(?))",
                                           [[p[0] for p in parsed]]).fetchall()}
        for aid, _ in parsed:
            if aid not in found:
                problems.append((f"row {seen[aid]}", "article_id", f"unknown article id {aid}"))
    if problems:
        raise ValidationError(str(path), problems)
    now = clock.now()
    out = [dict(article_id=aid, themes=ts, labeller=labeller, source_file=path.name, imported_at=now)
           for aid, ts in parsed]
    with transaction(con):
        write_rows(con, "labels", out, mode="replace")
    return {"imported": len(out), "skipped_unlabelled": skipped, "none": sum(1 for _, t in parsed if not t)}


def label_examples(con: duckdb.DuckDBPyConnection, plan: Plan) -> tuple[list[Example], list[Doc | None]]:
    """The analysts' labels as training examples, with stored tokens when the article has them."""
    rows = con.execute(
        "SELECT l.article_id, a.title, a.text, l.themes, t.title_tokens, t.text_tokens FROM labels l "
        "JOIN articles a USING (article_id) LEFT JOIN article_tokens t USING (article_id) ORDER BY l.article_id"
    ).fetchall()
    known = set(plan.theme_ids)
    ex = [Example(f"db-{r[0]}", r[1] or "", r[2] or "", tuple(t for t in r[3] if t in known), "analyst") for r in rows]
    docs = [Doc(r[4], r[5] or "") if r[4] is not None else None for r in rows]
    return ex, docs
