"""The extraction result, one per page, and its JSON shape for the CLI."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("article", "listing", "page", "document", "empty", "not-vietnamese")


@dataclass
class ExtractResult:
    is_article: bool
    kind: str
    title: str | None = None
    published_at: datetime | None = None
    author: str | None = None
    text: str = ""
    lang: str = "und"
    canonical_url: str | None = None
    family: str = "generic"
    has_time: bool = False
    quality_flags: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The CLI shape: published_at as ISO 8601 with +07:00 (date only when no time was given)."""
        pub = None
        if self.published_at is not None:
            pub = self.published_at.isoformat() if self.has_time else self.published_at.date().isoformat()
        return {"is_article": self.is_article, "kind": self.kind, "title": self.title, "published_at": pub,
                "author": self.author, "text": self.text, "lang": self.lang,
                "canonical_url": self.canonical_url, "quality_flags": list(self.quality_flags),
                "family": self.family, "attachments": list(self.attachments)}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
