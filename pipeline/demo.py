"""`make demo`: the main job on the bundled offline demo. Grows with the pipeline."""
from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli import main as cli_main

DEMO_DB = Path("data/demo.duckdb")


def main() -> int:
    rc = cli_main(["db", "init", "--db", str(DEMO_DB)])
    if rc:
        return rc
    import duckdb
    con = duckdb.connect(str(DEMO_DB), read_only=True)
    print("\nUnits in the registry, by kind (computed from the database):")
    for kind, n, req in con.execute("SELECT kind, count(*), count(*) FILTER (WHERE requires_column) "
                                    "FROM units GROUP BY kind ORDER BY kind").fetchall():
        print(f"  {kind:16} {n:3} units, {req:3} required to open a dedicated column")
    return 0


if __name__ == "__main__":
    sys.exit(main())
