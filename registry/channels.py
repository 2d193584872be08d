"""A unit's official channels beyond its website: its video channel's public feed, or another official
feed (issue #21). Registered by hand in the unit registry as [[units.channels]], never discovered.

A channel is read through its public RSS/Atom feed only: no login, no API token, never a personal
account. Its URL must be http(s) on a host that is a known video host (YouTube, Vimeo, Dailymotion,
by their feed URLs) or, for `kind = "feed"`, one of the unit's own hosts; any other host needs the
registry to say so explicitly with `official_host = true` (and, like any URL marked verified,
evidence). Channels are kept apart from `sources`: their hosts never join the unit's crawl domains.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

CHANNEL_KINDS = ("video-channel", "feed")
# host -> how its public per-channel feed looks (a hint for the operator when the URL is not a feed)
VIDEO_HOSTS = {
    "www.youtube.com": "https://www.youtube.com/feeds/videos.xml?channel_id=UC...",
    "youtube.com": "https://www.youtube.com/feeds/videos.xml?channel_id=UC...",
    "vimeo.com": "https://vimeo.com/channels/NAME/videos/rss or https://vimeo.com/USER/videos/rss",
    "www.dailymotion.com": "https://www.dailymotion.com/rss/user/NAME",
}
# platforms whose pages offer no public feed and often belong to persons: never a channel here
NO_FEED_HOSTS = ("facebook.com", "fb.com", "zalo.me", "tiktok.com", "instagram.com", "x.com", "twitter.com")


def _under(host: str, parent: str) -> bool:
    return host == parent or host.endswith("." + parent)


def _feed_form_problem(host: str, url: str) -> str | None:
    """For a video host: is this its per-channel feed, not the channel's web page?"""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if _under(host, "youtube.com"):
        q = parse_qs(parts.query)
        if path != "/feeds/videos.xml" or not (q.get("channel_id") or q.get("playlist_id")):
            return "is not the channel's public feed"
    elif host == "vimeo.com":
        if not path.endswith("/rss"):
            return "is not the channel's public feed"
    elif host == "www.dailymotion.com":
        if not path.startswith("/rss/"):
            return "is not the channel's public feed"
    return None


def channel_problem(kind: str, url: str, own_hosts: tuple[str, ...], official_host: bool) -> str | None:
    """Why this channel URL is not acceptable for this unit, or None (the URL itself is checked first by
    registry.hosts.url_problem: http(s), public host, no credentials)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for banned in NO_FEED_HOSTS:
        if _under(host, banned):
            return (f"{host} offers no public feed (reading it needs a login and its pages are often personal "
                    f"accounts); only an institution's public RSS/Atom feed can be a channel")
    if host in VIDEO_HOSTS:
        why = _feed_form_problem(host, url)
        return f"{url!r} {why}; use its feed URL, e.g. {VIDEO_HOSTS[host]}" if why else None
    if official_host:
        return None
    if kind == "feed" and any(_under(host, h) for h in own_hosts if h):
        return None
    known = ", ".join(sorted(VIDEO_HOSTS))
    where = "a known video host (" + known + ")" + (" or one of the unit's own hosts" if kind == "feed" else "")
    return (f"host {host} is not {where}; if it is the institution's own official channel host, say so with "
            f"official_host = true (and record the evidence)")
