"""URL canonicalisation: one article, one URL, whatever tracking parameters or host aliases it came with."""
from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that never change the content.
TRACKING = {"fbclid", "gclid", "zarsrc", "zalo_source", "ref", "refer", "source", "mc_cid", "mc_eid",
            "_ga", "gidzl", "amp", "cmpid", "itm_source", "itm_medium", "itm_campaign"}
TRACKING_PREFIXES = ("utm_",)
# Liferay portals (many *.gov.vn sites) put the portlet's place on the page layout and its default render
# state in every link: the same listing page linked from two columns differs only in these. p_p_id and
# the portlet's own namespaced parameters (_101_cur=2, ..._urlTitle) carry what is shown, and stay.
LIFERAY_LAYOUT = {"p_p_col_id", "p_p_col_pos", "p_p_col_count"}
LIFERAY_DEFAULTS = {("p_p_lifecycle", "0"), ("p_p_state", "normal"), ("p_p_mode", "view")}
# ...and its friendly article URLs (/-/view_content/<id>-<slug>) carry the listing they were linked
# from as `redirect` (the back link): one article, as many URLs as listings, unless it is dropped.
LIFERAY_NAV = {"redirect"}
INDEX_FILES = ("index.html", "index.htm", "index.php", "default.aspx")
UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


class InvalidUrl(ValueError):
    """Text that cannot be a web URL (bad port, broken IPv6 literal...): say so, typed, with the text."""


def _norm_escapes(path: str) -> str:
    """RFC 3986 normalisation: encode what must be, decode escapes of unreserved characters, upper-case
    the rest. Idempotent, unlike unquote+quote (which turns %2541 into %41 and then into A)."""
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")

    def fix(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ch in UNRESERVED else "%" + m.group(1).upper()
    return _ESCAPE.sub(fix, path)


def canonical_url(url: str, base: str | None = None) -> str:
    """Canonical form: lower-case scheme and host, no `www.`/`m.` prefix, no fragment, no default port,
    no tracking parameters, no Liferay layout/default-state parameters, sorted query, no trailing slash
    (except the root), https and http the same.

    Scheme is normalised to https so an http:// and an https:// link to one page are one article.
    Raises InvalidUrl for text that is not a usable http(s) URL.
    """
    try:
        if base:
            url = urljoin(base, url.strip())
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError as e:
        raise InvalidUrl(f"{url[:200]!r}: {e}") from None
    for prefix in ("www.", "m."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path or "/"
    if path != "/":
        path = posixpath.normpath(path)
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
    path = _norm_escapes(path)
    for idx in INDEX_FILES:
        if path.lower().endswith("/" + idx):
            path = path[: -len(idx)]
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING and not k.lower().startswith(TRACKING_PREFIXES)
             and k not in LIFERAY_LAYOUT and (k, v) not in LIFERAY_DEFAULTS
             and not (k in LIFERAY_NAV and "/-/" in path)]
    query.sort()
    return urlunsplit(("https", netloc, path, urlencode(query, doseq=True), ""))


def same_site(url: str, domains: tuple[str, ...] | list[str]) -> bool:
    """Whether the URL's host is one of the domains (or a www./m. alias of one). Bad URLs are not."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    for prefix in ("www.", "m."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    return any(host == d or host == d.removeprefix("www.") for d in domains)
