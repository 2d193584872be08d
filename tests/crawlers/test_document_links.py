"""document_links skips hrefs that cannot name a file before resolving them: the same links as
resolving every href, on every real saved page (../shared/data, skipped when absent) and on hrefs
written to catch the shortcut out."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawlers import links as L
from nlp.urls import same_site


def _every_href(page, domains, max_text: int = 2000, limit: int = 3) -> list[str]:
    """The rule without the shortcut: every href resolved, then its path checked."""
    sel, base = page
    out: list[str] = []
    for href in sel.xpath("//a/@href | //iframe/@src | //embed/@src | //object/@data").getall():
        absolute = L._abs(href.strip(), base)
        if not absolute or not L._DOCUMENT.search(urlsplit(absolute).path) or not same_site(absolute, domains):
            continue
        if absolute not in out:
            out.append(absolute)
        if len(out) >= limit:
            break
    if out and len(" ".join(" ".join(sel.xpath("//body//p//text()").getall()).split())) > max_text:
        return []
    return out


TRICKY = """<html><body><p>Quyết định số 12/QĐ-UBND</p>
<a href="  ?download=1 ">tải về</a><a href="/files/QD-12.PDF">PDF</a><a href="//so.daklak.gov.vn/a/b.Docx">x</a>
<iframe src="viewer/ke-hoach.pdf"></iframe><embed src="https://khac.vn/x.pdf"><object data="../x.doc"></object>
<a href="/x.pdf.html">không phải tệp</a><a href="javascript:open('a.pdf')">js</a><a href="#a.pdf">neo</a>
</body></html>"""


@pytest.mark.parametrize("base", ["https://so.daklak.gov.vn/van-ban/quyet-dinh-12.pdf",
                                  "https://so.daklak.gov.vn/van-ban/quyet-dinh-12"])
def test_written_hrefs(base: str) -> None:
    page = L.parse_page(TRICKY, base)
    got = L.document_links(page, ["so.daklak.gov.vn"], limit=10)
    assert got == _every_href(page, ["so.daklak.gov.vn"], limit=10)
    assert "https://so.daklak.gov.vn/files/QD-12.PDF" in got and "https://khac.vn/x.pdf" not in got
    assert any(u.endswith("?download=1") for u in got) == base.endswith(".pdf")


def test_real_pages(shared_data: Path) -> None:
    files = sorted((shared_data / "pages").rglob("*.htm*"))
    if not files:
        pytest.skip("no saved pages")
    linked = 0
    for f in files:
        html = f.read_text("utf-8", "replace")
        m = re.search(r"Mirrored from (\S+)", html)
        base = "https://" + m.group(1).replace("&amp;", "&") if m else f"https://{f.parent.name}.gov.vn/{f.name}"
        page = L.parse_page(html, base)
        sel = page[0]  # every host the page links counts as the unit's: the comparison is about paths
        domains = sorted({urlsplit(u).hostname or "" for h in sel.xpath("//@href | //@src | //@data").getall()
                          if (u := L._abs(h, base))} | {urlsplit(base).hostname or ""})
        for limit in (3, 1000):
            got = L.document_links(page, domains, max_text=10**9, limit=limit)
            assert got == _every_href(page, domains, max_text=10**9, limit=limit), f
        linked += bool(got)
    assert linked, "no saved page links a file: the comparison decided nothing"
