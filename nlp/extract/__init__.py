"""Raw page -> clean Vietnamese article (or a reason it is not one).

Organised like Fundus: one small module per CMS family (liferay, news_cms, wordpress, frontmatter),
each recognising its markup by features rather than host names, with trafilatura (generic) for the
rest. The dispatcher decodes, picks the family, then applies the shared rules: dates from JSON-LD and
meta first (visible text for the time when the meta has none), listing/document detection, text
normalisation (entities, NFC), language.

    from nlp.extract import extract_page
    res = extract_page(body_bytes, url, headers, fetched_at)
"""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from nlp.datauri import strip_data_uris, strip_data_uris_text
from nlp.dates import parse_with_time
from nlp.encoding import decode_body, normalise_text
from nlp.extract import frontmatter, generic, liferay, news_cms, wordpress
from nlp.extract.common import visible_dates
from nlp.extract.draft import Draft
from nlp.extract.errors import BadUrlError, EmptyPageError, ExtractError, NotHtmlError
from nlp.extract.page import LISTING_TYPES, Page, squash
from nlp.extract.result import ExtractResult
from nlp.extract.version import code_version
from nlp.lang import detect_lang
from nlp.urls import canonical_url

__all__ = ["extract_page", "ExtractResult", "ExtractError", "EXTRACTOR_VERSION"]
EXTRACTOR_VERSION = code_version()  # changes whenever the extraction code does (nlp/extract/version.py)
FAMILIES = (liferay, news_cms, wordpress)
MIN_ARTICLE_CHARS = 200
_HEADLINE_LINK = 25
_URL_DATE = re.compile(r"/(20\d\d)/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/")


def _is_binary(body: bytes) -> str | None:
    head = body[:8].lstrip()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head[:4] in (b"\x89PNG", b"GIF8") or head[:3] == b"\xff\xd8\xff" or head[:2] == b"PK":
        return "binary"
    return None


def extract_page(body: bytes | str, url: str, headers: dict | None = None,
                 fetched_at: datetime | None = None) -> ExtractResult:
    """Extract one page. Raises EmptyPageError/NotHtmlError/ParseError (ExtractError) for pages that
    cannot be read at all; everything readable yields a result whose kind says what it is."""
    if body is None or (isinstance(body, (bytes, str)) and not body.strip()):
        raise EmptyPageError("empty body", url)
    if isinstance(body, bytes):
        b = _is_binary(body)
        if b:
            raise NotHtmlError(f"body is {b}, not HTML", url)
        body, stripped = strip_data_uris(body)  # pasted base64 images: megabytes of no text
    else:
        body, stripped = strip_data_uris_text(body)
    decoded = decode_body(body, headers)
    flags = list(decoded.flags)
    if stripped:
        flags.append("data-uris-stripped")
    text = decoded.text
    if frontmatter.detect_text(text):
        draft = frontmatter.extract_text(text, url)
        try:
            canon = canonical_url(url)
        except ValueError as e:
            raise BadUrlError(str(e), url) from None
        return _finish(draft, None, url, canon, fetched_at, flags)
    page = Page(text, url, fetched_at, flags)
    page.doc  # noqa: B018 - parse now so ParseError surfaces here
    draft = None
    for fam in FAMILIES:
        if fam.detect(page):
            draft = fam.extract(page)
            if draft.kind is None and not draft.paragraphs and fam is not news_cms:
                draft = None  # family recognised the site but not this page's body: fall through
            if draft is not None:
                break
    if draft is None:
        draft = _obvious_listing(page) or generic.extract(page)
    return _finish(draft, page, url, page.canonical, fetched_at, flags)


