"""The theme model on the repo's own data: training, predict CLI round trip, explain, sanity CV."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nlp.themes.data import load_labels_jsonl, repo_examples
from nlp.themes.evaluation import cross_validate
from nlp.themes.explain import explain
from nlp.themes.features import SALIENCE_SCALE, Doc, SalienceFeatures, SeedFeatures, plain
from nlp.themes.model import ThemeModel, best_threshold
from nlp.themes.training import model_version, tokenize_examples, train
from nlp.tokenize import tokenize_article
from registry import load_plan
from registry.errors import ValidationError
from tests.conftest import PLAN

COVID = {"id": "a1", "title": "Đắk Lắk ghi nhận thêm 30 ca mắc COVID-19",
         "text": "Sở Y tế cho biết các ca mắc mới đều ở khu cách ly; tỉnh đẩy nhanh tiêm vắc xin và giãn cách xã hội."}
ELECTION = {"id": "a2", "title": "Cử tri huyện Krông Pắc đi bầu cử",
            "text": "Các tổ bầu cử mở cửa từ 7 giờ, cử tri bỏ phiếu bầu đại biểu Quốc hội khóa XV và HĐND nhiệm kỳ 2021-2026."}
SPORT = {"id": "a3", "title": "Giải quần vợt các câu lạc bộ mở rộng",
         "text": "Hơn 100 vận động viên tranh tài ở nội dung đơn nam, đôi nam nữ tại sân vận động tỉnh."}


@pytest.fixture(scope="module")
def plan():
    return load_plan(PLAN)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, plan):
    m = train(repo_examples(plan), plan)
    return m.save(tmp_path_factory.mktemp("m") / "themes.joblib")


def test_repo_examples_cover_every_theme(plan):
    ex = repo_examples(plan)
    for t in plan.theme_ids:
        assert sum(t in e.themes for e in ex) >= 5, t
    assert sum(not e.themes for e in ex) >= 20
    assert not any(e.id.startswith(("D-", "T-", "A-")) for e in ex)  # never third-party texts in the repo


def test_model_version_tracks_data_and_params(plan):
    ex = repo_examples(plan)[:30]
    v = model_version(ex, plan, {"C": 1})
    assert v == model_version(list(reversed(ex)), plan, {"C": 1})
    assert v != model_version(ex[:-1], plan, {"C": 1})
    assert v != model_version(ex, plan, {"C": 2})


def test_trained_model_reproducible_and_thresholds(model_file, plan):
    m = ThemeModel.load(model_file)
    assert m.theme_ids == plan.theme_ids
    assert set(m.thresholds) == set(plan.theme_ids)
    assert all(0.0 < t < 1.0 for t in m.thresholds.values())
    assert m.version == model_version(repo_examples(plan), plan, m.params)


def test_salience_says_where_seed_terms_sit():
    """Title hit, lead hit and share of sentences with a seed term, per theme: what tells an article about
    COVID-19 from one that mentions it once."""
    sal = SalienceFeatures(SeedFeatures({"covid": ["COVID-19", "giãn cách"], "vote": ["bầu cử"]}))
    about = Doc(*tokenize_article("Tỉnh nới lỏng giãn cách xã hội",
                                  "Từ ngày 1/10, tỉnh nới lỏng giãn cách. Các ca COVID-19 giảm. Chợ mở cửa lại."))
    mention = Doc(*tokenize_article("Doanh nghiệp cà phê tăng xuất khẩu",
                                    "Kim ngạch tăng 12%. Thị trường châu Âu mở rộng. Dù có COVID-19, đơn hàng vẫn đều."))
    S = sal.transform([about, mention]) / SALIENCE_SCALE
    assert S[0, 0].tolist() == pytest.approx([1.0, 1.0, 2 / 3])
    assert S[1, 0].tolist() == pytest.approx([0.0, 0.0, 1 / 3])
    assert not S[:, 1].any()  # no election term anywhere
    assert not sal.transform([about], themes=[1]).any()  # only the themes asked for are computed


def test_salience_only_for_themes_with_many_examples(model_file, plan):
    m = ThemeModel.load(model_file)
    counts = m.training["positives"]
    assert m.salient == [t for t in plan.theme_ids if counts[t] >= m.params["salience_min_positives"]]
    assert "covid-prevention" in m.salient and len(m.salient) < len(plan.theme_ids)
    j = plan.theme_ids.index("covid-prevention")
    assert len(m.feature_names(j)) == len(m.classifiers[j].coef_[0]) == len(m.features.names) + 3
    other = next(i for i, t in enumerate(plan.theme_ids) if t not in m.salient and not isinstance(m.classifiers[i], float))
    assert len(m.feature_names(other)) == len(m.classifiers[other].coef_[0]) == len(m.features.names)


def test_best_threshold_picks_separating_value():
    p = np.array([0.1, 0.2, 0.3, 0.35, 0.6, 0.7, 0.8, 0.9])
    y = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    t = best_threshold(p, y, [0.2, 0.3, 0.33, 0.5, 0.7], 0.5, 0.2, 3)
    assert t == 0.33
    assert best_threshold(p, np.array([0, 0, 0, 0, 0, 0, 0, 1]), [0.2, 0.3], 0.5, 0.2, 3) == 0.5  # too few positives


def test_predict_cli_round_trip(model_file, plan, cli, tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (COVID, ELECTION, SPORT)), encoding="utf-8")
    r = cli("themes", "predict", "--in", str(inp), "--out", str(out), "--model", str(model_file))
    assert r.code == 0, r.err
    got = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in got] == ["a1", "a2", "a3"]
    m = ThemeModel.load(model_file)
    for g in got:
        assert set(g["scores"]) == set(plan.theme_ids)
        assert g["themes"] == [t for t in plan.theme_ids if g["scores"][t] >= m.thresholds[t] - 1e-4]
    assert "covid-prevention" in got[0]["themes"]
    assert "elections-2021" in got[1]["themes"]
    assert got[2]["themes"] == []


def test_predict_rejects_bad_jsonl(model_file, cli, tmp_path):
    inp = tmp_path / "bad.jsonl"
    inp.write_text('{"id": "x", "title": "a"}\n{not json\n', encoding="utf-8")
    r = cli("themes", "predict", "--in", str(inp), "--out", str(tmp_path / "o.jsonl"), "--model", str(model_file))
    assert r.code == 2 and "line 2" in r.err


def test_explain_terms_occur_in_article(model_file):
    m = ThemeModel.load(model_file)
    doc = Doc(*tokenize_article(COVID["title"], COVID["text"]))
    exps = explain(m, doc, top=10)
    top = exps[0]
    assert top.theme_id == "covid-prevention" and top.assigned and top.terms
    article = plain(doc.title_tokens + " " + doc.text_tokens)
    vocab = set((doc.title_tokens + " " + doc.text_tokens).lower().replace("_", " ").split())
    for e in exps:
        for term, push in e.terms:
            assert push > 0
            if term.startswith("[seed] "):
                for s in term[7:].split(", "):
                    assert f" {s} " in article, s
            else:  # a word or a two-word phrase (stopwords between them are skipped): every word occurs
                assert all(w in vocab for w in term.split()), term


def test_labels_jsonl_validated_whole(plan, tmp_path):
    f = tmp_path / "l.jsonl"
    f.write_text('{"id": "1", "title": "t", "text": "x", "themes": ["none"]}\n'
                 '{"id": "2", "title": "t", "text": "x", "themes": ["nope"]}\n'
                 '{"id": "1", "title": "t", "text": "x", "themes": []}\n', encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        load_labels_jsonl(f, plan)
    msg = str(e.value)
    assert "line 2" in msg and "nope" in msg and "line 3" in msg and "duplicate" in msg


def test_sanity_cv_on_repo_data_beats_keywords(plan):
    """Fast check without ../shared/data: 3-fold CV on the repo's DANeS + own examples."""
    ex = [e for e in repo_examples(plan) if e.source != "plan"]
    docs = tokenize_examples(ex)
    res = cross_validate(ex, docs, plan, folds=3, base=[], base_docs=[])
    m, k = res["model"]["all"], res["keywords"]["all"]
    assert m["micro_f1"] > k["micro_f1"]
    assert m["micro_f1"] >= 0.6


