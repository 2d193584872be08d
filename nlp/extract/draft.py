"""What a family module hands back: its reading of the page, before shared post-processing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Draft:
    family: str
    kind: str | None = None            # article | listing | page | document; None = let the dispatcher decide
    title: str | None = None
    published_at: datetime | None = None
    has_time: bool = False
    date_text: list[str] = field(default_factory=list)   # visible date strings, best first
    author: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    strong_body: bool = False          # the text came from a recognised article-body container
