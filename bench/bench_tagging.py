"""Theme tagging benchmark, on ../shared/data:
- test: the default model (the repository's data only, minus records whose id or title is in dev.jsonl)
  scored on labels/dev.jsonl used purely as a test set, per-theme precision, recall and F1;
- cv: 5-fold CV on labels/dev.jsonl (each fold trains on the other folds plus the repository's data);
- predict: `themes predict` throughput on 1,000 Dân trí articles, tokenization included, and the time
  to train the default model.
Each next to the seed-term keyword baseline where it applies.

Prints one JSON object and writes bench/results/tagging.json. Skips a part, with a message, when
its data are absent.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.themes.data import load_labels_jsonl, repo_examples  # noqa: E402
from nlp.themes.evaluation import cross_validate, evaluate_on_test  # noqa: E402
from nlp.themes.training import tokenize_examples, train  # noqa: E402
from registry import load_plan  # noqa: E402

PLAN = ROOT / "plans" / "daklak-2021.toml"


def shared_data() -> Path | None:
    p = Path(os.environ.get("CHUYENMUC_SHARED_DATA", ROOT.parent / "shared" / "data"))
    return p if p.is_dir() else None


def emit(name: str, figures: dict) -> None:
    try:
        from bench.common import emit as common_emit  # the project's shared bench plumbing, when present
        common_emit(name, figures)
        return
    except ImportError:
        pass
    out = {"bench": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cores": os.cpu_count(),
           "python": platform.python_version(), **figures}
    res = ROOT / "bench" / "results"
    res.mkdir(parents=True, exist_ok=True)
    (res / f"{name}.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False))


def _figures(r: dict) -> dict:
    out: dict = {}
    for who in ("model", "keywords"):
        out[who] = {"frequent_micro_f1": r[who]["frequent"]["micro_f1"], "frequent_macro_f1": r[who]["frequent"]["macro_f1"],
                    "all_micro_f1": r[who]["all"]["micro_f1"], "all_macro_f1": r[who]["all"]["macro_f1"],
                    "per_theme": {t: {k: v[k] for k in ("precision", "recall", "f1", "support")}
                                  for t, v in r[who]["per_theme"].items()}}
    out["frequent_themes"] = r["model"]["frequent"]["themes"]
    return out


def dev_labels(data: Path, plan, processes: int):
    labels = data / "labels" / "dev.jsonl"
    if not labels.is_file():
        print(f"skip test and CV: {labels} absent", file=sys.stderr)
        return None
    ex = load_labels_jsonl(labels, plan)
    t = time.time()
    docs = tokenize_examples(ex, processes)
    return labels, ex, docs, round(time.time() - t, 1)


def bench_test(dev, plan, processes: int) -> dict:
    if dev is None:
        return {"skipped": "labels/dev.jsonl absent"}
    labels, ex, docs, tok_s = dev
    base = repo_examples(plan)
    t = time.time()
    r = evaluate_on_test(ex, docs, plan, base, processes=processes)
    return {"labels": str(labels), "n": r["n"], "train_examples": r["train_examples"], "held_out": r["held_out"],
            "tokenize_s": tok_s, "train_and_score_s": round(time.time() - t, 1), "thresholds": r["thresholds"],
            "min_precision": r["min_precision"], **_figures(r)}


def bench_cv(dev, plan, folds: int, processes: int) -> dict:
    if dev is None:
        return {"skipped": "labels/dev.jsonl absent"}
    labels, ex, docs, tok_s = dev
    base = repo_examples(plan)
    bdocs = tokenize_examples(base, processes)
    t = time.time()
    r = cross_validate(ex, docs, plan, folds, base, bdocs)
    return {"labels": str(labels), "n": r["n"], "folds": folds, "held_out": r["held_out"], "tokenize_s": tok_s,
            "cv_s": round(time.time() - t, 1), **_figures(r)}


def read_dantri(data: Path, n: int) -> list[dict]:
    docs = sorted((data / "corpus" / "unc-dantri" / "docs").glob("*.txt"))[:n]
    out = []
    for p in docs:
        lines = [x for x in p.read_text(encoding="utf-8").splitlines() if not x.startswith("#")]
        lines = [x for x in lines if x.strip()]
        if lines:
            out.append({"id": p.stem, "title": lines[0], "text": "\n".join(lines[1:])})
    return out


def bench_predict(data: Path, plan, n: int, processes: int) -> dict:
    if not (data / "corpus" / "unc-dantri" / "docs").is_dir():
        print("skip predict: corpus/unc-dantri absent", file=sys.stderr)
        return {"skipped": "corpus/unc-dantri absent"}
    from pipeline.commands.themes import predict_file
    rows = read_dantri(data, n)
    with tempfile.TemporaryDirectory() as d:
        model_path = Path(d) / "m.joblib"
        t = time.time()
        train(repo_examples(plan), plan, processes=processes).save(model_path)
        train_s = time.time() - t
        inp, outp = Path(d) / "in.jsonl", Path(d) / "out.jsonl"
        inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        from nlp.themes.model import ThemeModel
        t = time.time()
        model = ThemeModel.load(model_path)
        k = predict_file(model, inp, outp, processes)
        s = time.time() - t
        tagged = [json.loads(x) for x in outp.read_text(encoding="utf-8").splitlines()]
    counts: dict[str, int] = {}
    for r in tagged:
        for th in r["themes"]:
            counts[th] = counts.get(th, 0) + 1
    return {"articles": k, "mean_chars": round(sum(len(r["text"]) for r in rows) / max(len(rows), 1)),
            "processes": processes, "seconds": round(s, 1), "articles_per_s": round(k / s, 1),
            "default_model_train_s": round(train_s, 1), "tagged_counts": counts,
            "untagged": sum(1 for r in tagged if not r["themes"])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--n", type=int, default=1000, help="articles for the predict throughput")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--skip-cv", action="store_true", help="skip the 5-fold CV (the slowest part)")
    ap.add_argument("--skip-test", action="store_true", help="skip the dev-as-test figure")
    a = ap.parse_args()
    data = shared_data()
    plan = load_plan(PLAN)
    if data is None:
        print("skip: ../shared/data absent", file=sys.stderr)
        emit("tagging", {"skipped": "../shared/data absent"})
        return 0
    figures = {"predict": bench_predict(data, plan, a.n, a.processes)}
    dev = dev_labels(data, plan, a.processes) if not (a.skip_cv and a.skip_test) else None
    if not a.skip_test:
        figures["test"] = bench_test(dev, plan, a.processes)
    if not a.skip_cv:
        figures["cv"] = bench_cv(dev, plan, a.folds, a.processes)
    emit("tagging", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
