"""News CMSs of provincial Party papers and national outlets (Báo Lào Cai, Báo Cần Thơ, VTC, Znews,
VnExpress...): an <h1> headline, a sapo/lead, a by-line, a visible "Thứ Năm, 17/06/2021 08:30" date
and a body container with a recognisable class (cms-body, fck_detail, content-fck, articleBody...).
"""
from __future__ import annotations

import re

from lxml import etree

from nlp.extract.blocks import is_boiler, paragraphs
from nlp.extract.common import attachments, choose_title, find_all_class, visible_dates
from nlp.extract.draft import Draft
from nlp.extract.page import Page, squash

NAME = "news_cms"
BODY = re.compile(
    r"(?i)(^|\s)(cms-body|article__body|article-body|the-article-body|fck_detail|content-fck|edittor-content|"
    r"detail-content|detail__content|content-detail|article-content|news-content|newsdetail|news-detail-content|"
    r"post-content|noidung|noi-dung|chi-tiet|chitiet|singular-content|main-content-body|body-content|"
    r"detail-body|article__content|contentdetail|maincontent-detail|knc-content|journal-content-article)($|\s)")
SAPO = re.compile(r"(?i)(^|\s)(sapo|\w+__sapo|cms-desc|the-article-summary|description|lead|summary|"
                  r"article-lead|detail-sapo|sapo-detail|chapeau|tomtat|mota)($|\s)")
AUTHOR = re.compile(r"(?i)(^|\s)([\w-]*author|article__author|cms-author|the-article-author|author-name|tacgia|"
                    r"tac-gia|byline|author_mail|name-author|nguon-tin)($|\s)")
_LABELS = {"tác giả", "author", "nguồn", "theo", "tin, ảnh", "by"}


def _bodies(page: Page) -> list[etree._Element]:
    found = [el for el in page.doc.xpath('//*[@itemprop="articleBody"]')]
    found += find_all_class(page.doc, BODY)
    return [el for el in found if not is_boiler(el)]


def detect(page: Page) -> bool:
    return any(len(squash(b.text_content())) > 200 for b in _bodies(page))


def extract(page: Page) -> Draft:
    d = Draft(family=NAME)
    bodies = _bodies(page)
    body = max(bodies, key=lambda el: len(squash(el.text_content())))
    # the h1 nearest before the body, else any h1 that is not the logo
    h1s = [h for h in page.doc.iter("h1") if squash(h.text_content())]
    before = [h for h in h1s if _precedes(h, body)]
    cands = [squash(h.text_content()) for h in (before[::-1] + h1s)]
    cands += [page.meta.get("og:title", ""), (page.ld_article or {}).get("headline", "") or ""]
    d.title = choose_title(page, cands)
    sapos = [el for el in find_all_class(page.doc, SAPO) if el.tag not in ("meta",) and not _inside(el, body)]
    sapo = ""
    for el in sapos:
        t = squash(el.text_content())
        if 30 <= len(t) <= 1200 and el.tag != "head":
            sapo = t
            break
    d.paragraphs = ([sapo] if sapo else []) + [p for p in paragraphs(body) if p != sapo]
    authors = [squash(el.text_content()) for el in find_all_class(page.doc, AUTHOR)]
    d.author = page.declared_author(persons_only=True) or next(
        (a for a in authors if 2 <= len(a) <= 80 and a.lower().strip(" :") not in _LABELS), None)
    scope = body.getparent() if body.getparent() is not None else page.doc
    for _ in range(3):  # the date line sits near the headline, a few levels up from the body
        if scope.getparent() is not None:
            scope = scope.getparent()
    d.date_text = visible_dates(scope) + visible_dates(page.doc)
    d.attachments = attachments(body, page.url)
    d.strong_body = True
    return d


def _precedes(a: etree._Element, b: etree._Element) -> bool:
    """Whether a comes before b in document order."""
    for el in a.getroottree().iter():
        if el is a:
            return True
        if el is b:
            return False
    return False


def _inside(el: etree._Element, root: etree._Element) -> bool:
    while el is not None:
        if el is root:
            return True
        el = el.getparent()
    return False
