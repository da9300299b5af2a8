"""`make bench`: every benchmarks/bench_*.py and the config fuzz, each figure beside its aim,
results as JSON.

A benchmark module's `main()` prints its figures and returns them as a dict (with its aims as
{"name", "value", "aim", "met"}), or None when it only prints. Timings are reported, never
asserted. The results of the run go to benchmarks/results.json (or --out FILE). The machine
is shared: figures are min / median of a few runs and still noisy.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    results: dict[str, object] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "model": harness.model(),
        "benchmarks": {},
    }
    failures = 0
    aims = []
    # the timing benchmarks, then the config fuzz as a step of its own
    for path in [*sorted(HERE.glob("bench_*.py")), HERE / "fuzz_config.py"]:
        name = path.stem.removeprefix("bench_")
        if args.names and name not in args.names:
            continue
        print(f"== {name} ==", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        started = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            figures = module.main() or {}  # the round trip and the fuzz print only
            results["benchmarks"][name] = figures  # type: ignore[index]
            aims += figures.get("aims", [])
        except Exception as exc:  # report and carry on with the other benchmarks
            failures += 1
            print(f"benchmark {name} failed: {exc!r}", flush=True)
        print(f"-- {name}: {time.perf_counter() - started:.1f} s\n", flush=True)
    print("aims:")
    for a in aims:
        print(f"  {'met   ' if a['met'] else 'MISSED'} {a['name']}: {a['value']} ({a['aim']})")
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
