"""The nightly job's `channels` stage (issue #21): read the registered official channels of the
selected units into the working database. The reading itself is crawlers.channels."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from crawlers.channels import ChannelSource, FetchSettings, read_channels
from registry import Registry
from registry.config import Config
from warehouse import connect


def channel_sources(reg: Registry, unit_ids: list[str] | None = None) -> list[ChannelSource]:
    """The registry's channels (of these units, or all), in registry order."""
    wanted = set(unit_ids) if unit_ids else None
    return [ChannelSource(c.channel_id, u.unit_id, c.kind, c.name, c.url)
            for u in reg.units if wanted is None or u.unit_id in wanted for c in u.channels]


def fetch_settings(cfg: Config, proxy: str | None = None) -> FetchSettings:
    """The site crawl's proxy, user agent, timeout, retries and size cap, from the typed config."""
    return FetchSettings.from_crawl(cfg.section("crawl"), proxy)


def run_channels(db: str | Path, reg: Registry, cfg: Config, unit_ids: list[str] | None = None,
                 proxy: str | None = None, run_id: int | None = None, refetch: bool = False) -> dict[str, Any]:
    """Read every registered channel once (conditionally); returns counts."""
    chans = channel_sources(reg, unit_ids)
    if not chans:
        return {"channels": 0}
    con = connect(db)
    try:
        return read_channels(con, chans, fetch_settings(cfg, proxy), run_id=run_id, refetch=refetch)
    finally:
        con.close()
