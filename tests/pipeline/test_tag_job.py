"""run_tag on a real DuckDB: batches, reruns without duplicates, --all rescoring, stored tokens reused."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from nlp.themes.data import repo_examples
from nlp.themes.training import train
from pipeline.setup_db import init_db
from pipeline.tag_job import run_tag, theme_margin
from registry import load_plan, load_units
from tests.conftest import PLAN, UNITS
from warehouse.batch import write_rows

TEXTS = [
    ("Tiêm vắc xin phòng COVID-19 cho học sinh", "Ngành y tế tổ chức tiêm vắc xin phòng COVID-19 cho học sinh lớp 12."),
    ("Hội nghị tiếp xúc cử tri trước kỳ họp", "Đại biểu HĐND tỉnh tiếp xúc cử tri, lắng nghe kiến nghị của cử tri về đất đai."),
    ("Mùa thu hoạch cà phê", "Nông dân bước vào vụ thu hoạch cà phê, giá cà phê năm nay tăng."),
    ("Kỷ luật cán bộ vi phạm", "Ủy ban Kiểm tra Tỉnh ủy thi hành kỷ luật đảng viên vi phạm."),
    ("Lễ hội đường phố", "Hàng nghìn người dân tham gia lễ hội đường phố tại thành phố Buôn Ma Thuột."),
    ("", "Bài viết không có tiêu đề về thời tiết nắng nóng."),
    ("Chỉ có tiêu đề", None),
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("tag")
    db = root / "w.duckdb"
    plan, reg = load_plan(PLAN), load_units(UNITS)
    init_db(db, plan, reg)
    model = train(repo_examples(plan), plan)
    path = model.save(root / "m.joblib")
    return db, path, plan, model


def _con(db):
    return duckdb.connect(str(db))


def test_batches_rerun_and_all(setup):
    db, path, plan, model = setup
    con = _con(db)
    rows = [dict(article_id=i + 1, url=f"https://a.daklak.gov.vn/{i}", unit_id="tinh-uy", title=t, text=x,
                 published_at=dt.datetime(2021, 7, 1, tzinfo=dt.UTC)) for i, (t, x) in enumerate(TEXTS)]
    con.execute("BEGIN")
    write_rows(con, "articles", rows)
    con.execute("COMMIT")
    seen = []
    res = run_tag(con, path, batch_size=3, processes=1, progress=lambda s, n: seen.append((s, n)))
    assert res["tokenized"] == len(TEXTS) and res["scored"] == len(TEXTS)
    assert [n for s, n in seen if s == "score"] == [3, 3, 1]
    n_themes = len(plan.themes)
    assert con.execute("SELECT count(*) FROM article_theme_scores").fetchone()[0] == len(TEXTS) * n_themes
    tags1 = con.execute("SELECT article_id, theme_id, score, model_version FROM article_themes ORDER BY 1, 2").fetchall()
    assert (1, "covid-prevention") in {(a, t) for a, t, _, _ in tags1}
    assert all(v == model.version for *_, v in tags1)
    created = con.execute("SELECT article_id, created_at FROM article_tokens ORDER BY 1").fetchall()

    again = run_tag(con, path, batch_size=3, processes=1)
    assert again["tokenized"] == 0 and again["scored"] == 0

    every = run_tag(con, path, all=True, batch_size=2, processes=1)
    assert every["tokenized"] == 0 and every["scored"] == len(TEXTS)
    assert con.execute("SELECT count(*) FROM article_theme_scores").fetchone()[0] == len(TEXTS) * n_themes
    tags2 = con.execute("SELECT article_id, theme_id, score, model_version FROM article_themes ORDER BY 1, 2").fetchall()
    assert tags2 == tags1
    assert con.execute("SELECT article_id, created_at FROM article_tokens ORDER BY 1").fetchall() == created

    # a new article later: only it is tokenized and scored
    con.execute("BEGIN")
    write_rows(con, "articles", [dict(article_id=100, url="https://a.daklak.gov.vn/new", unit_id="tinh-uy",
                                      title="Giãn cách xã hội phòng dịch COVID-19", text="Tỉnh thực hiện giãn cách.")])
    con.execute("COMMIT")
    new = run_tag(con, path, processes=1)
    assert new["tokenized"] == 1 and new["scored"] == 1
    con.close()


def test_missing_model_is_trained(setup, tmp_path):
    db, _, plan, model = setup
    con = _con(db)
    path = tmp_path / "fresh" / "themes.joblib"
    res = run_tag(con, path, plan=plan, processes=1)
    assert path.is_file()
    assert res["model_version"] == model.version  # the default model is reproducible
    con.close()


def test_margin_is_distance_to_nearest_threshold():
    import numpy as np
    p = np.array([[0.5, 0.9], [0.99, 0.01]])
    m = theme_margin(p, np.array([0.5, 0.5]))
    assert m[0] == pytest.approx(0.0) and m[1] > 4


def test_tokenizing_in_batches_over_processes_starts_one_pool(setup, tmp_path, monkeypatch):
    """Every batch of the tokenize step uses the same worker processes (a pool per batch forked its
    workers and loaded underthesea's model again for each batch), and the tokens are those of the
    in-process path."""
    import shutil

    import nlp.pool
    from nlp.tokenize import tokenize_article
    from pipeline.tag_job import tokenize_missing
    db = tmp_path / "pool.duckdb"
    shutil.copy(setup[0], db)
    con = _con(db)
    con.execute("DELETE FROM article_tokens")
    con.execute("DELETE FROM articles")
    texts = [(t or f"Bài {i}", f"{x or ''} Số thứ tự {i}.") for i in range(30) for t, x in TEXTS[:4]]
    con.execute("BEGIN")
    write_rows(con, "articles", [dict(article_id=i + 1, url=f"https://a.daklak.gov.vn/p/{i}", unit_id="tinh-uy",
                                      title=t, text=x) for i, (t, x) in enumerate(texts)])
    con.execute("COMMIT")
    started = []
    real = nlp.pool.process_pool

    def counted(*a, **k):
        started.append(a)
        return real(*a, **k)

    monkeypatch.setattr(nlp.pool, "process_pool", counted)
    assert tokenize_missing(con, batch_size=50, processes=2) == len(texts)  # 3 batches
    assert len(started) == 1
    stored = con.execute("SELECT title_tokens, text_tokens FROM article_tokens ORDER BY article_id").fetchall()
    assert stored == [tokenize_article(t, x) for t, x in texts]
    con.close()
