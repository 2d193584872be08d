"""Plans, unit registries and configuration: data files, loaded and validated by typed models.

This is the bottom layer: every other package may import it, it imports none of them.
"""
from registry.errors import ValidationError
from registry.plan import Period, Plan, Theme, load_plan
from registry.units import Channel, Evidence, Registry, Source, Unit, check_registry_plan, load_units

__all__ = ["ValidationError", "Plan", "Theme", "Period", "load_plan", "Unit", "Source", "Channel", "Evidence", "Registry",
           "load_units", "check_registry_plan"]
