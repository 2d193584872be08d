"""`chuyenmuc themes train|predict|evaluate|explain`, `chuyenmuc tag` and `chuyenmuc label export|import`."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pipeline.commands._types import folds, positive_int
from pipeline.context import Context, add_common

ORDER = 40


def register(sub: argparse._SubParsersAction) -> None:
    th = sub.add_parser("themes", help="the theme classifier: train, predict, evaluate, explain")
    ts = th.add_subparsers(dest="themes_cmd", metavar="ACTION", required=True)

    p = ts.add_parser("train", help="train the theme model from the repo's data (+ --labels, + the database's labels with --db)")
    add_common(p)
    p.add_argument("--labels", metavar="FILE.jsonl", action="append", default=[],
                   help="extra labelled lines {id,title,text,themes} (repeatable)")
    p.add_argument("--out", metavar="PATH", help="model file (default: config paths.model)")
    p.add_argument("--processes", type=positive_int, default=None, help="tokenizer processes (default: all cores)")
    p.set_defaults(func=_train)

    p = ts.add_parser("predict", help="tag a JSONL file of {id,title,text}")
    add_common(p, db=False)
    p.add_argument("--in", dest="inp", metavar="X.jsonl", required=True)
    p.add_argument("--out", metavar="Y.jsonl", required=True)
    p.add_argument("--model", metavar="PATH", help="model file (default: config paths.model; trained if missing)")
    p.add_argument("--processes", type=positive_int, default=None)
    p.set_defaults(func=_predict)

    p = ts.add_parser("evaluate", help="score the default model on a labelled test file (--test), or k-fold "
                                       "cross-validation on a labelled file (--labels); next to the keyword baseline")
    add_common(p, db=False)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--test", metavar="FILE.jsonl",
                       help="labelled file used purely as a test set: the default model (repo data only, minus any "
                            "record whose id or title is in the file) is trained and scored on it")
    which.add_argument("--labels", metavar="FILE.jsonl", help="labelled file for k-fold cross-validation")
    p.add_argument("--cv", type=folds, default=5, help="folds for --labels (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--no-repo-data", action="store_true", help="train folds on the labelled file only")
    p.add_argument("--processes", type=positive_int, default=None)
    p.set_defaults(func=_evaluate)

    p = ts.add_parser("explain", help="the terms of an article that pushed each theme")
    add_common(p)
    p.add_argument("article_id", type=int)
    p.add_argument("--model", metavar="PATH")
    p.add_argument("--top", type=positive_int, default=8)
    p.add_argument("--all-themes", action="store_true", help="every theme, not only the 3 best and the assigned")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_explain)

    t = sub.add_parser("tag", help="tag new articles with themes (or --all, after a model change)")
    add_common(t, writer=True)
    t.add_argument("--all", action="store_true", help="rescore every article")
    t.add_argument("--model", metavar="PATH")
    t.add_argument("--batch-size", type=positive_int, default=500)
    t.add_argument("--processes", type=positive_int, default=None)
    t.set_defaults(func=_tag)

    lab = sub.add_parser("label", help="the analysts' labelling loop (CSV for Excel)")
    ls = lab.add_subparsers(dest="label_cmd", metavar="ACTION", required=True)
    p = ls.add_parser("export", help="the articles the model is least sure of, as a CSV to fill in")
    add_common(p, writer=True)
    p.add_argument("--uncertain", type=positive_int, required=True, metavar="N")
    p.add_argument("--out", metavar="FILE.csv", default="labels-to-fill.csv")
    p.add_argument("--model", metavar="PATH")
    p.set_defaults(func=_label_export)
    p = ls.add_parser("import", help="import a filled CSV (validated whole; nothing imported on any error)")
    add_common(p, writer=True)
    p.add_argument("file")
    p.add_argument("--labeller", default=None)
    p.set_defaults(func=_label_import)


def _model_path(ctx: Context, given: str | None) -> Path:
    return Path(given) if given else ctx.config.path("model")


def _load_model(ctx: Context, given: str | None):
    from pipeline.tag_job import ensure_model
    path = _model_path(ctx, given)
    if not path.is_file():
        print(f"model {path} missing: training the default model from the repo's data", file=sys.stderr)
    return ensure_model(path, ctx.plan), path


def _train(args: argparse.Namespace) -> int:
    from nlp.themes.data import load_labels_jsonl, repo_examples
    from nlp.themes.training import dedupe, train
    ctx = Context(args)
    plan = ctx.plan
    examples = list(repo_examples(plan))
    docs: list = [None] * len(examples)
    for f in args.labels:
        extra = load_labels_jsonl(f, plan, source=Path(f).name)
        examples += extra
        docs += [None] * len(extra)
    n_db = 0
    if args.db:
        from pipeline.labels import label_examples
        from warehouse import connect
        con = connect(ctx.db_path, read_only=True)
        try:
            ex, dd = label_examples(con, plan)
        finally:
            con.close()
        examples += ex
        docs += dd
        n_db = len(ex)
    # later sources override earlier ones for the same id; keep docs aligned
    keep: dict[str, int] = {}
    for i, e in enumerate(examples):
        keep.pop(e.id, None)
        keep[e.id] = i
    idx = list(keep.values())
    examples, docs = [examples[i] for i in idx], [docs[i] for i in idx]
    assert len(dedupe(examples)) == len(examples)
    t0 = time.time()
    model = train(examples, plan, docs=docs, processes=args.processes)
    out = Path(args.out) if args.out else ctx.config.path("model")
    model.save(out)
    if args.db:
        from pipeline.tag_job import register_model
        from warehouse import connect
        with ctx.writer("themes train") as w:
            con = connect(w.work)
            try:
                register_model(con, model, out)
            finally:
                con.close()
            w.publish()
    print(f"{out}: model {model.version}: {len(examples)} examples ({n_db} from the database), "
          f"{model.training['none']} without theme, {time.time() - t0:.1f} s")
    print("thresholds: " + ", ".join(f"{t}={v:.2f}" for t, v in model.thresholds.items()))
    return 0


def _read_jsonl(path: Path) -> list[dict]:
    """Articles to tag: every line a JSON object with an id, or the whole file is refused."""
    from nlp.themes.data import read_jsonl
    from registry.errors import ValidationError
    rows, problems = read_jsonl(path)
    problems += [(where, "id", "missing") for where, r in rows if "id" not in r]
    if problems:
        raise ValidationError(str(path), problems)
    return [r for _, r in rows]


def predict_file(model, inp: Path, out: Path, processes: int | None = None) -> int:
    """Tag every line of a JSONL file; returns the number of lines written."""
    from nlp.themes.features import Doc
    from nlp.tokenize import tokenize_articles
    rows = _read_jsonl(inp)
    toks = tokenize_articles([(r.get("title") or "", r.get("text") or "") for r in rows], processes=processes)
    probs = model.predict_proba([Doc(a, b) for a, b in toks])
    assigned = model.assign(probs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for r, p, a in zip(rows, probs, assigned, strict=True):
            f.write(json.dumps({"id": r["id"], "themes": a,
                                "scores": {t: round(float(x), 4) for t, x in zip(model.theme_ids, p, strict=True)}},
                               ensure_ascii=False) + "\n")
    tmp.replace(out)
    return len(rows)


def _predict(args: argparse.Namespace) -> int:
    ctx = Context(args)
    model, _ = _load_model(ctx, args.model)
    t0 = time.time()
    n = predict_file(model, Path(args.inp), Path(args.out), args.processes)
    dt = time.time() - t0
    print(f"{args.out}: {n} articles tagged with model {model.version} in {dt:.1f} s ({n / max(dt, 1e-9):.1f}/s)")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from nlp.themes.data import load_labels_jsonl, repo_examples
    from nlp.themes.evaluation import cross_validate, evaluate_on_test
    from nlp.themes.training import tokenize_examples
    from registry.errors import ValidationError
    ctx = Context(args)
    plan = ctx.plan
    path = args.test or args.labels
    ex = load_labels_jsonl(path, plan)
    if args.test and not ex:
        raise ValidationError(path, [("(file)", "(rows)", "no labelled examples")])
    if args.labels and len(ex) < args.cv:
        raise ValidationError(path, [("(file)", "(rows)", f"{len(ex)} examples, fewer than --cv {args.cv}")])
    if args.test and args.no_repo_data:
        raise ValidationError("--no-repo-data", [("(options)", "--test", "the default model is the repo data: "
                                                  "--no-repo-data only applies to --labels")])
    t0 = time.time()
    print(f"tokenizing {len(ex)} examples of {path}", file=sys.stderr)
    docs = tokenize_examples(ex, args.processes)
    base = [] if args.no_repo_data else repo_examples(plan)
    if args.test:
        res = evaluate_on_test(ex, docs, plan, base, processes=args.processes)
    else:
        base_docs = tokenize_examples(base, args.processes) if base else []
        res = cross_validate(ex, docs, plan, args.cv, base, base_docs)
    res = {k: v for k, v in res.items() if not k.startswith("_")}
    res["mode"] = "test" if args.test else "cv"
    res["seconds"] = round(time.time() - t0, 1)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=2))
        return 0
    if args.test:
        print(f"{path}: {res['n']} examples as a test set; default model {res['model_version']} trained on "
              f"{res['train_examples']} repo examples")
        print(f"held out of training: {res['held_out']} repo examples whose id or title is in the test file"
              + (" (" + ", ".join(f"{k} {v}" for k, v in res["held_out_by_source"].items()) + ")" if res["held_out"] else ""))
    else:
        print(f"{path}: {res['n']} examples, {args.cv}-fold CV, +{res['base_examples']} repo examples per fold "
              f"({res['held_out']} held out: id or title in the labelled file)")
    print(f"{'theme':<24}{'support':>8}   {'model P':>7} {'R':>6} {'F1':>6}   {'keywords P':>10} {'R':>6} {'F1':>6}"
          + ("   threshold  min P" if args.test else ""))
    for t in plan.theme_ids:
        m, k = res["model"]["per_theme"][t], res["keywords"]["per_theme"][t]
        extra = ""
        if args.test:
            mp = res["min_precision"].get(t)
            extra = f"   {res['thresholds'][t]:>9.2f}  {'' if mp is None else format(mp, '.2f'):>5}"
        print(f"{t:<24}{m['support']:>8}   {m['precision']:>7.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}   "
              f"{k['precision']:>10.3f} {k['recall']:>6.3f} {k['f1']:>6.3f}{extra}")
    for key, label in (("frequent", f"themes with >= {res['model']['min_support']} examples"), ("all", "all themes")):
        m, k = res["model"][key], res["keywords"][key]
        print(f"{label}: model micro-F1 {m['micro_f1']:.3f} macro-F1 {m['macro_f1']:.3f} | "
              f"keywords micro-F1 {k['micro_f1']:.3f} macro-F1 {k['macro_f1']:.3f}")
    few = [t for t in plan.theme_ids if res["model"]["per_theme"][t]["support"] < res["model"]["min_support"]]
    if few:
        print(f"too few examples to measure (< {res['model']['min_support']}): {', '.join(few)}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from nlp.themes.explain import explain
    from nlp.themes.features import Doc
    from nlp.tokenize import tokenize_article
    from registry.errors import ValidationError
    from warehouse import connect
    ctx = Context(args)
    model, _ = _load_model(ctx, args.model)
    con = connect(ctx.db_path, read_only=True)
    try:
        row = con.execute("SELECT a.title, a.text, t.title_tokens, t.text_tokens FROM articles a "
                          "LEFT JOIN article_tokens t USING (article_id) WHERE a.article_id = ?",
                          [args.article_id]).fetchone()
    finally:
        con.close()
    if row is None:
        raise ValidationError(str(ctx.db_path), [(str(args.article_id), "article_id", "no such article")])
    doc = Doc(row[2], row[3] or "") if row[2] is not None else Doc(*tokenize_article(row[0], row[1]))
    exps = explain(model, doc, top=args.top)
    if not args.all_themes:
        exps = [e for i, e in enumerate(exps) if e.assigned or i < 3]
    if args.json:
        print(json.dumps({"article_id": args.article_id, "model_version": model.version, "title": row[0],
                          "themes": [e.__dict__ for e in exps]}, ensure_ascii=False, indent=2))
        return 0
    print(f"article {args.article_id}: {row[0]}")
    print(f"model {model.version}")
    for e in exps:
        mark = "TAGGED" if e.assigned else "not tagged"
        print(f"  {e.theme_id}: score {e.score:.3f} (threshold {e.threshold:.2f}) {mark}")
        for term, push in e.terms:
            print(f"      +{push:.3f}  {term}")
    return 0


def _tag(args: argparse.Namespace) -> int:
    from pipeline.tag_job import run_tag
    from warehouse import connect
    ctx = Context(args)
    path = _model_path(ctx, args.model)
    with ctx.writer("tag") as w:
        con = connect(w.work)
        try:
            res = run_tag(con, path, all=args.all, batch_size=args.batch_size, processes=args.processes, plan=ctx.plan)
        finally:
            con.close()
        w.publish()
    print(f"{ctx.db_path}: model {res['model_version']}: tokenized {res['tokenized']}, scored {res['scored']}, "
          f"{res['tagged_articles']} articles tagged with {res['tags']} tags")
    return 0


def _label_export(args: argparse.Namespace) -> int:
    from pipeline.labels import export_uncertain
    from pipeline.tag_job import run_tag
    from warehouse import connect
    ctx = Context(args)
    model, path = _load_model(ctx, args.model)
    with ctx.writer("label export") as w:
        con = connect(w.work)
        try:
            run_tag(con, path, plan=ctx.plan)  # make sure the current model has scored everything
            n = export_uncertain(con, model, args.uncertain, args.out)
        finally:
            con.close()
        w.publish()
    print(f"{args.out}: {n} articles to label (fill the 'themes' column: theme ids separated by ';', or none)")
    return 0


def _label_import(args: argparse.Namespace) -> int:
    from pipeline.labels import import_labels
    from warehouse import connect
    ctx = Context(args)
    plan = ctx.plan
    with ctx.writer("label import") as w:
        con = connect(w.work)
        try:
            res = import_labels(con, plan, args.file, args.labeller)
        finally:
            con.close()
        w.publish()
    print(f"{args.file}: imported {res['imported']} labels ({res['none']} none), "
          f"{res['skipped_unlabelled']} rows left empty; retrain with `themes train --db` then `tag --all`")
    return 0
