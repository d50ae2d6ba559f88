"""What the benchmark scripts share: paths, timing, summaries, machine facts, output.

Importing it puts the project root on ``sys.path`` (the scripts run as
``python benchmarks/<script>.py``, which puts only ``benchmarks/`` there).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def timed(fn: Callable[[], Any]) -> float:
    """Wall time of ``fn()`` in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def summary(samples: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "samples": samples,
    }


def p95(samples: list[float]) -> float:
    """The 95th percentile, interpolated between the samples (one sample: itself)."""
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def machine(libraries: Iterable[str] = ("rdflib", "pyshacl", "pyoxigraph")) -> dict[str, Any]:
    """Python, platform, CPUs, git commit and the versions of ``libraries``."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            out = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return out.stdout.strip() if out.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    facts: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu,
        "git_commit": commit or None,
        "git_dirty": bool(git("status", "--porcelain")) if commit else None,
    }
    for name in libraries:
        facts[name] = metadata.version(name)
    return facts


def machine_line(facts: dict[str, Any]) -> str:
    """CPU, CPU count, Python and commit, for the head of a Markdown report."""
    return (
        f"{facts['cpu_model'] or 'unknown CPU'}, {facts['nproc']} CPUs, Python {facts['python']}, "
        f"commit {(facts['git_commit'] or 'unknown')[:12]}{' (dirty)' if facts['git_dirty'] else ''}"
    )


def write_results(folder: Path, name: str, doc: dict[str, Any], text: str) -> None:
    """``<folder>/<name>.json`` (the whole document) and ``<folder>/<name>.md`` (``text``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (folder / f"{name}.md").write_text(text, encoding="utf-8")
