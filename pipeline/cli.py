"""`chuyenmuc`: one command, one subcommand per job. Each subcommand lives in pipeline/commands/."""
from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from pipeline import exitcodes
from pipeline.lock import LockHeld
from pipeline.publish import StorageError, explain_storage
from registry.errors import ValidationError
from warehouse.db import WarehouseError
from warehouse.publish import PublishError


def command_modules() -> list[str]:
    """Every module in pipeline/commands/ is a subcommand group; ORDER (default 50) sorts --help."""
    import pipeline.commands as pkg
    names = [f"pipeline.commands.{m.name}" for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")]
    mods = [importlib.import_module(n) for n in names]
    return [m.__name__ for m in sorted(mods, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chuyenmuc",
        description="Monitor the dedicated columns and plan themes of Vietnamese provincial units' websites.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in command_modules():
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    from pipeline import interrupt
    interrupt.install()  # SIGTERM like Ctrl-C: exit 130, runs marked interrupted, children stopped
    if not args.verbose:  # records marked quiet (Scrapy's start-up dumps) reach the run log, not the terminal
        for h in logging.getLogger().handlers:
            h.addFilter(lambda r: not getattr(r, "quiet", False))
    try:
        if hasattr(args, "units_file"):  # a command that reads the data files: validate them all first
            from pipeline.context import Context
            Context(args).validate()
        return int(args.func(args) or 0)
    except ValidationError as e:
        print(e.render(), file=sys.stderr)
        return exitcodes.BAD_INPUT
    except WarehouseError as e:
        print(f"chuyenmuc: {e}", file=sys.stderr)
        return exitcodes.FAILED
    except LockHeld as e:
        print(f"chuyenmuc {args.command}: {e}", file=sys.stderr)
        return exitcodes.LOCKED
    except (StorageError, PublishError) as e:
        print(f"chuyenmuc {args.command}: {e}", file=sys.stderr)
        return exitcodes.FAILED
    except Exception as e:  # a full disk or a read-only folder met anywhere: say so, no traceback
        why = explain_storage(e, getattr(args, "db", None) or "the database")
        if why is None:
            raise
        print(f"chuyenmuc {args.command}: {why}", file=sys.stderr)
        return exitcodes.FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return exitcodes.INTERRUPTED
    except BrokenPipeError:
        return exitcodes.OK


if __name__ == "__main__":
    raise SystemExit(main())