def _teasers(page: Page) -> int:
    """The largest group of same-class siblings that each hold a headline link plus a summary:
    the teaser list of a category page (related-links lists have no summaries)."""
    best = 0
    for parent in page.doc.iter():
        groups: dict[tuple, int] = {}
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            links = [squash(a.text_content()) for a in child.iter("a")]
            head = max(links, key=len, default="")
            if len(head) >= _HEADLINE_LINK and len(squash(child.text_content())) >= len(head) + 40:
                key = (child.tag, child.get("class"))
                groups[key] = groups.get(key, 0) + 1
        if groups:
            best = max(best, *groups.values())
    return best


def _safe_canonical(href: str, base: str) -> str | None:
    try:
        return canonical_url(href, base)
    except ValueError:  # a malformed link (bad port, bad IPv6 literal)
        return None


def _obvious_listing(page: Page) -> Draft | None:
    """Home pages and collection pages need no main-text extraction (saves trafilatura's slow path)."""
    path = urlsplit(page.canonical).path
    types = page.ld_types()
    if page.ld_article is None and (path in ("", "/") or types & LISTING_TYPES or
                                    (page.og_type == "website" and _headline_links(page) >= 15)):
        from nlp.extract.common import choose_title
        return Draft(family="generic", kind="listing",
                     title=choose_title(page, [page.meta.get("og:title", ""), page.title_tag]))
    return None


def _headline_links(page: Page) -> int:
    n = 0
    seen = set()
    for a in page.doc.iter("a"):
        t = squash(a.text_content()) or squash(a.get("title"))
        href = a.get("href") or ""
        if len(t) >= _HEADLINE_LINK and href not in seen and not href.startswith(("javascript", "#")):
            seen.add(href)
            n += 1
    return n


def _date(draft: Draft, page: Page | None, fetched_at: datetime | None) -> tuple[datetime | None, bool]:
    """Declared (JSON-LD/meta) date first; a visible date supplies the time when the meta has none."""
    declared = page.declared_date() if page is not None else None
    visible = None
    for t in draft.date_text:
        got = parse_with_time(t, fetched_at)
        if got:
            visible = got
            if got[1]:
                break
    if declared and declared[1]:
        return declared
    if declared and visible and visible[1] and visible[0].date() == declared[0].date():
        return visible
    if declared:
        return declared
    if visible:
        return visible
    if page is not None:  # WordPress-style permalinks carry the day: /2021/11/18/slug/
        m = _URL_DATE.search(page.url)
        if m:
            got = parse_with_time(f"{m.group(3)}/{m.group(2)}/{m.group(1)}", fetched_at)
            if got:
                return got
    return None, False


def _kind(draft: Draft, page: Page | None, text: str, pub: datetime | None) -> str:
    if draft.kind in ("listing", "page", "document"):
        return draft.kind
    if len(text) < MIN_ARTICLE_CHARS:
        if draft.kind == "article" or draft.strong_body:  # a recognised article view with little text
            if draft.attachments:
                return "document"
            if len(text) >= 80:
                return "article"
        if page is not None and _headline_links(page) >= 3:
            return "listing"
        if draft.attachments:
            return "document"
        return "empty" if not text else "page"
    if page is None or draft.kind == "article":
        return "article"
    score = 0
    types = page.ld_types()
    if page.ld_article is not None:
        score += 2
    if page.og_type == "article":
        score += 2
    if draft.strong_body:
        score += 2
    if pub is not None:
        score += 1
    if types & LISTING_TYPES:
        score -= 3
    if page.og_type == "website":
        score -= 1
    path = urlsplit(page.canonical).path
    if path in ("", "/"):
        score -= 3
    paras = text.split("\n\n")
    links = _headline_links(page)
    if not draft.strong_body:
        if links >= 15:
            score -= 2
        elif links >= 8:
            score -= 1
        # a teaser list shows a date per item; an article shows one or two
        if len(set(visible_dates(page.doc, limit=20))) >= 4:
            score -= 2
        # teaser headlines are links: paragraphs of the "text" that are whole link texts
        anchors = {squash(a.text_content()) for a in page.doc.iter("a")
                   if a.get("href") and _safe_canonical(a.get("href"), page.url) != page.canonical}
        if any(len(p) >= _HEADLINE_LINK and p in anchors for p in paras) or _teasers(page) >= 3:
            score -= 3
    if len(text) >= 1500 and pub is not None:
        score += 1
    prose = [p for p in paras if len(p) >= 120]
    if len(prose) >= 2 and sum(map(len, prose)) >= 0.6 * len(text):
        score += 1
    if score >= 2:
        return "article"
    listing_like = links >= 5 or types & LISTING_TYPES or path in ("", "/") or _teasers(page) >= 3
    return "listing" if listing_like else "page"


