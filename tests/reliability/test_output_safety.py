"""Output safety: text from the web never runs or injects anywhere it is shown.

A warehouse is filled with hostile web text in every field a site controls (article titles and URLs,
category names, error messages, source URLs) and the real CLI writes the weekly and annual reports
and exports. Then: the HTML holds no script or event handler of the payload's and no javascript:
href; the Markdown holds no raw tag or link; no CSV/XLSX cell can be read as a formula. Each check
also asserts the payload did reach the output (escaped), so none passes vacuously.
CLI arguments that reach SQL (`export TABLE`, `report --week`) are tried with quotes and `;`.
"""
from __future__ import annotations

import csv
import datetime as dt
import html.parser
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytest.importorskip("pipeline.reports.export", reason="the reports branch is not merged")

from pipeline.reports.safe_cells import is_formula_like  # noqa: E402
from tests.reports.conftest import build_db  # noqa: E402
from tests.reports.truthgen import make_truth  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=7))
MARK = "zq7"  # every payload carries a marker, so its presence in an output can be checked
HTML_PAYLOADS = [
    f"<script>alert('{MARK}1')</script>",
    f'"><img src=x onerror=alert("{MARK}2")>',
    f"' onmouseover='alert(\"{MARK}3\")' x='",
    f"</td></tr></table><svg onload=alert('{MARK}4')>",
    f"</style><script>alert('{MARK}5')</script>",
    f"{{{{ 7*7 }}}} {{% raw %}}{MARK}6",
    f"<!-- {MARK}7",
    f"<iframe src=javascript:alert('{MARK}8')>",
    f"[click {MARK}9](javascript:alert(1)) | col | **b**",
]
FORMULA_PAYLOADS = [
    f"=1+1+0*{len(MARK)}", f'=HYPERLINK("http://evil.example/{MARK}","x")', f"+1+{MARK}", f"-1+{MARK}",
    f"@SUM(1)+{MARK}", f"\t=1+{MARK}", f"\r=1+{MARK}", f"  =1+{MARK}", f"\u00a0=1+{MARK}",
    f"\uff1d1+{MARK}", f"=cmd|' /C calc'!A0 {MARK}", f"-2+3 {MARK}", f"=\"{MARK}\"",
]
URL_PAYLOADS = [
    f"javascript:alert('{MARK}u1')",
    f"JaVaScRiPt:alert('{MARK}u2')",
    f" javascript:alert('{MARK}u3')",
    f"data:text/html,<script>alert('{MARK}u4')</script>",
    f"https://baodaklak.vn/tin-tuc/\"><script>alert('{MARK}u5')</script>.html",
    f"https://baodaklak.vn/tin-tuc/x.html\" onclick=\"alert('{MARK}u6')",
]
WEEK = "2021-W30"
DAY = dt.date(2021, 7, 28)


