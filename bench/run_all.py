"""`make bench`: run every bench/bench_*.py in turn, each in its own process, and list the results."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    failed = []
    t0 = time.monotonic()
    for s in scripts:
        print(f"== {s.name}", flush=True)
        t = time.monotonic()
        r = subprocess.run([sys.executable, "-m", f"bench.{s.stem}"], cwd=HERE.parent)
        print(f"== {s.name}: exit {r.returncode} in {time.monotonic() - t:.0f} s", flush=True)
        if r.returncode:
            failed.append(s.name)
    print(f"\nall benches done in {time.monotonic() - t0:.0f} s; results in {HERE / 'results'}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
