"""URL canonicalisation: one article, one URL, whatever tracking parameters or host aliases it came with."""
from __future__ import annotations

import posixpath
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that never change the content.
TRACKING = {"fbclid", "gclid", "zarsrc", "zalo_source", "ref", "refer", "source", "mc_cid", "mc_eid",
            "_ga", "gidzl", "amp", "cmpid", "itm_source", "itm_medium", "itm_campaign"}
TRACKING_PREFIXES = ("utm_",)
INDEX_FILES = ("index.html", "index.htm", "index.php", "default.aspx")


def canonical_url(url: str, base: str | None = None) -> str:
    """Canonical form: lower-case scheme and host, no `www.`/`m.` prefix, no fragment, no default port,
    no tracking parameters, sorted query, no trailing slash (except the root), https and http the same.

    Scheme is normalised to https so an http:// and an https:// link to one page are one article.
    """
    if base:
        from urllib.parse import urljoin
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in ("www.", "m."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = quote(unquote(parts.path or "/"), safe="/%:@!$&'()*+,;=-._~")
    if path != "/":
        path = posixpath.normpath(path)
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
    for idx in INDEX_FILES:
        if path.lower().endswith("/" + idx):
            path = path[: -len(idx)]
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING and not k.lower().startswith(TRACKING_PREFIXES)]
    query.sort()
    return urlunsplit(("https", netloc, path, urlencode(query, doseq=True), ""))


def same_site(url: str, domains: tuple[str, ...] | list[str]) -> bool:
    """Whether the URL's host is one of the domains (or a www./m. alias of one)."""
    host = (urlsplit(url).hostname or "").lower()
    for prefix in ("www.", "m."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    return any(host == d or host == d.removeprefix("www.") for d in domains)