def hostile_truth() -> dict:
    truth = make_truth()
    col = "https://baodaklak.vn/chuyen-muc/dua-nghi-quyet-vao-cuoc-song/"
    n = 0
    for title in HTML_PAYLOADS + FORMULA_PAYLOADS:
        n += 1
        truth["articles"].append(dict(
            url=f"https://baodaklak.vn/tin-tuc/hostile-{n}.html", unit_id="bao-daklak",
            published_at=dt.datetime(DAY.year, DAY.month, DAY.day, 9, n % 60, tzinfo=TZ).isoformat(),
            themes=["congress-results"], repost_of=None, robots_allowed=True, column_url=col, title=title))
    for url in URL_PAYLOADS:
        n += 1
        truth["articles"].append(dict(
            url=url, unit_id="bao-daklak",
            published_at=dt.datetime(DAY.year, DAY.month, DAY.day, 10, n % 60, tzinfo=TZ).isoformat(),
            themes=["congress-results"], repost_of=None, robots_allowed=True, column_url=col,
            title=f"Bài có đường dẫn lạ {n}"))
    # a dormant unit's column name, as a site names it, is shown in the reports
    for u in truth["units"]:
        if u["unit_id"] == "so-y-te" and u["column"]:
            u["column"]["name"] = HTML_PAYLOADS[1] + " " + FORMULA_PAYLOADS[1]
    return truth


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from warehouse import connect
    from warehouse.batch import write_rows
    db = build_db(tmp_path_factory.mktemp("hostile-out") / "h.duckdb", hostile_truth())
    con = connect(db)
    try:
        now = dt.datetime(2021, 7, 28, 3, 0)
        write_rows(con, "source_health", [dict(
            source_id=f"hostile-{i}", unit_id="h-lak", kind="feed", url=u, status="failing", last_attempt_at=now,
            last_error_at=now, last_error=p, last_error_kind="feed-parse", consecutive_failures=3)
            for i, (u, p) in enumerate(zip(URL_PAYLOADS, HTML_PAYLOADS + FORMULA_PAYLOADS, strict=False))])
        write_rows(con, "run_errors", [dict(stage="crawl", unit_id="h-lak", url=u, kind="http-500", message=p,
                                            occurred_at=now)
                                       for u, p in zip(URL_PAYLOADS * 4, HTML_PAYLOADS + FORMULA_PAYLOADS,
                                                       strict=False)])
    finally:
        con.close()
    return db