def test_stale_default_model_is_retrained(model_file, plan, tmp_path):
    """A default model from an older checkout (the repo's training data or seed terms changed since) is
    retrained when loaded; a current one, or one trained with extra labels, is used as it is."""
    import dataclasses
    import shutil

    from pipeline.tag_job import ensure_model, stale_default
    current = ThemeModel.load(model_file)
    assert not stale_default(current, plan)
    # the same model under a plan whose seed terms changed (a data edit, not a code change)
    t0 = plan.themes[0]
    edited = dataclasses.replace(plan, themes=(dataclasses.replace(t0, seed_terms=(*t0.seed_terms, "thuật ngữ mới")),
                                               *plan.themes[1:]))
    assert stale_default(current, edited)
    path = tmp_path / "themes.joblib"
    shutil.copy(model_file, path)
    fresh = ensure_model(path, edited)
    assert fresh.version != current.version and fresh.version == model_version(repo_examples(edited), edited,
                                                                               fresh.params)
    assert ThemeModel.load(path).version == fresh.version  # written back
    # an analyst-trained model (labels beyond the repo's) is never replaced behind the analyst's back
    analysts = dataclasses.replace(current, training=dict(current.training,
                                                          by_source={**current.training["by_source"], "labels": 5}))
    assert not stale_default(analysts, edited)


def test_evaluate_test_mode_holds_out_test_records(plan, cli, tmp_path):
    """`themes evaluate --test`: the default model scored on a file it never trained on. Records of the
    file that the repository also holds (same id, or the same title under another id) are held out and
    counted; the per-theme table and the micro/macro figures are printed."""
    danes = [e for e in repo_examples(plan) if e.source == "danes"]
    covid = [e for e in danes if "covid-prevention" in e.themes][:6]
    plain_news = [e for e in danes if not e.themes][:6]
    rows = [{"id": e.id, "title": e.title, "text": e.text, "themes": list(e.themes) or ["none"]} for e in covid + plain_news]
    rows.append({"id": "R-x", "title": covid[0].title.upper() + "!", "text": "", "themes": ["covid-prevention"]})
    f = tmp_path / "test.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    r = cli("themes", "evaluate", "--test", str(f), "--json", "--processes", "1", timeout=900)
    assert r.code == 0, r.err
    res = json.loads(r.out)
    assert res["mode"] == "test" and res["n"] == 13
    from nlp.themes.data import load_labels_jsonl, split_held_out
    kept, held = split_held_out(repo_examples(plan), load_labels_jsonl(f, plan))
    assert {e.id for e in covid + plain_news} <= {e.id for e in held}  # every record of the file (DANeS also
    assert res["held_out"] == len(held) >= 12  # repeats a headline under two ids: those go too)
    assert res["held_out_by_source"] == {"danes": len(held)} and res["train_examples"] == len(kept)
    assert res["model"]["per_theme"]["covid-prevention"]["support"] == 7
    assert res["model"]["per_theme"]["covid-prevention"]["recall"] > 0.5
    bad = cli("themes", "evaluate", "--test", str(f), "--labels", str(f))
    assert bad.code == 2 and "not allowed with" in bad.err
