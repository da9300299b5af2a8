"""`make bench`: run every benchmarks/bench_*.py and the config fuzz; print their figures.

Each benchmark module has a `main() -> None` that prints its own figures. Timings are
reported, never asserted: targets are compared and printed as met / missed.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    failures = 0
    # the timing benchmarks, then the config fuzz as a step of its own
    for path in [*sorted(HERE.glob("bench_*.py")), HERE / "fuzz_config.py"]:
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"== {name} ==", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        started = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            module.main()
        except Exception as exc:  # report and carry on with the other benchmarks
            failures += 1
            print(f"benchmark {name} failed: {exc!r}", flush=True)
        print(f"-- {name}: {time.perf_counter() - started:.1f} s\n", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
