"""Paragraph text of a content container, without the boilerplate that CMS templates nest in it."""
from __future__ import annotations

import re

from lxml import etree

from nlp.extract.page import squash

BLOCK = {"p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote",
         "pre", "table", "tbody", "thead", "tr", "td", "th", "figure", "figcaption", "dl", "dd", "dt", "header",
         "footer", "main", "aside", "nav", "form", "center", "br", "hr"}
SKIP_TAGS = {"script", "style", "noscript", "iframe", "form", "nav", "aside", "footer", "button", "select",
             "input", "svg", "template", "object", "embed", "video", "audio", "head"}
BOILER = re.compile(
    r"(?i)(^|[\s_-])(related|relate|lienquan|tin-?lien-?quan|tinlienquan|other-?news|tin-?khac|"
    r"comment|binh-?luan|share|social|sharing|tags?|keywords?|tu-?khoa|breadcrumbs?|menu|navbar|"
    r"footer|banner|ads?|advert\w*|quang-?cao|qc|print|rating|vote|poll|sidebar|widget|box-?hot|"
    r"most-?read|doc-?nhieu|newsletter|subscribe|pagination|pager|toolbar|social-?share|btn|"
    r"author-?box|list-?news|article-?related|box-?news|zalo|facebook|fb-)($|[\s_-])")


_INNER_BLOCKS = {"p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "blockquote"}


_CONTAINERS = {"div", "table", "section", "ul", "ol", "li", "p", "article", "aside", "dl"}


def is_boiler(el: etree._Element) -> bool:
    """Boilerplate by class/id, or a block that is nothing but links (related-article cards)."""
    cls = " ".join(filter(None, [el.get("class"), el.get("id")]))
    if cls and BOILER.search(cls):
        return True
    if el.tag in _CONTAINERS:
        total = len(squash(el.text_content()))
        if total >= 20 and link_text_ratio(el) >= 0.8:
            return True
    return False


def paragraphs(root: etree._Element, skip=is_boiler) -> list[str]:
    """Block-level paragraphs of `root`, skipping scripts, forms, asides and boilerplate classes."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        t = squash(" ".join(buf))
        buf.clear()
        if t:
            out.append(t)

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in SKIP_TAGS or (el is not root and skip(el)):
            if el.tail:
                buf.append(el.tail)
            return
        if tag == "tr" and not any(isinstance(d.tag, str) and d.tag in _INNER_BLOCKS for d in el.iter()):
            flush()
            cells = [squash(c.text_content()) for c in el if isinstance(c.tag, str) and c.tag in ("td", "th")]
            row = " | ".join(c for c in cells if c)
            if row:
                out.append(row)
            if el.tail:
                buf.append(el.tail)
            return
        block = tag in BLOCK
        if block:
            flush()
        if el.text and tag:
            buf.append(el.text)
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions
                if child.tail:
                    buf.append(child.tail)
                continue
            walk(child)
        if block:
            flush()
        if el.tail and el is not root:
            buf.append(el.tail)

    walk(root)
    flush()
    return out


def link_text_ratio(el: etree._Element) -> float:
    total = len(squash(el.text_content())) or 1
    links = sum(len(squash(a.text_content())) for a in el.iter("a"))
    return links / total