@pytest.fixture(scope="module")
def outputs(hostile_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("reports")
    r = run_cli("report", "weekly", "--week", WEEK, "--db", str(hostile_db), "--out", str(out))
    assert r.code == 0, r.err
    r = run_cli("report", "annual", "--year", "2021", "--db", str(hostile_db), "--out", str(out))
    assert r.code == 0, r.err
    for table in ("articles", "unit_columns", "source_health", "run_errors", "column_status"):
        for fmt in ("csv", "xlsx"):
            r = run_cli("export", table, "--format", fmt, "--db", str(hostile_db), "--out", str(out / f"{table}.{fmt}"))
            assert r.code == 0, (table, fmt, r.err)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    return {ext: [p for p in files if p.suffix == ext] for ext in (".html", ".md", ".csv", ".xlsx")}


class _Scan(html.parser.HTMLParser):
    """Collects what a browser would run: script bodies, on* attributes, javascript:/data: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.bad_urls: list[str] = []
        self.tags: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        for k, v in attrs:
            if k.startswith("on"):
                self.handlers.append((k, v or ""))
            if k in ("href", "src", "action", "formaction") and v and \
                    v.strip().lower().startswith(("javascript:", "data:text", "vbscript:")):
                self.bad_urls.append(v)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def test_reports_were_written(outputs: dict[str, list[Path]]) -> None:
    assert outputs[".html"] and outputs[".md"] and outputs[".csv"] and outputs[".xlsx"]


def test_html_reports_escape_web_text(outputs: dict[str, list[Path]]) -> None:
    reached = reached_url = False
    for p in outputs[".html"]:
        raw = p.read_text(encoding="utf-8")
        reached_url |= f"{MARK}u6" in raw and "đường dẫn lạ" in raw
        s = _Scan()
        s.feed(raw)
        assert not [x for x in s.scripts if MARK in x], (p.name, "payload script element")
        assert not [h for h in s.handlers if MARK in h[1]], (p.name, "payload event handler attribute")
        assert not s.bad_urls, (p.name, s.bad_urls)
        assert "<iframe" not in raw.lower() and "<svg" not in raw.lower(), p.name
        reached |= "&lt;script&gt;alert(" in raw
    assert reached, "no HTML report showed the hostile titles at all: the check would be vacuous"
    assert reached_url, "no HTML report showed the articles with hostile URLs"


def test_markdown_report_escapes_web_text(outputs: dict[str, list[Path]]) -> None:
    reached = False
    for p in outputs[".md"]:
        raw = p.read_text(encoding="utf-8")
        for line in raw.splitlines():
            if MARK not in line:
                continue
            reached = True
            assert "<script" not in line.lower() and "<img" not in line.lower(), line
            assert "](javascript:" not in line, line
    assert reached, "the Markdown report showed no hostile text"


def test_csv_exports_neutralise_formulas(outputs: dict[str, list[Path]]) -> None:
    cells = 0
    for p in outputs[".csv"]:
        with p.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f):
                for c in row:
                    if MARK in c:
                        cells += 1
                    assert not is_formula_like(c), (p.name, c)
                    assert not c.lstrip(" \u00a0\t\r\n").startswith(("=", "+", "-", "@", "\uff1d")) or \
                        c.startswith("'"), (p.name, c)
    assert cells >= len(FORMULA_PAYLOADS), f"only {cells} hostile cells reached the CSV exports"


def test_xlsx_never_holds_a_formula(outputs: dict[str, list[Path]]) -> None:
    from openpyxl import load_workbook
    seen = 0
    for p in outputs[".xlsx"]:
        wb = load_workbook(p)  # formulas are kept as formulas (data_type 'f'), not computed
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (p.name, ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str) and MARK in c.value:
                        seen += 1
                        if c.value.lstrip(" \u00a0\t\r\n").startswith(("=", "+", "-", "@", "\uff1d")):
                            assert c.quotePrefix, (p.name, c.coordinate, c.value)
    assert seen >= len(FORMULA_PAYLOADS), f"only {seen} hostile cells reached the XLSX files"


def test_xlsx_raw_xml_has_no_formula_element(outputs: dict[str, list[Path]]) -> None:
    """Belt and braces: no <f> element in any sheet's XML (openpyxl's reader could hide one)."""
    import zipfile
    for p in outputs[".xlsx"]:
        with zipfile.ZipFile(p) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), (p.name, name)


# ---- CLI arguments reaching SQL ----------------------------------------------------------------
SQL_TABLE_ARGS = [
    "articles; DROP TABLE units",
    'articles"; DROP TABLE units; --',
    "units' OR '1'='1",
    'units" WHERE 1=0 UNION SELECT * FROM pages --',
    "(SELECT * FROM units)",
    "read_csv('/etc/passwd')",
    "main.units",
    "units;",
    "",
]


@pytest.mark.parametrize("arg", SQL_TABLE_ARGS)
def test_export_table_argument_is_not_sql(arg: str, hostile_db: Path, tmp_path: Path) -> None:
    from warehouse import connect
    out = tmp_path / "x.csv"
    r = run_cli("export", arg, "--format", "csv", "--db", str(hostile_db), "--out", str(out))
    assert r.code == 2, (r.code, r.err)
    assert "Traceback" not in r.err
    assert not out.exists()
    con = connect(hostile_db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM units").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM pages").fetchone()[0] >= 0
    finally:
        con.close()


@pytest.mark.parametrize("week", ["2021-W30'; DROP TABLE units; --", "2021-W30; DROP TABLE units",
                                  "2021-W99", "' OR 1=1 --"])
def test_report_week_argument_is_not_sql(week: str, hostile_db: Path, tmp_path: Path) -> None:
    from warehouse import connect
    r = run_cli("report", "weekly", "--week", week, "--db", str(hostile_db), "--out", str(tmp_path))
    assert r.code == 2, (r.code, r.err)
    assert "Traceback" not in r.err
    con = connect(hostile_db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM units").fetchone()[0] > 0
    finally:
        con.close()


@pytest.mark.parametrize("path_tail", ["x'; DROP TABLE units; --.duckdb", 'q".duckdb', "a;b.duckdb"])
def test_db_path_with_quotes_is_just_a_path(path_tail: str, tmp_path: Path) -> None:
    """--db with quotes and ';' names a file; it is never pasted into SQL (e.g. an ATTACH)."""
    db = tmp_path / path_tail
    r = run_cli("db", "init", "--db", str(db))
    assert r.code == 0, r.err
    assert db.is_file()
    r = run_cli("export", "units", "--format", "csv", "--db", str(db), "--out", str(tmp_path / "u.csv"))
    assert r.code == 0, r.err
