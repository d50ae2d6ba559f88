"""What the benchmark scripts share: paths, timing, summaries, machine facts, output.

Importing it puts the project root on ``sys.path`` (the scripts run as
``python benchmarks/<script>.py``, which puts only ``benchmarks/`` there).

Also here, so that every script does each thing one way: the plain approach every
figure is compared with (one rdflib Graph, one pySHACL call), time limits for it, the
process-tree memory sampler, and the Markdown table and number formats of the reports.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rdflib import Graph

    from gongkai.pipeline import Build

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
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) * 1024 / 1024**3, 1)
                break
    except (OSError, ValueError, IndexError):
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
        "memory_gib": memory,
        "git_commit": commit or None,
        # the benchmarks' own results do not count: a run that measures several sizes
        # has written the first size's files when it describes the machine again
        "git_dirty": bool(git("status", "--porcelain", "--", ".", ":(exclude)benchmarks/results")) if commit else None,
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


def write_json(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    """``<folder>/<name>.json``, the whole document."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def write_results(folder: Path, name: str, doc: dict[str, Any], text: str) -> None:
    """``<folder>/<name>.json`` (the whole document) and ``<folder>/<name>.md`` (``text``)."""
    write_json(folder, name, doc)
    (folder / f"{name}.md").write_text(text, encoding="utf-8")


def subprocess_env() -> dict[str, str]:
    """This environment with the project root on PYTHONPATH, for benchmark subprocesses."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


# ---------------------------------------------------------------- Markdown reports


def table(header: Sequence[str], align: str, rows: Iterable[Sequence[str]]) -> list[str]:
    """The lines of a Markdown table; ``align`` has one letter per column: l, r or c."""
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def fmt_s(value: float) -> str:
    """Seconds, as milliseconds below 0.1 s."""
    return f"{value * 1000:.2f} ms" if value < 0.1 else f"{value:.3f} s"


def fmt_ms(value: float | None) -> str:
    """Milliseconds with three significant digits or so; — for none."""
    return "—" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def fmt_ratio(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}x"


# ---------------------------------------------------------------- the plain approach


def union_graph(build: Build, *, drain: bool = False) -> Graph:
    """The catalog graphs and the vocabulary in one in-memory rdflib Graph.

    ``drain`` empties ``build.graphs`` while copying, so that at scale the plain approach
    holds each triple once and not twice (its peak memory is one of the figures).
    """
    from rdflib import Graph

    graph = Graph()
    if drain:
        while build.graphs:
            graph += build.graphs.popitem()[1]
    else:
        for catalog in build.graphs.values():
            graph += catalog
    graph += build.vocabulary.graph
    return graph


def plain_validate(graph: Graph) -> tuple[bool, Graph]:
    """One pySHACL call over the whole graph with the project's shapes, no inference."""
    import pyshacl

    from gongkai.validate import load_shapes

    conforms, report, _text = pyshacl.validate(
        data_graph=graph, shacl_graph=load_shapes(), inference="none"
    )
    return conforms, report


