"""Liferay portals (most *.gov.vn provincial and department portals).

Markup: portlets (p_p_id_..., portlet-boundary), asset publisher lists (asset-title / asset-abstract /
"Ngày đăng dd/mm/yyyy | hh:mm AM"), article views (asset-full-content, journal-content-article).
The <title> is "Article - Section - Portal" or just the portal/section name, so never trusted alone;
table layouts and side portlets leak menus into generic extractors.
"""
from __future__ import annotations

import re

from nlp.extract.blocks import is_boiler, paragraphs
from nlp.extract.common import attachments, find_all_class, strip_site_suffix, visible_dates
from nlp.extract.draft import Draft
from nlp.extract.page import Page, squash

NAME = "liferay"
_FULL = re.compile(r"(?i)\basset-full-content\b|\bview-content\b|\bchi-?tiet-?tin\b|\bnews-?detail\b")
_FULL_TITLE = re.compile(r"(?i)asset-full-content-title|header-title|title-detail|news-title|\btieu-?de\b")
_ABSTRACT = re.compile(r"(?i)\basset-abstract\b|\basset-title\b|\bnews-?item\b")
_BODY = re.compile(r"(?i)\bjournal-content-article\b|\basset-content\b|\bnews-?content\b|\bnoi-?dung\b")
_POSTED = re.compile(r"(?i)ngày\s*(?:đăng|cập nhật|ban hành)[^0-9]{0,5}\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}"
                     r"(?:\s*\|?\s*\d{1,2}:\d{2}(?:\s*[ap]m)?)?")
_JOURNAL = re.compile(r"(?i)\bjournal-content-article\b")
_AUTHOR = re.compile(r"(?i)(^|\s)([\w-]*author[\w-]*|tac-?gia|but-?danh)($|\s)")
_META_LINE = re.compile(r"(?i)^(ngày\s*(đăng|cập nhật)|lượt xem|view count|số lượt)|\|\s*(lượt xem|view count)")


def detect(page: Page) -> bool:
    h = page.html
    return ("Liferay" in h[:200000] and "p_p_id" in h) or "portlet-boundary" in h or "journal-content-article" in h


def extract(page: Page) -> Draft:
    doc = page.doc
    d = Draft(family=NAME)
    fulls = find_all_class(doc, _FULL)
    abstracts = find_all_class(doc, _ABSTRACT)
    titles = [el for el in find_all_class(doc, re.compile(r"(?i)\basset-title\b"))]
    if not fulls:  # an article shown by a journal-content portlet: its own headline and a posted date
        fulls = [el for el in find_all_class(doc, _JOURNAL)
                 if (find_all_class(el, _FULL_TITLE) or el.find(".//h1") is not None)
                 and _POSTED.search(squash(el.text_content()))]
    if fulls:
        root = max(fulls, key=lambda el: len(el.text_content()))
        tnodes = find_all_class(root, _FULL_TITLE)
        title = squash(tnodes[0].text_content()) if tnodes else ""
        if not title:
            hs = [h for tag in ("h1", "h2", "h3") for h in root.iter(tag)]
            title = squash(hs[0].text_content()) if hs else ""
        d.title = title or strip_site_suffix(page.title_tag)
        bodies = find_all_class(root, _BODY)
        body = max(bodies, key=lambda el: len(el.text_content())) if bodies else root

        authors = find_all_class(root, _AUTHOR)
        names = [squash(a.text_content()) for a in authors]
        d.author = next((n for n in names if 2 <= len(n) <= 80), None)

        def skip(el):
            return is_boiler(el) or el in tnodes or el in authors
        d.paragraphs = [p for p in paragraphs(body, skip) if p != d.title and not _META_LINE.search(p)]
        d.strong_body = bool(bodies)
        d.attachments = attachments(body, page.url)
        text = squash(root.text_content())
        m = _POSTED.search(text)
        d.date_text = ([m.group(0)] if m else []) + visible_dates(root)
        d.kind = "article"
        return d
    if len(abstracts) >= 2 or len(titles) >= 3:
        d.kind = "listing"
        d.title = strip_site_suffix(page.title_tag)
        return d
    # a static journal page (introduction, contact, organisation chart): not news
    bodies = find_all_class(doc, _BODY)
    if bodies:
        body = max(bodies, key=lambda el: len(el.text_content()))
        d.paragraphs = paragraphs(body)
        d.attachments = attachments(body, page.url)
        d.title = strip_site_suffix(page.title_tag)
        m = _POSTED.search(squash(body.text_content()))
        d.date_text = [m.group(0)] if m else []
        d.kind = None if m else "page"
        return d
    d.kind = "listing" if len(titles) else "page"
    d.title = strip_site_suffix(page.title_tag)
    return d
