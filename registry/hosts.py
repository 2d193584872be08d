"""Is a URL one the crawler may be pointed at? Public http(s) hosts only, never credentials.

A unit's site is an institution's public website, so its host is a public DNS name. An IP literal in a
private, loopback, link-local, shared, reserved or unspecified range (in any spelling the resolver
accepts: `10.0.0.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`, `[::ffff:10.0.0.1]`, `[64:ff9b::a00:1]`) and
names that only ever resolve locally (`localhost`, `*.local`, `*.internal`, `*.home.arpa`, a single
label) would turn the crawler against the machine it runs on or its network, so they are refused unless
the caller opts in explicitly (a test's web on 127.0.0.1; see `allow_private_hosts` in units/README.md).
Nothing here touches the network: DNS is never asked.
"""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

# Special-use names (RFC 6761, 6762, 8375, ICANN's .internal) that never name a public site.
LOCAL_SUFFIXES = ("localhost", "local", "internal", "home.arpa", "lan", "intranet", "corp", "arpa")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def redact(url: str) -> str:
    """The URL with any user:password part replaced, for messages (a secret is never echoed)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"***@{host}").geturl()


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """The address a resolver reads in an all-numeric host (1 to 4 parts, decimal, 0x hex or 0 octal), if any."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMERIC_PART.match(p) for p in parts):
        return None
    try:
        nums = [int(p, 16) if p.startswith("0x") else int(p, 8) if len(p) > 1 and p.startswith("0") else int(p)
                for p in parts]
    except ValueError:
        return None
    *head, last = nums
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(value)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _non_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            why = _non_public(inner)
            return f"{why} (IPv4 {inner} inside IPv6)" if why else None
    for attr, why in (("is_unspecified", "unspecified"), ("is_loopback", "loopback"), ("is_link_local", "link-local"),
                      ("is_private", "private"), ("is_multicast", "multicast"), ("is_reserved", "reserved")):
        if getattr(ip, attr):
            return f"{'an' if why[0] in 'aeiou' else 'a'} {why} address"
    if not ip.is_global:
        return "not a public address"
    return None


def host_problem(host: str) -> str | None:
    """Why this host is not a public site host, or None. `host` as urlsplit gives it (no brackets)."""
    h = host.lower().rstrip(".")
    if not h:
        return "no host"
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(h.split("%", 1)[0])
    except ValueError:
        ip = _inet_aton(h)
        if ip is not None and str(ip) != h:
            why = _non_public(ip)
            return f"the IP literal {host!r} is {ip}" + (f", {why}" if why else ", written in an obfuscated form")
    if ip is not None:
        why = _non_public(ip)
        return f"the IP literal {host!r} is {why}" if why else None
    try:
        ascii_host = h.encode("idna").decode("ascii")
    except UnicodeError:
        return f"{host!r} is not a valid DNS name"
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(x) for x in labels):
        return f"{host!r} is not a valid DNS name"
    if len(labels) < 2:
        return f"{host!r} is a single-label name, which only resolves on a local network"
    if labels[-1].isdigit():
        return f"{host!r} is not a valid DNS name (numeric top-level label)"
    for suffix in LOCAL_SUFFIXES:
        if ascii_host == suffix or ascii_host.endswith("." + suffix):
            return f"{host!r} is a local-only name (.{suffix})"
    return None


def url_problem(url: str, allow_private_hosts: bool = False) -> str | None:
    """Why this is not a URL the crawler may read, or None: http(s), a host, no credentials, a public host."""
    shown = redact(url)
    if url != url.strip() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return f"not a valid URL: {shown!r} (holds spaces or control characters)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
        host = parts.hostname
    except ValueError as e:
        return f"not a valid URL: {shown!r} ({e})"
    if parts.scheme not in ("http", "https") or not host:
        return f"not an http(s) URL: {shown!r}"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return f"holds credentials (user:password@): {shown!r}; a public site needs none, and the registry is exported"
    if allow_private_hosts:
        return None
    why = host_problem(host)
    return f"{why}; a unit's site must be a public DNS name (allow_private_hosts opts in for a test web)" if why else None
