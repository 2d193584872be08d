"""WordPress-like district and commune sites: <article class="post">, .entry-title, .entry-content,
<time class="entry-date" datetime="...">, .byline/.author."""
from __future__ import annotations

import re

from nlp.extract.blocks import paragraphs
from nlp.extract.common import attachments, choose_title, find_all_class
from nlp.extract.draft import Draft
from nlp.extract.page import Page, squash

NAME = "wordpress"
_CONTENT = re.compile(r"(?i)(^|\s)(entry-content|post-content|post-entry|single-content|entry-body)($|\s)")
_TITLE = re.compile(r"(?i)(^|\s)(entry-title|post-title|single-title)($|\s)")
_AUTHOR = re.compile(r"(?i)(^|\s)(author|byline|vcard|fn)($|\s)")
_POSTS = re.compile(r"(?i)(^|\s)(post|type-post|hentry)($|\s)")


def detect(page: Page) -> bool:
    h = page.html
    return bool(find_all_class(page.doc, _CONTENT)) or "wp-content" in h or "wp-block" in h


def extract(page: Page) -> Draft:
    d = Draft(family=NAME)
    doc = page.doc
    posts = [el for el in doc.iter("article")] or find_all_class(doc, _POSTS)
    contents = find_all_class(doc, _CONTENT)
    if len(posts) >= 3 and len(contents) != 1:
        d.kind = "listing"
        d.title = page.title_tag
        return d
    if not contents:
        d.kind = None
        return d
    body = max(contents, key=lambda el: len(el.text_content()))
    scope = body
    while scope.getparent() is not None and scope.tag != "article":
        scope = scope.getparent()
    titles = [squash(el.text_content()) for el in find_all_class(scope, _TITLE)]
    titles += [squash(h.text_content()) for h in scope.iter("h1")]
    titles += [page.meta.get("og:title", ""), page.title_tag.split(" – ")[0].split(" | ")[0]]
    d.title = choose_title(page, titles)
    d.paragraphs = paragraphs(body)
    times = [t.get("datetime") or squash(t.text_content()) for t in scope.iter("time")]
    times += [squash(el.text_content()) for el in find_all_class(scope, re.compile(r"(?i)entry-date|posted-on|published"))]
    d.date_text = [t for t in times if t]
    authors = [squash(el.text_content()) for el in find_all_class(scope, _AUTHOR)]
    d.author = next((a.removeprefix("bởi ").removeprefix("Bởi ") for a in authors if 2 <= len(a) <= 80), None)
    d.attachments = attachments(body, page.url)
    d.strong_body = True
    return d
