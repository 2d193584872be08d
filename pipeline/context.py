"""What every command needs: the config, the plan, the registry and the database path."""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from registry import Plan, Registry, check_registry_plan, load_plan, load_units
from registry.config import Config, load_config


def add_common(p: argparse.ArgumentParser, db: bool = True, writer: bool = False) -> None:
    """The options every command shares; `writer` adds --wait (commands that write the warehouse)."""
    p.add_argument("--config", metavar="PATH", help="config file (default: chuyenmuc.toml at the repo root, or $CHUYENMUC_CONFIG)")
    if db:
        p.add_argument("--db", metavar="PATH",
                       help="the published DuckDB warehouse analysts open (default: $CHUYENMUC_DB or data/chuyenmuc.duckdb)"
                       + ("; the job writes <name>.work.duckdb beside it and publishes at the end" if writer else ""))
    if writer:
        from pipeline.publish import add_wait_option
        add_wait_option(p)
    p.add_argument("--plan", metavar="PATH", help="plan file (default: from config)")
    p.add_argument("--units-file", metavar="PATH", help="unit registry file (default: from config)")


@dataclass
class Context:
    args: argparse.Namespace

    @cached_property
    def config(self) -> Config:
        return load_config(getattr(self.args, "config", None))

    @property
    def db_path(self) -> Path:
        db = getattr(self.args, "db", None)
        return Path(db) if db else self.config.db_path

    def writer(self, command: str):
        """The writer's session on this --db (lock, working database, publish): see pipeline.publish."""
        from pipeline.publish import WriterSession
        return WriterSession(self.db_path, command, getattr(self.args, "wait", None))

    @cached_property
    def plan(self) -> Plan:
        p = getattr(self.args, "plan", None)
        return load_plan(p or self.config.path("plan"))

    @cached_property
    def registry(self) -> Registry:
        p = getattr(self.args, "units_file", None)
        return load_units(p or self.config.path("units"))

    def validate(self) -> None:
        """Config, plan and registry checked in full, and against each other, before anything touches the
        database: a bad file or value raises ValidationError (exit 2, naming file, entry and field).
        A plan or registry named only by a config default that does not exist is left to the commands
        that need it (a reports-only config need not point at one); one given with --plan/--units-file
        or present on disk is always checked."""
        cfg = self.config
        given = {k: getattr(self.args, a, None) for k, a in (("plan", "plan"), ("units", "units_file"))}
        wanted = {k: bool(v) or cfg.path(k).is_file() for k, v in given.items()}
        plan = self.plan if wanted["plan"] else None
        reg = self.registry if wanted["units"] else None
        if plan is not None and reg is not None:
            check_registry_plan(reg, plan)
