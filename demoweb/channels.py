"""The demo web's official video channels (issue #21): a YouTube-style Atom feed for a few units, the
radio-TV station among them, with on-theme and off-theme items, and one channel whose feed is malformed.

Which units get a channel follows from the world (its seeded column profiles), so the demo shows the
cases the reports must tell apart: the station has no column but covers the plan's themes on its
channel; a unit whose column went dormant keeps covering them on its channel; a unit's channel
carries only other news; one channel's feed is broken (a health row, not a failure of the night).
The demo's registry is the shipped one plus these channels ([[units.channels]]), written by
`write_demo_registry`; the feeds are served under www.youtube.com through the demo proxy.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from demoweb.app import Page
from demoweb.text import NONE_TOPICS, THEME_TOPICS, body_for, title_for, unit_label
from demoweb.world import TZ, World
from nlp.urls import canonical_url

HOSTS = ("www.youtube.com", "youtube.com")
FEED_PATH = "/feeds/videos.xml"
EVIDENCE_URL = "https://daklak.gov.vn/"
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class DemoItem:
    video_id: str
    title: str
    description: str
    published: dt.datetime            # aware, local time (UTC+07:00)
    themes: tuple[str, ...]

    @property
    def url(self) -> str:
        return f"https://www.youtube.com/watch?v={self.video_id}"


@dataclass(frozen=True)
class DemoChannel:
    unit_id: str
    role: str                         # on-theme | off-theme | malformed
    name: str
    channel_id: str                   # YouTube's UC... id
    items: tuple[DemoItem, ...]

    @property
    def url(self) -> str:
        return f"https://www.youtube.com{FEED_PATH}?channel_id={self.channel_id}"

    @property
    def malformed(self) -> bool:
        return self.role == "malformed"


def _yt_id(seed: str, n: int) -> str:
    h = hashlib.sha256(seed.encode()).digest()
    return "".join(_B64[b % 64] for b in h[:n])


def _pick(world: World, profile: str, taken: set[str]) -> str | None:
    for host in sorted(world.sites, key=lambda h: world.sites[h].unit_id):
        s = world.sites[host]
        if s.profile == profile and not s.unreachable and s.unit_id not in taken:
            return s.unit_id
    return None


# (role, on-theme items, off-theme items) per channel; night-2 news on the station's channel
ROLES = {"station": ("on-theme", 5, 3), "dormant": ("on-theme", 3, 2), "silent": ("off-theme", 0, 4),
         "malformed": ("malformed", 2, 1)}
NIGHT2 = dt.date(2022, 12, 31)


def _items(world: World, unit_id: str, n_theme: int, n_other: int, extra_night2: bool) -> tuple[DemoItem, ...]:
    u = world.registry.unit(unit_id)
    rng = random.Random(f"{world.seed}:channel:{unit_id}")
    themes = sorted(THEME_TOPICS)
    others = sorted(NONE_TOPICS)
    topics = [rng.choice(themes) for _ in range(n_theme)] + [rng.choice(others) for _ in range(n_other)]
    days = sorted(dt.date(2022, 9, 5) + dt.timedelta(days=rng.randint(0, 110)) for _ in topics)
    rng.shuffle(topics)
    plan = list(zip(days, topics, strict=True))
    if extra_night2:
        plan.append((NIGHT2, rng.choice(themes)))
    out = []
    label = unit_label(u.short_name, u.kind)
    for k, (day, topic) in enumerate(plan):
        when = dt.datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.choice((0, 15, 30, 45)), tzinfo=TZ)
        title, slots = title_for(rng, [topic], label, day.year, f"{day.day}/{day.month}")
        sapo, paras, _ = body_for(rng, [topic], slots)
        desc = " ".join([sapo, *paras[:2]])
        out.append(DemoItem(_yt_id(f"{world.seed}:{unit_id}:{k}", 11), title, desc, when,
                            (topic,) if topic in THEME_TOPICS else ()))
    return tuple(sorted(out, key=lambda i: (i.published, i.video_id), reverse=True))


def demo_channels(world: World) -> list[DemoChannel]:
    """The demo's channels for this world: the radio-TV station, a unit with a dormant column, a unit
    that publishes nothing on the themes, and a unit whose channel feed is malformed."""
    taken = {"dai-ptth"}
    picks = [("dai-ptth", "station")]
    for profile, role in (("dormant", "dormant"), ("missing-silent", "silent"), ("active", "malformed")):
        uid = _pick(world, profile, taken)
        if uid:
            taken.add(uid)
            picks.append((uid, role))
    out = []
    for uid, key in picks:
        role, n_theme, n_other = ROLES[key]
        u = world.registry.unit(uid)
        out.append(DemoChannel(uid, role, f"{u.short_name} - kênh video", "UC" + _yt_id(f"{world.seed}:{uid}", 22),
                               _items(world, uid, n_theme, n_other, extra_night2=key == "station")))
    return out


def write_demo_registry(out: str | Path, world: World, source: str | Path) -> Path:
    """The shipped registry (`source`) with the demo channels added to their units ([[units.channels]])."""
    text = Path(source).read_text(encoding="utf-8")
    for ch in demo_channels(world):
        start = text.index(f'unit_id = "{ch.unit_id}"')
        end = text.find("\n[[units]]", start)
        end = len(text) if end < 0 else end
        table = ("\n[[units.channels]]\n"
                 f'kind = "video-channel"\nname = "{ch.name}"\nurl = "{ch.url}"\nverified = true\n'
                 f'evidence = [{{ url = "{EVIDENCE_URL}", seen_on = 2022-12-01, note = "demo web: linked from the '
                 f'provincial portal (fictitious)" }}]\nnote = "demo channel ({ch.role})"\n')
        text = text[:end].rstrip("\n") + "\n" + table + text[end:]
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def _iso_utc(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


def render_feed(ch: DemoChannel, items: list[DemoItem]) -> str:
    """A YouTube channel feed (Atom, media RSS), or for the malformed channel a broken one."""
    if ch.malformed:  # unescaped '&', a tag left open, the document cut off mid-entry
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
                f"<title>{ch.name} & bản tin</title>\n<entry><id>yt:video:{items[0].video_id if items else 'x'}"
                "<title>Bản tin <b>thời sự</title>\n<link rel=\"alternate\" href=")
    entries = []
    for it in items:
        entries.append(
            f" <entry>\n  <id>yt:video:{it.video_id}</id>\n  <yt:videoId>{it.video_id}</yt:videoId>\n"
            f"  <yt:channelId>{ch.channel_id}</yt:channelId>\n  <title>{escape(it.title)}</title>\n"
            f"  <link rel=\"alternate\" href={quoteattr(it.url)}/>\n"
            f"  <author>\n   <name>{escape(ch.name)}</name>\n   <uri>https://www.youtube.com/channel/{ch.channel_id}</uri>\n  </author>\n"
            f"  <published>{_iso_utc(it.published)}</published>\n  <updated>{_iso_utc(it.published)}</updated>\n"
            f"  <media:group>\n   <media:title>{escape(it.title)}</media:title>\n"
            f"   <media:content url=\"https://www.youtube.com/v/{it.video_id}?version=3\" type=\"application/x-shockwave-flash\" width=\"640\" height=\"390\"/>\n"
            f"   <media:thumbnail url=\"https://i1.ytimg.com/vi/{it.video_id}/hqdefault.jpg\" width=\"480\" height=\"360\"/>\n"
            f"   <media:description>{escape(it.description)}</media:description>\n  </media:group>\n </entry>\n")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/" '
            'xmlns="http://www.w3.org/2005/Atom">\n'
            f' <link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id={ch.channel_id}"/>\n'
            f" <id>yt:channel:{ch.channel_id[2:]}</id>\n <yt:channelId>{ch.channel_id[2:]}</yt:channelId>\n"
            f" <title>{escape(ch.name)}</title>\n"
            f' <link rel="alternate" href="https://www.youtube.com/channel/{ch.channel_id}"/>\n'
            + "".join(entries) + "</feed>\n")


ROBOTS = "User-agent: *\nDisallow: /results\nDisallow: /comment\nAllow: /feeds/\n"


class ChannelWeb:
    """The channel host's pages for one world: robots.txt and one feed per demo channel."""

    def __init__(self, world: World):
        self.channels = {ch.channel_id: ch for ch in demo_channels(world)}

    @staticmethod
    def serves(host: str) -> bool:
        return host.lower().rstrip(".") in HOSTS

    def visible(self, ch: DemoChannel, as_of: dt.date) -> list[DemoItem]:
        return [i for i in ch.items if i.published.date() <= as_of]

    def get(self, target: str, as_of: dt.date) -> Page:
        """The page of a request to the channel host (robots.txt, a channel's feed, else 404)."""
        parts = urlsplit(target)
        path, query = parts.path or "/", parse_qs(parts.query)
        if path == "/robots.txt":
            return Page(200, "text/plain; charset=utf-8", ROBOTS.encode())
        ch = self.channels.get((query.get("channel_id") or [""])[0]) if path == FEED_PATH else None
        if ch is None:
            return Page(404, "text/html; charset=utf-8", b"<html><body>404 Not Found</body></html>")
        items = self.visible(ch, as_of)
        newest = items[0].published if items else dt.datetime(2022, 1, 1, tzinfo=TZ)
        return Page(200, "application/atom+xml; charset=UTF-8", render_feed(ch, items).encode("utf-8"), newest)


def channels_truth(world: World, as_of: dt.date) -> list[dict]:
    """The truth's `channels`: each demo channel, its feed URL and the items a perfect reader stores
    (none of the malformed feed: nothing in it can be read as an item)."""
    web = ChannelWeb(world)
    out = []
    for ch in web.channels.values():
        items = [] if ch.malformed else web.visible(ch, as_of)
        out.append({"unit_id": ch.unit_id, "kind": "video-channel", "name": ch.name, "url": ch.url, "role": ch.role,
                    "fault": "malformed-feed" if ch.malformed else None,
                    "items": [{"url": canonical_url(i.url), "title": i.title, "published_at": i.published.isoformat(),
                               "themes": list(i.themes)} for i in items]})
    return out
