"""Plans, unit registries and configuration: data files, loaded and validated.

This is the bottom layer: every other package may import it, it imports none of them.
"""
from registry.errors import ValidationError
from registry.plan import Period, Plan, Theme, load_plan
from registry.units import Registry, Source, Unit, load_units

__all__ = ["ValidationError", "Plan", "Theme", "Period", "load_plan", "Unit", "Source", "Registry", "load_units"]
