"""Training examples: what the repo holds (plan text, own examples, DANeS) and labelled JSONL files."""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from registry import Plan
from registry.errors import ValidationError

NONE_LABELS = {"none", ""}
DANES_LABELS = "danes_labels.json"  # written by tools/danes_labels.py; see data/NOTICE.md


@dataclass(frozen=True)
class Example:
    id: str
    title: str
    text: str
    themes: tuple[str, ...]
    source: str


def plan_examples(plan: Plan) -> list[Example]:
    """One example per theme from the plan itself: title as headline, description and seed terms as body."""
    out = []
    for t in plan.themes:
        body = t.description + "\n" + ". ".join(t.seed_terms) + "."
        out.append(Example(f"plan-{plan.plan_id}-{t.theme_id}", t.title, body, (t.theme_id,), "plan"))
    return out


def _packaged(name: str, source: str, known: set[str]) -> list[Example]:
    raw = json.loads(resources.files("nlp.themes").joinpath(f"data/{name}").read_text(encoding="utf-8"))
    out = []
    for r in raw:
        themes = tuple(t for t in r["themes"] if t in known)  # another plan's themes simply drop out
        out.append(Example(r["id"], r["title"], r["text"], themes, source))
    return out


def repo_examples(plan: Plan) -> list[Example]:
    """Everything the repository may hold, in a fixed order (the default model is reproducible):
    the plan's own text, the project's written examples, and the DANeS records (CC BY 4.0) labelled
    by two independent annotators and a third (danes_labels.json; none of these labels comes from
    ../shared/data/labels)."""
    known = set(plan.theme_ids)
    ex = plan_examples(plan) + _packaged("own_examples.json", "own", known) + _packaged(DANES_LABELS, "danes", known)
    by_id: dict[str, Example] = {}
    for e in ex:
        by_id.pop(e.id, None)
        by_id[e.id] = e
    return list(by_id.values())


def danes_records(path: str | Path) -> dict[str, tuple[str, str]]:
    """{"N-<id>": (title, lead)} of the DANeS annotated batch #1 file (CC BY 4.0), in file order."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    out = {}
    for r in raw:
        d = r.get("data") or {}
        out[f"N-{r['id']}"] = (d.get("text") or "", (d.get("meta") or {}).get("description") or "")
    return out


def norm_title(title: str) -> str:
    """A title as compared for overlap: NFC, lower case, punctuation dropped, spaces collapsed."""
    s = unicodedata.normalize("NFC", title or "").lower()
    return " ".join(re.sub(r"[^\w\s]", " ", s).split())


def split_held_out(base: Sequence[Example], test: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(kept, held out): a training example is held out when its id, or its normalised title, is one
    of the test set's. A test-set score must never come from a model that saw the test text, and the
    same headline can sit under two ids (a DANeS annotated record and a raw-batch item, a repost)."""
    ids = {e.id for e in test}
    titles = {t for t in (norm_title(e.title) for e in test) if t}
    kept, held = [], []
    for e in base:
        (held if e.id in ids or norm_title(e.title) in titles else kept).append(e)
    return kept, held


def read_jsonl(path: str | Path) -> tuple[list[tuple[str, dict]], list[tuple[str, str, str]]]:
    """("line N", object) for every non-blank line that is a JSON object, and a problem for every other
    line, so a caller can reject a file whole and name each bad line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ValidationError(str(path), [("(file)", "(file)", str(e))]) from None
    rows: list[tuple[str, dict]] = []
    problems: list[tuple[str, str, str]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append((f"line {n}", "(json)", str(e)))
            continue
        if not isinstance(r, dict):
            problems.append((f"line {n}", "(json)", "not an object"))
            continue
        rows.append((f"line {n}", r))
    return rows, problems


def load_labels_jsonl(path: str | Path, plan: Plan, source: str = "labels") -> list[Example]:
    """Lines {id, title, text, themes}; 'none' or [] = no theme. Validated whole: any bad line raises."""
    known = set(plan.theme_ids)
    rows, problems = read_jsonl(path)
    out: list[Example] = []
    seen: set[str] = set()
    for where, r in rows:
        rid = r.get("id")
        if not isinstance(rid, str) or not rid:
            problems.append((where, "id", "missing or not a string"))
            continue
        if rid in seen:
            problems.append((where, "id", f"duplicate id {rid!r}"))
        seen.add(rid)
        for fld in ("title", "text"):
            if not isinstance(r.get(fld, ""), str) and r.get(fld) is not None:
                problems.append((where, fld, "not a string"))
        themes = r.get("themes")
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            problems.append((where, "themes", "missing or not a list of theme ids"))
            continue
        bad = [t for t in themes if t not in known and t not in NONE_LABELS]
        if bad:
            problems.append((where, "themes", f"unknown theme id(s) {', '.join(bad)} (plan {plan.plan_id})"))
            continue
        ts = tuple(sorted({t for t in themes if t in known}))
        out.append(Example(rid, unicodedata.normalize("NFC", r.get("title") or ""),
                           unicodedata.normalize("NFC", r.get("text") or ""), ts, source))
    if problems:
        problems.sort(key=lambda p: int(p[0].split()[1]) if p[0].startswith("line ") else 0)
        raise ValidationError(str(path), problems)
    return out
