"""What an official document needs besides its body: issuing body, number/symbol, place, signer and
recipients (from `[report]` in chuyenmuc.toml, with defaults taken from the plan and the registry),
and the body as a list of blocks that the Word and HTML writers both render."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from pipeline.reports.common import rows

# keys of chuyenmuc.toml [report] read here (all optional)
CONFIG_KEYS = ("issuing_parent", "issuing_body", "issuing_body_name", "document_symbol", "place", "signer_title",
               "signer_name", "recipients")


@dataclass
class Block:
    """One piece of a document body: h1 (numbered section), h2, p, ul (list of texts), image (key)."""
    kind: str
    content: Any
    caption: str = ""


@dataclass
class DocSettings:
    issuing_parent: str            # cơ quan chủ quản, e.g. "ỦY BAN NHÂN DÂN TỈNH ĐẮK LẮK"
    issuing_body: str              # cơ quan ban hành, e.g. "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    document_symbol: str           # ký hiệu, e.g. "BC-STTTT" (the number is left blank to fill in)
    place: str                     # địa danh, e.g. "Đắk Lắk"
    signer_title: str              # e.g. "GIÁM ĐỐC"
    signer_name: str = ""
    addressee: str = ""            # kính gửi
    issuing_body_name: str = ""    # the same body as named in running text, e.g. "Sở Thông tin và Truyền thông"
    recipients: list[str] = field(default_factory=list)


def _initials(name: str) -> str:
    words = [w for w in re.split(r"\s+", name) if w and w.lower() not in ("và", "-", "&")]
    return "".join(w[0].upper() for w in words)


def document_settings(plan: dict[str, Any], con: duckdb.DuckDBPyConnection,
                      overrides: dict[str, Any] | None = None) -> DocSettings:
    """Defaults from the plan (its issuer is the addressee and the parent body; the unit leading the
    plan issues the report), then whatever `[report]` in the config sets."""
    issuer = plan.get("issuer") or ""
    lead = rows(con, """SELECT name, short_name FROM units WHERE list_contains(obligations, 'lead_plan')
                        ORDER BY unit_id LIMIT 1""")
    m = re.search(r"tỉnh\s+(.+)$", issuer)
    place = m.group(1).strip() if m else ""
    if lead:
        short = lead[0]["short_name"] or lead[0]["name"]
        body = re.sub(r"\s+tỉnh\s+.+$", "", short)
    else:
        body = "CƠ QUAN BÁO CÁO"
    s = DocSettings(
        issuing_parent=issuer.upper(), issuing_body=body.upper(), document_symbol=f"BC-{_initials(body)}",
        place=place, signer_title="GIÁM ĐỐC", addressee=issuer, issuing_body_name=body,
        recipients=[f"{issuer} (để báo cáo)" if issuer else "Cơ quan chủ trì (để báo cáo)",
                    "Các sở, ban, ngành; UBND các huyện, thị xã, thành phố (để thực hiện)", "Lưu: VT."])
    got = {k: v for k, v in (overrides or {}).items() if k in CONFIG_KEYS and v not in (None, "", [])}
    if "recipients" in got and not (isinstance(got["recipients"], list) and all(isinstance(x, str) for x in got["recipients"])):
        got.pop("recipients")
    return replace(s, **{k: (v if k == "recipients" else str(v)) for k, v in got.items()})