_BYLINE = re.compile(r"^(?:(?:tin|bài|ảnh|video)(?:\s*,\s*(?:tin|bài|ảnh|video))*\s*:\s*)?"
                     r"(?:[^\W\d_][\w.]*\.?\s*){1,4}(?:\s*\(.{1,40}\))?$", re.I)


def _split_byline(paras: list[str]) -> tuple[list[str], str | None]:
    """A last paragraph like 'Lê Phương' or 'Tin, ảnh: P.Y' is the by-line, not text.
    Source credits ('Theo Cổng TTĐT tỉnh', 'Nguồn: ...') stay in the text: they mark reposts."""
    if len(paras) < 2:
        return paras, None
    last = paras[-1].rstrip(".").strip()
    words = last.split()
    if not last or len(last) > 40 or len(words) > 6 or last.lower().startswith(("theo ", "nguồn")):
        return paras, None
    name = last.split(":", 1)[-1].strip()
    if _BYLINE.match(last) and all(w[:1].isupper() for w in name.split() if w[:1].isalpha()):
        return paras[:-1], name
    return paras, None


def _finish(draft: Draft, page: Page | None, url: str, canon: str, fetched_at: datetime | None,
            flags: list[str]) -> ExtractResult:
    paras, nfc_changed = [], False
    for p in draft.paragraphs:
        t, changed = normalise_text(p)
        t = squash(t)
        nfc_changed |= changed
        if t and (not paras or paras[-1] != t):
            paras.append(t)
    paras, byline = _split_byline(paras)
    text = "\n\n".join(paras)
    title = None
    if draft.title:
        title, changed = normalise_text(draft.title)
        title = squash(title)
        nfc_changed |= changed
    author = squash(normalise_text(draft.author)[0]) if draft.author else None
    if byline and (author is None or page is not None and author == page.declared_author() and
                   page.declared_author(persons_only=True) is None):
        author = byline
    if nfc_changed:
        flags.append("nfc-normalised")
    pub, has_time = (draft.published_at, draft.has_time) if draft.published_at else _date(draft, page, fetched_at)
    if page is not None and author is None and draft.kind != "listing":
        declared = page.declared_author()
        author = squash(normalise_text(declared)[0]) or None if declared else None
    kind = _kind(draft, page, text, pub)
    lang = detect_lang((title or "") + "\n" + text) if text or title else "und"
    if kind == "document" and draft.attachments and len(text) < MIN_ARTICLE_CHARS:
        if any(re.search(r"(?i)\.pdf", a) for a in draft.attachments):
            flags.append("pdf-only")
    if kind == "article" and lang not in ("vi", "und"):
        kind = "not-vietnamese"
    if pub is None and kind == "article":
        flags.append("no-date")
    elif pub is not None and not has_time and kind == "article":
        flags.append("date-only")  # stored at 00:00 +07:00; the page gave no time of day
    return ExtractResult(is_article=kind == "article", kind=kind, title=title, published_at=pub,
                         author=author, text=text if kind in ("article", "not-vietnamese", "document", "page") else "",
                         lang=lang, canonical_url=canon, family=draft.family, has_time=has_time,
                         quality_flags=list(dict.fromkeys(flags)), attachments=draft.attachments)
