"""Everything else: trafilatura's main-text extraction, with our own title and date choice.

Small portals often put the site name in <title> and the headline in an <h2>/<h3> just above the
text, and write the date as a line of the text ("Cập nhật lúc 08:30 ngày 17 tháng 6 năm 2021"), so
the headline is the nearest heading before the first extracted paragraph and a short leading line
that parses as a date is taken as the date and dropped from the text.
"""
from __future__ import annotations

from nlp.dates import parse_with_time
from nlp.extract.common import attachments, choose_title, visible_dates
from nlp.extract.draft import Draft
from nlp.extract.page import Page, squash

NAME = "generic"
_HEADINGS = ("h1", "h2", "h3")


def detect(page: Page) -> bool:
    return True


def _heading_before(page: Page, first_para: str) -> str:
    """The nearest h1-h3 before the element holding the first extracted paragraph."""
    probe = first_para[:40]
    last_heading = ""
    for el in page.doc.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "title", "head"):
            continue
        if el.tag in _HEADINGS:
            t = squash(el.text_content())
            if len(t) >= 10:
                last_heading = t
        elif probe and el.text and probe in squash(el.text):
            return last_heading
    return ""


def extract(page: Page) -> Draft:
    import trafilatura

    d = Draft(family=NAME)
    # fast mode first (no jusText/readability fallback, several times quicker on link-heavy pages);
    # the full cascade only when it finds little
    opts = dict(url=page.url, include_comments=False, include_tables=True, favor_precision=True, deduplicate=True)
    text = trafilatura.extract(page.doc, fast=True, **opts) or ""
    if len(text) < 400:
        text = trafilatura.extract(page.doc, **opts) or text
    paras = [squash(p) for p in text.split("\n") if squash(p)]
    lead_dates = []
    for i, p in enumerate(paras[:3]):
        if len(p) <= 80 and parse_with_time(p, page.fetched_at):
            lead_dates.append(p)
            paras = paras[:i] + paras[i + 1:]
            break
    d.paragraphs = paras
    h1 = page.first_h1()
    near = _heading_before(page, paras[0]) if paras else ""
    d.title = choose_title(page, [h1, near, page.meta.get("og:title", ""), page.title_tag])
    if d.title and paras and paras[0] == d.title:
        d.paragraphs = paras[1:]
    d.date_text = lead_dates + visible_dates(page.doc)
    body = page.doc.find("body")
    d.attachments = attachments(body if body is not None else page.doc, page.url)
    return d
