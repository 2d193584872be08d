"""The common ground of the typed file models (pydantic v2): strict types, no unknown keys, and every
pydantic error turned into a ValidationError that names file, entry and field.

Each data file (chuyenmuc.toml, plans/*.toml, units/*.toml) is one model class; field types and
ranges live in the model, cross-entry rules (unique ids, cycles) in its validators, which report
through `fail()` so that they, too, name the entry and field.
"""
from __future__ import annotations

import datetime as dt
import types
from typing import Annotated, Any, Union, get_args, get_origin

import pydantic
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from registry.errors import ValidationError

ID_KEYS = ("unit_id", "period_id", "id")  # shown beside a list index: "units[5] (unit_id=so-y-te)"
_CUSTOM = "chuyenmuc"


def fail(*items: tuple[str | None, str, str]) -> PydanticCustomError:
    """An error for a validator to raise: (entry, field, message) each. The entry is None for the table
    being validated, a name below it ("sources[0]") in a nested table, the full name in the file's model."""
    return PydanticCustomError(_CUSTOM, "{summary}", {"summary": "; ".join(m for _, _, m in items), "items": list(items)})


class FileModel(BaseModel):
    """Strict: a string is not a number, a number not a boolean, and a key the model does not know is an
    error listing the keys it does know (a misspelt key is never silently ignored)."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, populate_by_name=False,
                              validate_default=True)


def _strip(t: Any) -> Any:
    """The type inside Annotated[...] and Optional[...]."""
    while True:
        o = get_origin(t)
        if o is Annotated:
            t = get_args(t)[0]
        elif o in (Union, types.UnionType) and len([a for a in get_args(t) if a is not type(None)]) == 1:
            t = next(a for a in get_args(t) if a is not type(None))
        else:
            return t


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class of the table at `loc` (to list the keys it allows)."""
    t: Any = model
    for step in loc:
        t = _strip(t)
        o = get_origin(t)
        if o is list and isinstance(step, int):
            t = get_args(t)[0]
        elif o is dict:
            t = get_args(t)[1]
        elif isinstance(t, type) and issubclass(t, BaseModel):
            f = next((f for n, f in t.model_fields.items() if (f.alias or n) == step), None)
            if f is None:
                return None
            t = f.annotation
        else:
            return None
    t = _strip(t)
    return t if isinstance(t, type) and issubclass(t, BaseModel) else None


def allowed_keys(model: type[BaseModel]) -> list[str]:
    return sorted(f.alias or n for n, f in model.model_fields.items())


def _to_date(v: Any) -> Any:
    """TOML dates (2021-05-23) and ISO date strings; a datetime counts as its day; anything else is an error."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            pass
    raise PydanticCustomError("bad_date", "bad date {value} (expected YYYY-MM-DD)", {"value": _show(v)})


def _non_empty(v: str) -> str:
    if not v.strip():
        raise PydanticCustomError("empty", "must be a non-empty string, got {value}", {"value": repr(v)})
    return v


def one_of(allowed: tuple[str, ...], what: str = "kind"):  # noqa: ANN201 - an annotated type factory
    """A string that must be one of `allowed`; the error lists them."""
    def check(v: str) -> str:
        if v not in allowed:
            raise PydanticCustomError("unknown", "unknown {what} {value}; one of {allowed}",
                                      {"what": what, "value": repr(v), "allowed": ", ".join(allowed)})
        return v
    return Annotated[str, AfterValidator(check)]


Day = Annotated[dt.date, BeforeValidator(_to_date)]
Text = Annotated[str, AfterValidator(_non_empty)]


def _show(v: Any, limit: int = 80) -> str:
    r = repr(v)
    return r if len(r) <= limit else r[: limit - 3] + "..."


_KIND = {"string_type": "a string", "int_type": "an integer", "float_type": "a number", "bool_type": "true or false",
         "list_type": "a list", "dict_type": "a table", "model_type": "a table"}


def _message(err: dict) -> str:
    t = err["type"]
    if t == "missing":
        return "missing"
    if t in _KIND:
        return f"must be {_KIND[t]}, got {_show(err.get('input'))}"
    msg = err["msg"]
    if t.startswith(("greater", "less", "too_short", "too_long", "literal", "finite")) or t.endswith("_parsing"):
        return f"{msg[0].lower()}{msg[1:]}, got {_show(err.get('input'))}"
    return msg


def _entry(data: Any, loc: tuple, top: str, bracket_tables: bool) -> str:
    """A readable name for the table at `loc` inside `data`: 'units[3] (unit_id=h-lak) sources[0]'."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and -len(node) <= step < len(node) else None
            label = f"[{step}]"
            if isinstance(item, dict):
                key = next((k for k in ID_KEYS if isinstance(item.get(k), str)), None)
                if key:
                    label += f" ({key}={item[key]})"
            parts[-1:] = [(parts[-1] if parts else "") + label]
            node = item
        else:
            step = str(step)
            if parts and isinstance(node, dict) and not parts[-1].endswith(")") and "[" not in parts[-1]:
                parts[-1] = f"{parts[-1]}.{step}"  # a table of tables: obligations.open_column
            else:
                parts.append(f"[{step}]" if bracket_tables and not parts else step)
            node = node.get(step) if isinstance(node, dict) else None
    return " ".join(parts) or top


def problems_of(err: pydantic.ValidationError, model: type[BaseModel], data: Any, top: str,
                bracket_tables: bool = False) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for e in err.errors(include_url=False):
        loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and x.startswith(("function-", "[key]"))))
        if e["type"] == _CUSTOM:
            base = _entry(data, loc, top, bracket_tables)
            for sub, field, message in e["ctx"]["items"]:
                # a nested table's validator names entries below itself; the file's own validator names them in full
                out.append((base if not sub else sub if base == top else f"{base} {sub}", field, message))
            continue
        if e["type"] == "extra_forbidden" and loc:
            table = _model_at(model, loc[:-1])
            allowed = f"; allowed keys: {', '.join(allowed_keys(table))}" if table else ""
            out.append((_entry(data, loc[:-1], top, bracket_tables), str(loc[-1]), f"unknown key {str(loc[-1])!r}{allowed}"))
            continue
        if e["type"] in ("model_type", "dict_type") and loc and not isinstance(loc[-1], str):
            out.append((_entry(data, loc, top, bracket_tables), "(table)", _message(e)))
            continue
        field = str(loc[-1]) if loc and isinstance(loc[-1], str) else "(value)"
        container = loc[:-1] if loc and isinstance(loc[-1], str) else loc
        if loc and isinstance(loc[-1], int):  # an item of a list field: name the list
            container = loc[:-1]
            while container and isinstance(container[-1], int):
                container = container[:-1]
            field = str(container[-1]) if container else "(value)"
            container = container[:-1]
        out.append((_entry(data, container, top, bracket_tables), field, _message(e)))
    return out


def validate_file(model: type[BaseModel], data: Any, path: str, top: str, context: dict | None = None,
                  bracket_tables: bool = False) -> Any:
    """`model` validated from a file's parsed TOML, or a ValidationError naming every problem."""
    try:
        return model.model_validate(data, context=context or {})
    except pydantic.ValidationError as e:
        raise ValidationError(path, problems_of(e, model, data, top, bracket_tables)) from None
