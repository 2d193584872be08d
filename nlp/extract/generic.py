"""Everything else: trafilatura's main-text extraction, with our own title and date choice."""
from __future__ import annotations

from nlp.extract.common import attachments, choose_title, visible_dates
from nlp.extract.draft import Draft
from nlp.extract.page import Page, squash

NAME = "generic"


def detect(page: Page) -> bool:
    return True


def extract(page: Page) -> Draft:
    import trafilatura

    d = Draft(family=NAME)
    text = trafilatura.extract(page.doc, url=page.url, include_comments=False, include_tables=True,
                               favor_precision=True, deduplicate=True) or ""
    d.paragraphs = [squash(p) for p in text.split("\n") if squash(p)]
    h1 = page.first_h1()
    d.title = choose_title(page, [h1, page.meta.get("og:title", ""), page.title_tag])
    d.date_text = visible_dates(page.doc)
    d.attachments = attachments(page.doc.find("body") if page.doc.find("body") is not None else page.doc, page.url)
    return d
