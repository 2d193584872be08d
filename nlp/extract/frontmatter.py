"""Static-site content files (the Đắk Song district portal kept as Markdown with a ---json front
matter and a CKEditor HTML body): title/date/category from the front matter, body from the HTML."""
from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import lxml.html

from nlp.extract.blocks import paragraphs
from nlp.extract.draft import Draft
from nlp.extract.page import squash

NAME = "frontmatter"
_FM = re.compile(r"^\ufeff?---(json)?\s*\n(.*?)\n---\s*\n?(.*)$", re.S)
_DOC_FIELDS = ("tai_lieu_dinh_kem", "file", "attachment")


def detect_text(text: str) -> bool:
    return bool(_FM.match(text[:200000]))


def extract_text(text: str, url: str) -> Draft:
    m = _FM.match(text)
    d = Draft(family=NAME)
    assert m
    kind, head, body = m.group(1), m.group(2), m.group(3)
    meta: dict = {}
    if kind == "json":
        try:
            meta = json.loads(head)
        except json.JSONDecodeError:
            meta = {}
    else:  # a YAML-ish front matter: key: value lines
        for line in head.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                meta[k.strip()] = v.strip().strip("\"'")
    d.title = squash(str(meta.get("title") or "")) or None
    if meta.get("date"):
        d.date_text = [str(meta["date"])]
    body = body.strip() or str(meta.get("__content__") or "")
    if body:
        root = lxml.html.fromstring(f"<div>{body}</div>")
        d.paragraphs = paragraphs(root)
        d.attachments = [urljoin(url, a.get("href")) for a in root.iter("a")
                         if re.search(r"(?i)\.(pdf|docx?|xlsx?)$", a.get("href") or "")]
    for k in _DOC_FIELDS:
        if meta.get(k):
            d.attachments.append(urljoin(url, str(meta[k])))
    d.strong_body = True
    layout = str(meta.get("layout", ""))
    if layout.startswith("van-ban") and not d.paragraphs:
        d.kind = "document"
    elif layout.startswith("post") and d.paragraphs:
        d.kind = "article"  # the site itself says it is a news post
    return d
