"""`db init`: create or upgrade the warehouse and load the plan and units into it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from registry import Plan, Registry
from warehouse import clock, connect, migrate, refresh_views
from warehouse.dimensions import fingerprint, load_channels, load_dimensions


@dataclass
class InitResult:
    db: Path
    migrations: list[str]
    views: list[str]
    changed: dict[str, int]
    fingerprint_before: str | None
    fingerprint_after: str

    @property
    def unchanged(self) -> bool:
        return not self.migrations and self.fingerprint_before == self.fingerprint_after


def plan_rows(plan: Plan) -> dict[str, list[dict]]:
    return {
        "plan": [dict(plan_id=plan.plan_id, title=plan.title, issuer=plan.issuer, number=plan.number,
                      issued_on=plan.issued_on, report_deadline=plan.report_deadline,
                      source_file=Path(plan.source_path).name)],
        "periods": [dict(plan_id=plan.plan_id, period_id=p.period_id, title=p.title, starts_on=p.starts_on,
                         ends_on=p.ends_on) for p in plan.periods],
        "themes": [dict(theme_id=t.theme_id, plan_id=plan.plan_id, title_vi=t.title, description=t.description,
                        seed_terms=list(t.seed_terms)) for t in plan.themes],
        "period_themes": [dict(plan_id=plan.plan_id, period_id=p.period_id, theme_id=t)
                          for p in plan.periods for t in p.themes],
        "patterns": [dict(plan_id=plan.plan_id, pattern=x) for x in plan.column_patterns],
    }


def unit_rows(reg: Registry, plan: Plan) -> tuple[list[dict], list[dict]]:
    now = clock.now()
    units, sources = [], []
    for u in reg.units:
        units.append(dict(unit_id=u.unit_id, name=u.name, short_name=u.short_name, kind=u.kind,
                          parent_id=u.parent, successor_id=u.successor, valid_from=u.valid_from,
                          valid_to=u.valid_to, requires_column=plan.requires_column(u.unit_id, u.kind),
                          obligations=[o.obligation_id for o in plan.obligations_for(u.unit_id, u.kind)],
                          site_url=u.site.url if u.site else None, note=u.note, registry_id=reg.registry_id))
        for s in u.sources:
            sources.append(dict(source_id=s.source_id, unit_id=u.unit_id, kind=s.kind, url=s.url,
                                verified=s.verified, origin="registry", name=s.name or None,
                                first_seen=now, last_seen=None))
    return units, sources


def channel_rows(reg: Registry) -> list[dict]:
    """The registry's official channels (issue #21) as rows of `channels`."""
    now = clock.now()
    return [dict(channel_id=c.channel_id, unit_id=u.unit_id, kind=c.kind, name=c.name, url=c.url, verified=c.verified,
                 official_host=c.official_host, registry_id=reg.registry_id, first_seen=now)
            for u in reg.units for c in u.channels]


def init_db(db: Path, plan: Plan, reg: Registry) -> InitResult:
    con = connect(db)
    try:
        had_tables = bool(con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'units'").fetchone()[0])  # type: ignore[index]
        before = fingerprint(con) if had_tables else None
        applied = migrate(con)
        pr = plan_rows(plan)
        units, sources = unit_rows(reg, plan)
        changed = load_dimensions(con, pr["plan"][0], pr["periods"], pr["themes"], pr["period_themes"],
                                  pr["patterns"], units, sources)
        changed["channels"] = load_channels(con, channel_rows(reg))
        views = refresh_views(con)
        after = fingerprint(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return InitResult(db, applied, views, changed, before, after)
