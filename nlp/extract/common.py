"""Helpers shared by the family modules: class matching, visible dates, attachments, title choice."""
from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from nlp.extract.page import Page, squash

DOC_EXT = re.compile(r"(?i)\.(pdf|docx?|xlsx?|pptx?|rar|zip|odt)(\?|#|$)")
DATE_CLASS = re.compile(r"(?i)(date|time|pubdate|publish|ngay|thoi-?gian|post-?meta|byline|meta)")
DATE_LIKE = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|\d{4}-\d{2}-\d{2}|tháng\s+\d{1,2}|trước|hôm qua")


def find_all_class(root: etree._Element, pattern: re.Pattern) -> list[etree._Element]:
    """Elements (root included, document order) whose class attribute matches `pattern`; lxml's XPath
    picks the elements that have a class, so only those are looked at in Python."""
    return [el for el in root.xpath("descendant-or-self::*[@class]") if (c := el.get("class")) and pattern.search(c)]


def visible_dates(root: etree._Element, limit: int = 12) -> list[str]:
    """Short texts in date-ish elements (class/id says date/time, or a <time>), in document order."""
    out = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "a"):
            continue
        cls = " ".join(filter(None, [el.get("class"), el.get("id")]))
        if el.tag == "time" or (cls and DATE_CLASS.search(cls)):
            txt = squash(el.get("datetime") or "") or squash(el.text_content())
            if txt and len(txt) <= 120 and DATE_LIKE.search(txt.lower()):
                out.append(txt)
                if len(out) >= limit:
                    break
    return out


def attachments(root: etree._Element, base: str) -> list[str]:
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if href and DOC_EXT.search(href):
            out.append(urljoin(base, href))
    for el in root.iter("iframe", "embed", "object"):
        src = el.get("src") or el.get("data") or ""
        if DOC_EXT.search(src):
            out.append(urljoin(base, src))
    return list(dict.fromkeys(out))


def strip_site_suffix(title: str) -> str:
    """'Headline - Section - Portal' -> 'Headline' (separators -, |, –, :: )."""
    parts = re.split(r"\s+[|\-–—:]{1,2}\s+", title)
    if len(parts) > 1:
        return parts[0].strip()
    return title.strip()


def choose_title(page: Page, candidates: list[str]) -> str | None:
    """First candidate that is not just the portal's name."""
    site = page.meta.get("og:site_name", "").lower()
    for c in candidates:
        c = squash(c)
        if c and c.lower() != site and len(c) >= 4:
            return c
    return None
