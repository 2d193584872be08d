"""Merge two annotators' plan-theme labels of the DANeS annotated records (and a third annotator's
settlements) into nlp/themes/data/danes_labels.json, with their agreement, and write the agreement
figures into nlp/themes/data/NOTICE.md.

    .venv/bin/python tools/danes_labels.py [--work /work/labelwork] [--danes PATH]

Input (the labelling work folder): A/part-NN.jsonl and B/part-NN.jsonl, lines {"id": "N-<danes id>",
"themes": [...]}, one per record; final/labels.jsonl (optional, may be partial): the third annotator's
decision for records where A and B differ. Parts may still be arriving: only records both A and B have
done are used, and a disagreement not yet settled is left out (reported as pending). Rerun when more
parts arrive.

Texts come from the CC BY 4.0 DANeS annotated batch #1 (`../shared/data/corpus/danes/
annotated_batch_1.json`): title = the record's "text", text = its description. The raw DANeS batches
are not CC BY and are never read here. Labels are never changed to suit the model.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.themes.agreement import agreement, merge  # noqa: E402
from nlp.themes.data import DANES_LABELS, danes_records, read_jsonl  # noqa: E402
from registry import load_plan  # noqa: E402
from registry.errors import ValidationError  # noqa: E402

DATA = ROOT / "nlp" / "themes" / "data"
START, END = "<!-- agreement:start (tools/danes_labels.py) -->", "<!-- agreement:end -->"


def read_labels(folder: Path, theme_ids: set[str]) -> dict[str, list[str]]:
    """{id: themes} over every *.jsonl of a folder; a bad line or unknown theme id stops the merge."""
    out: dict[str, list[str]] = {}
    problems = []
    for f in sorted(folder.glob("*.jsonl")):
        rows, bad = read_jsonl(f)
        problems += [(f"{f.name} {w}", k, m) for w, k, m in bad]
        for where, r in rows:
            rid, th = r.get("id"), r.get("themes")
            if not isinstance(rid, str) or not isinstance(th, list) or not all(isinstance(t, str) for t in th):
                problems.append((f"{f.name} {where}", "id/themes", "needs a string id and a list of theme ids"))
                continue
            unknown = [t for t in th if t not in theme_ids]
            if unknown:
                problems.append((f"{f.name} {where}", "themes", f"unknown theme id(s) {', '.join(unknown)}"))
                continue
            if rid in out and sorted(out[rid]) != sorted(th):
                problems.append((f"{f.name} {where}", "id", f"{rid} labelled twice, differently"))
            out[rid] = th
    if problems:
        raise ValidationError(str(folder), problems)
    return out


def notice_section(ag: dict, n_settled: int, n_pending: int, n_missing: int, theme_ids: list[str]) -> str:
    rows = [f"| {t} | {p['a']} | {p['b']} | {p['both']} | {'' if p['f1'] is None else format(p['f1'], '.2f')} |"
            for t, p in ag["per_theme"].items() if p["a"] or p["b"]]
    state = ("all records labelled by both annotators" if not n_missing else
             f"{n_missing} records not yet labelled by both annotators (left out)")
    return "\n".join([
        START,
        f"Agreement between the two annotators over the {ag['records']:,} records both labelled ({state}):",
        f"**micro-F1 {ag['micro_f1']:.3f}**; identical label sets on {ag['identical']:,} records. "
        f"Disagreements settled by the third annotator: {n_settled}; not yet settled (left out of the "
        f"training data): {n_pending}.",
        "",
        "| theme | annotator A | annotator B | both | F1(A, B) |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Themes no annotator gave to any record: "
        + (", ".join(t for t in theme_ids if not ag["per_theme"][t]["a"] and not ag["per_theme"][t]["b"]) or "none")
        + ".",
        END,
    ])


def update_notice(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8")
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/work/labelwork"), help="the labelling work folder")
    ap.add_argument("--danes", type=Path, default=ROOT.parent / "shared" / "data" / "corpus" / "danes"
                    / "annotated_batch_1.json", help="DANeS annotated batch #1 (CC BY 4.0)")
    ap.add_argument("--plan", type=Path, default=ROOT / "plans" / "daklak-2021.toml")
    ap.add_argument("--out", type=Path, default=DATA / DANES_LABELS)
    ap.add_argument("--notice", type=Path, default=DATA / "NOTICE.md")
    a = ap.parse_args()
    plan = load_plan(a.plan)
    ids = set(plan.theme_ids)
    try:
        records = danes_records(a.danes)
        A = read_labels(a.work / "A", ids)
        B = read_labels(a.work / "B", ids)
        final = read_labels(a.work / "final", ids) if (a.work / "final").is_dir() else {}
    except ValidationError as e:
        print(e, file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    strangers = sorted(set(A) - set(records)) + sorted(set(B) - set(records))
    if strangers:
        print(f"ids not in {a.danes}: {', '.join(strangers[:10])}", file=sys.stderr)
        return 2
    merged, pending = merge(A, B, final)
    ag = agreement(A, B, plan.theme_ids)
    out = []
    for rid, (title, text) in records.items():  # DANeS order: the file is reproducible
        if rid not in merged:
            continue
        themes, how = merged[rid]
        out.append({"id": rid, "title": unicodedata.normalize("NFC", title), "text": unicodedata.normalize("NFC", text),
                    "themes": list(themes), "annotator_a": sorted(A[rid]), "annotator_b": sorted(B[rid]),
                    "resolution": how})
    tmp = a.out.with_suffix(".tmp")
    tmp.write_text("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in out) + "\n]\n", encoding="utf-8")
    tmp.replace(a.out)
    n_settled = sum(1 for _, how in merged.values() if how == "settled")
    missing = len(records) - ag["records"]
    update_notice(a.notice, notice_section(ag, n_settled, len(pending), missing, plan.theme_ids))
    print(json.dumps({"out": str(a.out), "records": len(out), "pending": len(pending), "settled": n_settled,
                      "not_labelled_by_both": missing, "agreement_micro_f1": ag["micro_f1"],
                      "identical": ag["identical"]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
