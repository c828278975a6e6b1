"""Timing shared by the benches: runs taken in turn, and their percentiles in milliseconds."""

import statistics
import time
from collections.abc import Callable


def in_turn(sides: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Each side run `repeat` times, the sides in turn, so that all see the same moments of a shared
    machine's load; the milliseconds of each run, per side."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeat):
        for name, run in sides.items():
            began = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - began) * 1000)
    return times


def percentiles(values: list[float]) -> dict:
    """p50, p99 (of 20 runs, the slowest) and the maximum of milliseconds."""
    values = sorted(values)
    p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
    return {
        "p50_ms": round(statistics.median(values), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(values[-1], 2),
    }


def parse_parts(parser, raw: str, allowed) -> list[str]:
    """The comma-separated parts asked for, each once, in order; a parser error naming the choices."""
    parts = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not parts or set(parts) - set(allowed):
        parser.error(f"--parts: choose from {', '.join(allowed)}")
    return parts
