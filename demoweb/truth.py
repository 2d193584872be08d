"""The ground truth: what a perfect monitor of the demo web would find on a given night.

The shape is a contract read by other tools (issue 3, item 6); keys beyond it are additions.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from demoweb.channels import channels_truth
from demoweb.world import DEFAULT_AS_OF, DORMANT_DAYS, Site, World, build_world
from nlp.urls import canonical_url


def parse_as_of(as_of: str | dt.date | None) -> dt.date:
    if as_of is None:
        return DEFAULT_AS_OF
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    return dt.date.fromisoformat(str(as_of))


def column_url(site: Site) -> str | None:
    col = site.column
    return canonical_url(f"https://{site.host}{site.category_path(col.slug)}") if col else None


def truth_of(world: World, as_of: dt.date, dormant_days: int = DORMANT_DAYS) -> dict:
    """Truth for an already built world (the server and build_truth share it)."""
    units = []
    articles = []
    for u in world.registry.units:
        site = world.site_of_unit(u.unit_id)
        entry: dict = {"unit_id": u.unit_id, "site": u.site.url if u.site else None, "column": None}
        # what no crawler can see: a site down every night, a robots.txt refusing everything, no site
        unreachable = site.unreachable if site else "no-site"
        col = site.column if site else None
        visible_col = col is not None and col.opened is not None and col.opened <= as_of and not unreachable
        if visible_col:
            entry["column"] = {"url": column_url(site), "name": col.name,  # type: ignore[arg-type, union-attr]
                               "href": site.category_path(col.slug)}  # type: ignore[union-attr]
        if not world.plan.requires_column(u.unit_id, u.kind) or not u.active_on(as_of):
            status = "not_required"
        elif unreachable:
            status = "unreachable"
        elif not visible_col:
            status = "missing"
        else:
            dates = [a.published.date() for a in site.articles  # type: ignore[union-attr]
                     if a.category == col.slug and a.published.date() <= as_of]  # type: ignore[union-attr]
            newest = max(dates) if dates else col.opened  # type: ignore[union-attr]
            status = "dormant" if (as_of - newest).days > dormant_days else "active"  # type: ignore[operator]
        entry["column_status"] = status
        entry["unreachable"] = unreachable
        if visible_col:
            entry["column"]["opened"] = col.opened.isoformat()  # type: ignore[union-attr]
        if site:
            entry.update({"host": site.host, "family": site.family, "profile": site.profile,
                          "feed": f"https://{site.host}{site.feed_path}" if site.feed_path else None,
                          "sitemap": f"https://{site.host}{site.sitemap_path}" if site.sitemap_path else None})
        units.append(entry)
        if not site or site.unreachable == "site-down":  # a perfect monitor sees nothing of a dead site
            continue
        curl = column_url(site)
        for a in site.articles:
            if a.published.date() > as_of:
                continue
            in_col = col is not None and a.category == col.slug
            articles.append({"url": a.url, "unit_id": a.unit_id, "published_at": a.published.isoformat(),
                             "themes": list(a.themes), "repost_of": a.repost_of, "robots_allowed": a.robots_allowed,
                             "column_url": curl if in_col else None, "title": a.title, "category": a.category,
                             "fault": a.fault,
                             # a document published as a page (its body a link to the PDF): a publication
                             "document": a.fault == "empty-body-pdf"})
    articles.sort(key=lambda r: (r["published_at"], r["url"]))
    faults = [dict(f) for f in world.faults]
    return {"seed": world.seed, "scale": world.scale, "as_of": as_of.isoformat(), "units": units,
            "articles": articles, "faults": faults, "channels": channels_truth(world, as_of)}


def build_truth(scale: int = 1, seed: int = 7, as_of: str | dt.date | None = None,
                registry_path: str | Path | None = None, plan_path: str | Path | None = None,
                dormant_days: int = DORMANT_DAYS) -> dict:
    """Ground truth for this seed, scale and night (default as_of: 2022-12-30)."""
    world = build_world(scale, seed, registry_path, plan_path)
    return truth_of(world, parse_as_of(as_of), dormant_days)