class TimeLimit(BaseException):  # noqa: N818 - it is a signal, not an error of the code
    """Raised inside a :func:`time_limit` block when its time is up.

    A BaseException (like KeyboardInterrupt) so that no ``except Exception`` inside
    rdflib or pySHACL can swallow it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"did not finish within {seconds:g} s")
        self.seconds = seconds


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimeLimit` in the block after ``seconds`` (None: no limit).

    SIGALRM, so main thread only; it interrupts pure-Python work (rdflib, pySHACL)
    between two bytecodes, which is where the plain approach spends its time.
    """
    if seconds is None:
        yield
        return
    if seconds <= 0:
        raise TimeLimit(0)

    def expire(_signum: int, _frame: object) -> None:
        raise TimeLimit(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- memory of a process tree

GIB = 1024**3
TIMELINE_POINTS = 200  # the memory timeline kept in the results, however long the run


class TreeSampler:
    """Peak memory of a process and all its descendants, sampled every ``interval`` s.

    The build forks worker processes, so the RSS of the root process alone would miss
    most of its memory. Summed RSS counts pages shared by forked processes once per
    process (an upper bound); summed PSS splits them between the sharers (the fair
    figure, but read from /proc/<pid>/smaps_rollup, which costs more): PSS is dropped
    for the rest of the run, and its peak not reported, when its samples take more than
    a quarter of the interval on average.
    Needs psutil (the ``bench`` extra).
    """

    def __init__(
        self,
        pid: int,
        interval: float = 0.2,
        limit_bytes: int | None = None,
        pss: bool = True,
    ) -> None:
        import psutil

        self._psutil = psutil
        self.root = psutil.Process(pid)
        self.interval = interval
        self.limit_bytes = limit_bytes
        self.pss = pss
        self.pss_dropped_after: int | None = None
        self.peak_rss = 0
        self.peak_pss: int | None = 0 if pss else None
        self.peak_processes = 0
        self.peak_single_rss = 0
        self.samples = 0
        self.sample_cost_s = 0.0
        self.over_limit: int | None = None  # the summed RSS that went over limit_bytes
        self._width = 1.0  # seconds per timeline bucket, doubled to keep TIMELINE_POINTS
        self._timeline: list[tuple[int, int]] = []  # (bucket, peak summed RSS in it)
        self._start = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.sample():
                return
            self._stop.wait(self.interval)

    def sample(self) -> bool:
        """One sample of the tree; False once the root process is gone."""
        psutil = self._psutil
        began = time.perf_counter()
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return False
        rss = pss = count = 0
        for process in processes:
            try:
                if self.pss:
                    info = process.memory_full_info()
                    pss += info.pss
                else:
                    info = process.memory_info()
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
            rss += info.rss
            count += 1
            self.peak_single_rss = max(self.peak_single_rss, info.rss)
        if not count:
            return False
        cost = time.perf_counter() - began
        self.samples += 1
        self.sample_cost_s += cost
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_processes = max(self.peak_processes, count)
        if self.pss:
            self.peak_pss = max(self.peak_pss or 0, pss)
            if self.samples >= 5 and self.sample_cost_s / self.samples > self.interval / 4:
                self.pss, self.pss_dropped_after = False, self.samples
        if self.limit_bytes is not None and rss > self.limit_bytes and self.over_limit is None:
            self.over_limit = rss
        self._record(began - self._start, rss)
        return True

    def _record(self, at: float, rss: int) -> None:
        bucket = int(at // self._width)
        if self._timeline and self._timeline[-1][0] == bucket:
            self._timeline[-1] = (bucket, max(self._timeline[-1][1], rss))
            return
        self._timeline.append((bucket, rss))
        if len(self._timeline) > TIMELINE_POINTS:
            self._width *= 2
            merged: dict[int, int] = {}
            for old, value in self._timeline:
                merged[old // 2] = max(merged.get(old // 2, 0), value)
            self._timeline = sorted(merged.items())

    def result(self) -> dict[str, Any]:
        return {
            "peak_rss_bytes": self.peak_rss,
            "peak_rss_gib": self.peak_rss / GIB,
            # a peak over only part of the run is no peak: None when PSS was dropped
            "peak_pss_bytes": self.peak_pss if self.pss else None,
            "peak_pss_gib": self.peak_pss / GIB if self.pss and self.peak_pss is not None else None,
            "pss_sampled": self.pss,
            "pss_dropped_after_samples": self.pss_dropped_after,
            "peak_single_process_rss_bytes": self.peak_single_rss,
            "peak_processes": self.peak_processes,
            "samples": self.samples,
            "interval_s": self.interval,
            "mean_sample_cost_ms": 1000 * self.sample_cost_s / self.samples if self.samples else None,
            "timeline": {
                "bucket_s": self._width,
                "peak_rss_gib": [round(v / GIB, 4) for _, v in self._timeline],
                "bucket": [b for b, _ in self._timeline],
            },
        }


def run_measured(
    args: Sequence[str],
    *,
    cap_s: float | None = None,
    mem_cap_bytes: int | None = None,
    on_line: Callable[[str], None] | None = None,
    watchdog: Callable[[], str | None] | None = None,
    interval: float = 0.2,
) -> dict[str, Any]:
    """Run ``args`` (a fresh process in its own session) and measure it.

    Returns the wall time, the exit code, stdout, the tail of stderr, the process
    tree's memory (:class:`TreeSampler`), and from ``wait4`` ``ru_maxrss`` (the largest
    single process among the root and the children it waited for, in KiB) and the CPU
    time (user, system) of them all. The whole
    tree is killed when it runs past ``cap_s`` seconds, over ``mem_cap_bytes`` of summed
    RSS, or when ``watchdog()`` returns a reason; ``killed`` then says why. ``on_line``
    sees every stdout line as it comes (stdout is kept whole: the commands measured
    here print little; stderr keeps its last 200 lines).
    """
    stdout: list[str] = []
    stderr: list[str] = []
    start = time.perf_counter()
    process = subprocess.Popen(
        list(args), cwd=ROOT, env=subprocess_env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
        start_new_session=True,  # one process group: the workers are killed with it
    )

    def read_out() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            stdout.append(line)
            if on_line is not None:
                on_line(line.rstrip("\n"))

    def read_err() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            stderr.append(line)
            del stderr[:-200]

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    for reader in readers:
        reader.start()
    killed: str | None = None
    with TreeSampler(process.pid, interval, mem_cap_bytes) as sampler:
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            reason = None
            if cap_s is not None and time.perf_counter() - start > cap_s:
                reason = f"did not finish within {cap_s:g} s (killed)"
            elif sampler.over_limit is not None:
                reason = (f"went over the memory cap of {mem_cap_bytes / GIB:g} GiB "
                          f"(summed RSS {sampler.over_limit / GIB:.2f} GiB; killed)")
            elif watchdog is not None:
                reason = watchdog()
            if reason and killed is None:
                killed = reason
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            time.sleep(0.02)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(30)
    return {
        "args": [str(a) for a in args],
        "wall_s": wall,
        "returncode": process.returncode,
        "killed": killed,
        "stdout": "".join(stdout),
        "stderr_tail": "".join(stderr)[-20000:],
        "memory": sampler.result(),
        "ru_maxrss_bytes": usage.ru_maxrss * 1024,  # Linux reports KiB
        # CPU of the process and of the children it waited for (a pool's workers): over
        # the wall time, how many cores the run kept busy on average
        "cpu_user_s": usage.ru_utime,
        "cpu_sys_s": usage.ru_stime,
    }


def set_address_space_cap(limit_bytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS): allocations past it raise MemoryError.

    The backstop behind the sampler's RSS cap, for a baseline that would otherwise take
    the machine's memory faster than it is sampled.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, hard))
