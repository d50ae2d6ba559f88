"""National-scale benchmark: the whole pipeline on generated corpora of N catalogs.

    python benchmarks/bench_scale.py                      # sizes 10, 300, 2850 (make bench)
    python benchmarks/bench_scale.py --sizes 10 300       # make bench BENCH_SIZES="10 300"
    python benchmarks/bench_scale.py --sizes 10 --repeat 5 --baseline-cap 2

For each size N, in one run:

1. the corpus benchmarks/corpus/N (generate_corpus.py), reused when a stamp says it
   was generated with the same arguments by the same generator;
2. our build, `gongkai build --full -q` in a fresh process: wall time, peak memory of
   the whole process tree (the build forks workers; sampled every 0.2 s), source rows/s
   (lines of the source files), triples/s (the store's quads) and, when the store's
   metadata has ``build_timings``, its SHACL validation and store load times (never
   estimated when it has not);
3. incremental builds: the same build again without --full (nothing changed), then
   with one source file changed in a copy of the corpus: wall time and the build's
   plan line, which must say exactly one catalog was rebuilt;
4. the baseline, the plain approach, in subprocesses of its own: the same parser and
   mapper into one rdflib Graph and one pySHACL call over it; then, in a fresh process,
   the store's triples in one in-memory rdflib Graph and the saved queries with rdflib's
   SPARQL engine (those that read named graphs on an rdflib Dataset, where it fits).
   Every stage is capped in time (--baseline-cap) and the tree in memory (--mem-cap); a
   stage that does not finish is recorded as such and the ratios that need it become
   lower bounds (>=);
5. the saved queries on our store, over HTTP on the real web app and on the engine
   (bench_queries.py's functions), beside the baseline's rdflib times; then /sparql
   requests/s with K clients beside one client, bounded in count and time.

Ratios are baseline / ours (times) or ours / baseline (rates): above 1 means ours is
better. Each build runs once per size (at national scale a repeat costs as much as the
run); query figures are medians and p95 over --repeat runs. Results:
benchmarks/results/scale-N.json per size (machine facts, every sample, the bars) and
benchmarks/results/scale.md (a summary across sizes with PASS/FAIL for each bar of the
issue, then one section per size), printed too; --update-readme puts the summary in
the README's Benchmarks section. The exit status is 0 whatever the bars say.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import (
    GIB,
    RESULTS,
    ROOT,
    TimeLimit,
    fmt_ms,
    fmt_ratio,
    machine,
    machine_line,
    plain_validate,
    run_measured,
    set_address_space_cap,
    table,
    time_limit,
    union_graph,
    utc_now,
    write_json,
)

SIZES = (10, 300, 2850)
CORPUS_ROOT = ROOT / "benchmarks" / "corpus"
GENERATOR = ROOT / "benchmarks" / "generate_corpus.py"
STAMP = ".bench-corpus.json"
README = ROOT / "README.md"
README_BEGIN = "<!-- bench-scale:begin -->"
README_END = "<!-- bench-scale:end -->"
EVENT = "@bench "  # prefix of the baseline subprocess's progress lines on stdout
STAGE_GRACE_S = 60.0  # the parent kills a baseline stage this long after its own limit
LIBRARIES = ("rdflib", "pyshacl", "pyoxigraph", "flask", "waitress", "psutil")

# The done-when bars of the issue "Scale", and the size each is judged at (None: all).
BARS: dict[str, dict[str, Any]] = {
    "build_validate": {"text": "build + validate under 10 min", "limit": 600.0, "at": 2850},
    "peak_rss": {"text": "peak RSS under 4 GiB", "limit": 4.0, "at": 2850},
    "query_p95": {"text": "every saved query p95 under 1 s (engine and HTTP)", "limit": 1000.0, "at": 2850},
    "compare_ratio": {"text": "compare-* queries >= 20x faster than rdflib", "limit": 20.0, "at": 2850},
    "unchanged_rebuild": {"text": "unchanged rebuild under 10 s", "limit": 10.0, "at": 300},
    "one_changed": {"text": "one changed file rebuilds only its catalog", "limit": 1, "at": None},
}


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the corpus


def _generator() -> Any:
    """benchmarks/generate_corpus.py as a module (the benchmarks folder is on sys.path)."""
    import generate_corpus

    return generate_corpus


def corpus_stamp(size: int, seed: int) -> dict[str, Any]:
    """What makes a corpus: the generator's arguments, its code, and whether the
    ``gb2260`` package (the place names) was there."""
    return {
        "size": size,
        "seed": seed,
        "places": "auto",
        "gb2260": importlib.util.find_spec("gb2260") is not None,
        "generator_sha256": hashlib.sha256(GENERATOR.read_bytes()).hexdigest(),
    }


def ensure_corpus(size: int, seed: int, root: Path = CORPUS_ROOT) -> tuple[Path, dict[str, Any]]:
    """``root/<size>``, generated unless its stamp matches (same arguments, same generator)."""
    folder = root / str(size)
    stamp = corpus_stamp(size, seed)
    try:
        found = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = None
    if found and found.get("stamp") == stamp and (folder / "sources.toml").is_file():
        return folder, {**found["generated"], "reused": True}
    progress(f"generating {size} catalogs into {folder} ...")
    generated = _generator().generate(size, folder, seed, "auto")
    (folder / STAMP).write_text(json.dumps({"stamp": stamp, "generated": generated}, indent=2), encoding="utf-8")
    return folder, {**generated, "reused": False}


def source_counts(manifest: Path) -> dict[str, int]:
    """Files, lines and bytes of the sources a manifest lists (the build's input rows)."""
    from gongkai.manifest import load_manifest

    files = lines = size = 0
    for source in load_manifest(manifest):
        data = source.path.read_bytes()
        files += 1
        size += len(data)
        lines += data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    return {"files": files, "lines": lines, "bytes": size}


def corpus_place(manifest: Path) -> str:
    """The corpus's lowest place code: the saved queries' one-place case (the queries'
    own examples name the seed places, which a generated corpus lacks)."""
    from gongkai.manifest import load_manifest

    return min(source.place_code for source in load_manifest(manifest))


# ---------------------------------------------------------------- our build

BUILT = re.compile(r"^built .*: (\d+) catalogs, (\d+) items, (\d+) triples")
REBUILT = re.compile(r"\brebuilt (\d+) catalogs?\b.*, reused (\d+) unchanged")


def gongkai_build(
    manifest: Path, store: Path, *, full: bool, cap_s: float, mem_cap_bytes: int
) -> dict[str, Any]:
    """`gongkai build` in a fresh process, measured (:func:`run_measured`), with what
    it printed and what it wrote in the store's metadata."""
    args = [sys.executable, "-m", "gongkai.cli", "build", *(["--full"] if full else []), "-q",
            "--manifest", str(manifest), "--store", str(store)]
    run = run_measured(args, cap_s=cap_s, mem_cap_bytes=mem_cap_bytes)
    lines = run["stdout"].splitlines()
    run["plan_line"] = next((x for x in lines if x.startswith("full build") or REBUILT.search(x)), None)
    built = next((BUILT.match(x) for x in lines if BUILT.match(x)), None)
    run["printed"] = (
        dict(zip(("catalogs", "items", "triples"), map(int, built.groups()), strict=True)) if built else None
    )
    run["ok"] = run["returncode"] == 0 and run["killed"] is None
    try:
        meta = json.loads((store / "gongkai-store.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    run["store"] = {key: meta.get(key) for key in (
        "catalogs", "items", "quads", "default_graph_triples", "named_graphs", "validation",
        "build_plan", "build_timings", "store_timings", "allocator",
    )}
    return run


def build_timing(timings: dict[str, Any] | None, *names: str) -> tuple[float | None, str | None]:
    """The first of ``names`` in the store's ``build_timings`` and its key (None, None
    when the build did not record it)."""
    for name in names:
        value = (timings or {}).get(name)
        if isinstance(value, int | float):
            return float(value), name
    return None, None


def measure_builds(
    corpus: Path, work: Path, *, cap_s: float, mem_cap_bytes: int
) -> dict[str, Any]:
    """Full build, unchanged rebuild, rebuild after one changed file; the store is
    ``work/store`` (kept for the queries)."""
    store = work / "store"
    manifest = corpus / "sources.toml"
    progress(f"our build: gongkai build --full ({corpus.name} catalogs) ...")
    full = gongkai_build(manifest, store, full=True, cap_s=cap_s, mem_cap_bytes=mem_cap_bytes)
    result: dict[str, Any] = {"store": str(store), "full": full}
    if not full["ok"]:
        progress(f"our build failed: {full['killed'] or full['stderr_tail'][-500:]}")
        return result
    progress(f"  {full['wall_s']:.1f} s, peak RSS {full['memory']['peak_rss_gib']:.2f} GiB")
    progress("unchanged rebuild ...")
    result["unchanged"] = gongkai_build(manifest, store, full=False, cap_s=cap_s, mem_cap_bytes=mem_cap_bytes)
    progress(f"  {result['unchanged']['wall_s']:.1f} s: {result['unchanged']['plan_line']}")

    # one file changed, in a copy: the cached corpus stays as generated
    copy = work / "corpus-changed"
    shutil.copytree(corpus / "sources", copy / "sources")
    shutil.copy2(manifest, copy / "sources.toml")
    files = sorted((copy / "sources").glob("*.txt"))
    changed = files[len(files) // 2]
    with changed.open("a", encoding="utf-8", newline="\n") as handle:
        handle.write("\n")  # a blank line: new bytes, the same catalog
    progress(f"one changed file ({changed.name}) ...")
    run = gongkai_build(copy / "sources.toml", store, full=False, cap_s=cap_s, mem_cap_bytes=mem_cap_bytes)
    match = REBUILT.search(run["plan_line"] or "")
    plan = run["store"].get("build_plan") or {}
    run["changed_file"] = changed.name
    run["rebuilt"] = int(match.group(1)) if match else None
    run["reused"] = int(match.group(2)) if match else None
    run["only_that_catalog"] = bool(
        run["ok"] and match and run["rebuilt"] == 1 and run["reused"] == len(files) - 1
        and plan.get("rebuilt") == {changed.name: "changed"}
    )
    progress(f"  {run['wall_s']:.1f} s: {run['plan_line']}")
    result["changed_one"] = run
    shutil.rmtree(copy)
    return result


# ---------------------------------------------------------------- the baseline

BUILD_STAGES = ("parse", "load", "validate")  # the build child
QUERY_STAGES = ("graph", "queries", "dataset", "named_queries")  # the queries child
# rdflib Dataset memory per quad: 3.24 GiB for the 1,903,287 quads of 300 catalogs
DATASET_BYTES_PER_QUAD = 1830


def stage_cap(stage: str, cap_s: float) -> float:
    """The time limit of a baseline stage: parsing and loading get twice the cap."""
    return 2 * cap_s if stage in ("parse", "load", "graph", "dataset") else cap_s


def emit(event: dict[str, Any]) -> None:
    print(EVENT + json.dumps(event, ensure_ascii=False), flush=True)


def baseline_child(
    manifest: Path, stage_cap_s: float, repeat: int, address_cap_bytes: int, store: Path | None = None,
    part: str = "build",
) -> int:
    """The plain approach, run by --baseline-child in a process of its own (one per
    ``part``, so that a build that filled the memory cannot starve the queries).

    ``build``: parse (gongkai's reader, parser, reconciler and mapper: build_graphs) and
    load (one rdflib Graph with the vocabulary), each under twice ``stage_cap_s``, then
    validate (one pySHACL call) under ``stage_cap_s``.

    ``queries``, over ``store``, so that rdflib answers the saved queries over the very
    triples our engine answers them over: graph (the union of its graphs as one rdflib
    Graph, bench_queries.rdflib_union_graph, under twice the cap); queries (on it, every
    saved query that reads no named graph, compare-* first as they carry a bar, each an
    equal share of the time left; each rdflib run alternates with a run of our engine
    in this process, on the store on disk -- ``paired_engine_ms`` -- so that the ratio
    the compare bar judges compares runs made in the same seconds: on a machine whose
    hypervisor steals up to half the CPU, engine runs made minutes later in another
    process were 1.5-3x slower or faster than these); dataset (the store's quads in an rdflib Dataset whose
    default graph is the union, when it would fit in the memory cap, under twice the cap);
    named_queries (on it, those reading named graphs: GRAPH ?catalog). The two query
    stages share ``stage_cap_s`` in proportion to their queries.
    Progress goes to stdout as JSON lines for the parent, which samples the memory.
    """
    set_address_space_cap(address_cap_bytes)
    box: dict[str, Any] = {}

    def stage(name: str, work: Callable[[], dict[str, Any]]) -> bool:
        emit({"event": "start", "stage": name})
        start = time.perf_counter()
        try:
            with time_limit(stage_cap(name, stage_cap_s)):
                facts = work()
        except TimeLimit as exc:
            emit({"event": "unfinished", "stage": name, "limit_s": exc.seconds,
                  "elapsed_s": time.perf_counter() - start})
            return False
        except MemoryError:
            box.clear()  # nothing after it can run without it; let the memory come back
            emit({"event": "failed", "stage": name, "elapsed_s": time.perf_counter() - start,
                  "error": f"MemoryError: over the address-space cap of {address_cap_bytes / GIB:g} GiB"})
            return False
        emit({"event": "end", "stage": name, "seconds": time.perf_counter() - start, **facts})
        return True

    if part == "build":
        from gongkai.manifest import load_manifest
        from gongkai.pipeline import build_graphs

        def parse() -> dict[str, Any]:
            box["build"] = build_graphs(load_manifest(manifest))
            return {"catalogs": len(box["build"].graphs), "items": box["build"].item_count}

        def load() -> dict[str, Any]:
            box["graph"] = union_graph(box.pop("build"), drain=True)
            return {"triples": len(box["graph"])}

        def validate() -> dict[str, Any]:
            conforms, report = plain_validate(box["graph"])
            from gongkai.namespaces import SH

            return {"conforms": bool(conforms), "results": len(set(report.objects(None, SH.result)))}

        if stage("parse", parse) and stage("load", load):
            stage("validate", validate)
        return 0

    from bench_queries import (
        bound_queries,
        engine_count,
        rdflib_count,
        rdflib_dataset,
        rdflib_union_graph,
        reads_named_graphs,
        sample_runs,
    )

    from gongkai.store import OxigraphStore

    assert store is not None
    cases = sorted(bound_queries(corpus_place(manifest)), key=lambda c: (not c.name.startswith("compare-"), c.label))
    named = [case for case in cases if reads_named_graphs(case.bound.text)]
    plain = [case for case in cases if case not in named]

    def run_queries(name: str, cases: list[Any], cap_s: float) -> None:
        emit({"event": "start", "stage": name})
        start = time.perf_counter()
        graph = box["graph"]
        with OxigraphStore.open(store, read_only=True) as db:
            for index, case in enumerate(cases):
                share = (cap_s - (time.perf_counter() - start)) / (len(cases) - index)
                if share <= 0:
                    runs = {"errors": {"baseline_ms": "not run: the stage's time was spent"}}
                else:
                    measured = sample_runs(
                        {"baseline_ms": lambda bound=case.bound: rdflib_count(graph, bound),
                         "paired_engine_ms": lambda bound=case.bound: engine_count(db, bound)}, repeat,
                        fallible={"baseline_ms", "paired_engine_ms"}, first_run_limit_s=share, budget_s=share,
                    )
                    runs = dataclasses.asdict(measured)
                emit({"event": "query", "name": case.label, "share_s": share, "runs": runs})
        emit({"event": "end", "stage": name, "seconds": time.perf_counter() - start})

    def not_run(cases: list[Any], reason: str) -> None:
        for case in cases:
            emit({"event": "query", "name": case.label, "share_s": 0.0,
                  "runs": {"errors": {"baseline_ms": f"not run: {reason}"}}})

    def graph() -> dict[str, Any]:
        box["graph"] = rdflib_union_graph(store)
        return {"triples": len(box["graph"])}

    def dataset() -> dict[str, Any]:
        box["graph"] = rdflib_dataset(store)
        return {"quads": len(box["graph"])}

    plain_cap = stage_cap_s * len(plain) / max(1, len(cases))
    if stage("graph", graph):
        run_queries("queries", plain, plain_cap)
    else:
        not_run(plain, "rdflib's Graph of the store was not loaded")
    box.pop("graph", None)  # the Graph goes first: the Dataset holds every quad
    gc.collect()
    with OxigraphStore.open(store) as db:
        quads = db.metadata().get("quads") or db.triple_count()
    need = quads * DATASET_BYTES_PER_QUAD
    mem_cap = address_cap_bytes - 2 * GIB  # the parent caps the address space 2 GiB above its RSS cap
    if named and need > mem_cap:
        reason = (f"an rdflib Dataset of {quads:,} quads needs about {need / GIB:.0f} GiB "
                  f"({DATASET_BYTES_PER_QUAD} bytes a quad), over the cap of {mem_cap / GIB:g} GiB")
        emit({"event": "skipped", "stage": "dataset", "reason": reason})
        not_run(named, "they read named graphs, and " + reason)
    elif named and stage("dataset", dataset):
        run_queries("named_queries", named, stage_cap_s - plain_cap)
    elif named:
        not_run(named, "they read named graphs, and rdflib's Dataset of the store was not loaded")
    return 0


def measure_baseline(
    manifest: Path, *, stage_cap_s: float, repeat: int, mem_cap_bytes: int, store: Path | None = None
) -> dict[str, Any]:
    """Run :func:`baseline_child` measured, its build part and then (with ``store``) its
    queries part over ``store``'s triples; their stages, query runs and memory.

    Each child stops its own stages (SIGALRM); the parent kills it when a stage runs
    STAGE_GRACE_S past its limit anyway (work that signals cannot interrupt), or when the
    tree's summed RSS goes over ``mem_cap_bytes``. A child's address space is capped
    at 2 GiB more than that, so an allocation spike fails there before it is sampled.
    """
    lock = threading.Lock()
    stages: dict[str, dict[str, Any]] = {}
    queries: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] = {}

    def on_line(line: str) -> None:
        if not line.startswith(EVENT):
            return
        event = json.loads(line[len(EVENT):])
        with lock:
            kind = event.pop("event")
            if kind == "start":
                current.update(stage=event["stage"], since=time.perf_counter())
                stages[event["stage"]] = {"status": "running"}
            elif kind == "query":
                queries[event["name"]] = event
                progress(f"  rdflib {event['name']}")
            else:
                stage = event.pop("stage")
                stages[stage] = {"status": {"end": "done"}.get(kind, kind), **event}
                current.clear()
                progress(f"  baseline {stage}: {stages[stage]['status']}")

    def watchdog() -> str | None:
        with lock:
            limit = stage_cap(current["stage"], stage_cap_s) if current else 0
            if current.get("stage") in ("queries", "named_queries"):  # the last query may run twice its share
                limit = 2 * stage_cap_s
            if current and time.perf_counter() - current["since"] > limit + STAGE_GRACE_S:
                return f"stage {current['stage']} ran past its limit of {limit:g} s (killed)"
        return None

    def child(part: str, names: tuple[str, ...]) -> dict[str, Any]:
        args = [sys.executable, str(Path(__file__).resolve()), "--baseline-child", str(manifest),
                "--part", part, "--stage-cap", str(stage_cap_s), "--repeat", str(repeat),
                "--address-cap", str(mem_cap_bytes + 2 * GIB)]
        if store is not None:
            args += ["--store", str(store)]
        run = run_measured(args, mem_cap_bytes=mem_cap_bytes, on_line=on_line, watchdog=watchdog)
        ended = time.perf_counter()
        with lock:
            for name in names:
                found = stages.get(name)
                if found is None:
                    stages[name] = {"status": "not reached"}
                elif found["status"] == "running":
                    reason = run["killed"] or f"the process ended (exit {run['returncode']})"
                    # how long it had run: a lower bound of what the stage needs
                    elapsed = ended - current["since"] if current.get("stage") == name else None
                    stages[name] = {"status": "killed", "reason": reason, "elapsed_s": elapsed}
            current.clear()
        run.pop("stdout")
        return run

    progress(f"baseline: one rdflib Graph, one pySHACL call, rdflib SPARQL on the store's triples (cap {stage_cap_s:g} s a stage) ...")
    process = child("build", BUILD_STAGES)
    queries_process = None
    if store is not None:
        queries_process = child("queries", QUERY_STAGES)
    else:
        for name in QUERY_STAGES:
            stages[name] = {"status": "not reached"}
    return {"stages": stages, "queries": queries, "process": process, "queries_process": queries_process}


def baseline_seconds(stage: dict[str, Any]) -> tuple[float | None, bool]:
    """A baseline stage's seconds and whether that is only a lower bound (unfinished)."""
    if stage["status"] == "done":
        return stage["seconds"], False
    if stage["status"] == "unfinished":
        return stage["limit_s"], True
    if stage["status"] == "killed" and stage.get("elapsed_s"):
        return stage["elapsed_s"], True
    return None, False


def baseline_stop(baseline: dict[str, Any] | None) -> str | None:
    """Why the baseline's queries never ran: its first stage on the way there that did
    not end well, in words (None when they ran or nothing is known)."""
    stages = (baseline or {}).get("stages") or {}
    for name in ("graph", "queries"):  # the compare queries read no named graph
        stage = stages.get(name)
        if stage is None or stage["status"] == "done":
            continue
        what = {"graph": "load of the store's triples into one Graph"}.get(name, name)
        if stage["status"] == "unfinished":
            return f"rdflib's {what} did not finish in {stage['limit_s']:g} s"
        if stage["status"] in ("failed", "killed"):
            return f"rdflib's {what} stopped: {stage.get('error') or stage.get('reason')}"
        return None  # not reached after a stage that ended well: nothing to say
    return None


# ---------------------------------------------------------------- queries on our store


def measure_store_queries(
    store: Path, baseline: dict[str, Any], *, repeat: int, budget_s: float, timeout_s: float,
    clients: int, seconds: float, place: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every saved query on the web app and the engine (bench_queries; both with the
    query timeout ``timeout_s``), with its defaults and for ``place``, with the
    baseline's rdflib runs merged in; then /sparql throughput."""
    from bench_queries import Runs, measure_queries, measure_throughput, query_record, served

    with served(store, timeout_s) as port:
        progress(f"saved queries on our store ({repeat} runs, http + engine) ...")
        measured = measure_queries(store, port, repeat, budget_s=budget_s, timeout_s=timeout_s, place=place)
        progress(f"/sparql throughput (1 and {clients} clients, at most {seconds:g} s) ...")
        throughput = measure_throughput(port, clients, seconds)
    records = {}
    for name, bound, runs in measured:
        theirs = baseline["queries"].get(name)
        if theirs is not None:
            runs = runs.merged(Runs(**theirs["runs"]))
        else:
            stage = baseline["stages"]["queries"]
            reason = "not run: " + (stage.get("reason") or f"the baseline's queries stage {stage['status']}")
            runs = runs.merged(Runs(errors={"baseline_ms": reason}))
        record = query_record(bound, runs)
        record["runs"] = {figure: len(s) for figure, s in runs.samples.items()}
        records[name] = record
    return records, throughput


def webapp_memory(store_metadata: dict[str, Any]) -> str:
    """Whether the web app's query workers hold this store in memory: they copy stores
    of up to IN_MEMORY_QUADS quads, the default graph's union copy included."""
    from gongkai import query_service
    from gongkai.store import quads_held

    limit = getattr(query_service, "IN_MEMORY_QUADS", None)
    quads = quads_held(store_metadata)
    if limit is None or quads is None:
        return "may or may not hold the store in memory"
    held = "hold" if quads <= limit else "do not hold"
    return f"{held} the store in memory: {quads:,} quads with the union copy, limit {limit:,}"


# ---------------------------------------------------------------- figures and bars


def ratio(baseline: float | None, ours: float | None) -> float | None:
    return baseline / ours if baseline is not None and ours else None


def figures_of(size: int, sources: dict[str, int], builds: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """The build figures, each as ours, the baseline's and the ratio (above 1: ours better)."""
    full = builds["full"]
    stages = baseline["stages"]
    parse_s, parse_lb = baseline_seconds(stages["parse"])
    load_s, load_lb = baseline_seconds(stages["load"])
    validate_s, validate_lb = baseline_seconds(stages["validate"])
    # the plain approach end to end (no store): parse + load + validate
    plain = [parse_s, load_s, validate_s]
    plain_s = sum(plain) if None not in plain else None  # type: ignore[arg-type]
    plain_lb = parse_lb or load_lb or validate_lb
    if plain_s is None and parse_lb:
        plain_s, plain_lb = parse_s, True  # it did not get past parsing
    elif plain_s is None and parse_s is not None and load_lb:
        plain_s, plain_lb = parse_s + (load_s or 0), True  # nor past loading
    quads = full["store"].get("quads") if full["ok"] else None
    triples = stages["load"].get("triples")
    wall = full["wall_s"] if full["ok"] else None
    timings = full["store"].get("build_timings")
    figures: dict[str, Any] = {
        "build_validate_s": {
            "ours": wall, "baseline": plain_s, "baseline_lower_bound": plain_lb,
            "ratio": ratio(plain_s, wall), "ratio_is_lower_bound": plain_lb,
        },
        "source_rows_per_s": {
            "ours": sources["lines"] / wall if wall else None,
            "baseline": sources["lines"] / plain_s if plain_s else None,
            "baseline_upper_bound": plain_lb,
            "ratio": ratio(plain_s, wall), "ratio_is_lower_bound": plain_lb,
        },
        "triples_per_s": {
            "ours": quads / wall if quads and wall else None,
            "ours_triples": quads,
            "baseline": triples / plain_s if triples and plain_s else None,
            "baseline_triples": triples,
            "baseline_upper_bound": plain_lb,
        },
    }
    figures["triples_per_s"]["ratio"] = ratio(figures["triples_per_s"]["ours"], figures["triples_per_s"]["baseline"])
    figures["triples_per_s"]["ratio_is_lower_bound"] = plain_lb
    ours_rss = full["memory"]["peak_rss_gib"] if full["ok"] else None
    base_rss = baseline["process"]["memory"]["peak_rss_gib"]
    figures["peak_rss_gib"] = {
        "ours": ours_rss,
        "ours_pss": None if full["memory"]["pss_dropped_after_samples"] else full["memory"]["peak_pss_gib"],
        "ours_largest_process": full["ru_maxrss_bytes"] / GIB,
        "baseline": base_rss, "baseline_largest_process": baseline["process"]["ru_maxrss_bytes"] / GIB,
        # a baseline stopped early used less than it would have: then a lower bound
        "ratio": ratio(base_rss, ours_rss),
        "ratio_is_lower_bound": any(stages[name]["status"] != "done" for name in BUILD_STAGES),
    }
    # wall seconds when the build records them, else CPU seconds summed over its workers
    # (the baseline runs in one process, where the two are about the same)
    ours_validate, validate_key = build_timing(timings, "validate_s", "validate_cpu_s")
    ours_load, load_key = build_timing(timings, "load_s", "store_s")
    figures["validate_s"] = {
        "ours": ours_validate, "ours_key": validate_key, "baseline": validate_s,
        "baseline_lower_bound": validate_lb, "ratio": ratio(validate_s, ours_validate),
        "ratio_is_lower_bound": validate_lb,
    }
    figures["store_load_s"] = {
        "ours": ours_load, "ours_key": load_key, "baseline": load_s,
        "baseline_what": "the graphs put in one in-memory rdflib Graph",
        "ratio": ratio(load_s, ours_load), "ratio_is_lower_bound": load_lb,
    }
    for key in ("unchanged", "changed_one"):
        run = builds.get(key)
        ours = run["wall_s"] if run and run["ok"] else None
        figures[f"{key}_rebuild_s"] = {
            "ours": ours, "baseline": plain_s, "baseline_what": "the plain approach has no incremental build: all again",
            "ratio": ratio(plain_s, ours), "ratio_is_lower_bound": plain_lb,
            "plan_line": run["plan_line"] if run else None,
        }
    figures["build_timings"] = timings
    figures["store_timings"] = full["store"].get("store_timings")
    figures["allocator"] = full["store"].get("allocator")  # gongkai.allocator: what the build ran with
    return figures


def compare_ratio_key(record: dict[str, Any]) -> str | None:
    """The ratio a query's compare figure is: rdflib over our engine run beside it in the
    baseline's process (``baseline/paired_engine``), else over the engine runs of the
    main process (results written before the pairing), else None."""
    return next((key for key in ("baseline/paired_engine", "baseline/engine") if key in record["ratios"]), None)


def judge(size: int, figures: dict[str, Any], builds: dict[str, Any], queries: dict[str, Any],
          baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every bar of the issue on this size's figures: value, pass (None: could not be
    measured) and whether the bar is judged at this size."""

    def bar(key: str, value: Any, passed: bool | None, shown: str) -> dict[str, Any]:
        spec = BARS[key]
        return {"text": spec["text"], "limit": spec["limit"], "judged_at": spec["at"],
                "applies": spec["at"] in (None, size), "value": value, "pass": passed, "shown": shown}

    bars = {}
    wall = figures["build_validate_s"]["ours"]
    bars["build_validate"] = bar("build_validate", wall, None if wall is None else wall < 600,
                                 "did not finish" if wall is None else f"{wall:.1f} s")
    rss = figures["peak_rss_gib"]["ours"]
    bars["peak_rss"] = bar("peak_rss", rss, None if rss is None else rss < 4,
                           "—" if rss is None else f"{rss:.2f} GiB")
    if queries:
        # the embedded store asked both ways: in-process and through the web app; a
        # query that failed either way (the web app's timeout, say) fails the bar
        p95s = {(name, way): r["figures"][f"{way}_ms"]["p95"]
                for name, r in queries.items() for way in ("engine", "http") if f"{way}_ms" in r["figures"]}
        failed = sorted(name for name, r in queries.items() if r["errors"].keys() & {"engine", "http"})
        worst = max(p95s, key=p95s.__getitem__) if p95s else None
        shown = f"worst {fmt_ms(p95s[worst])} ms ({worst[0]}, {worst[1]})" if worst else "no figure"
        if failed:
            shown += f"; {len(failed)} failed or timed out: {', '.join(failed)}"
        bars["query_p95"] = bar(
            "query_p95",
            {"worst_query": worst and worst[0], "worst_way": worst and worst[1],
             "worst_p95_ms": worst and p95s[worst], "failed": failed},
            bool(worst) and not failed and p95s[worst] < 1000, shown,
        )
        compare = {n: r for n, r in queries.items() if n.startswith("compare-")}  # both cases
        measured = {n: r["ratios"][key] for n, r in compare.items() if (key := compare_ratio_key(r))}
        missing = sorted(set(compare) - set(measured))
        if measured:
            low = min(measured, key=measured.__getitem__)
            lower = compare[low]["ratios_are_lower_bounds"]
            shown = f"min {'≥ ' if lower else ''}{fmt_ratio(measured[low])} ({low})"
            # a lower bound under the bar proves nothing either way
            exact_fail = any(v < 20 and not compare[n]["ratios_are_lower_bounds"] for n, v in measured.items())
            passed: bool | None = True if measured[low] >= 20 else False if exact_fail else None
            if passed is None:
                shown += ", inconclusive: rdflib did not finish, raise --baseline-cap"
        else:
            low, passed = None, None
            stop = baseline_stop(baseline)
            shown = f"no baseline: {stop}" if stop else "no baseline"
        if missing and measured:
            shown += f"; no rdflib figure: {', '.join(missing)}"
        bars["compare_ratio"] = bar("compare_ratio", {"ratios": measured, "lowest": low, "unmeasured": missing},
                                    passed, shown)
    else:
        bars["query_p95"] = bar("query_p95", None, None, "not measured (no store)")
        bars["compare_ratio"] = bar("compare_ratio", None, None, "not measured (no store)")
    unchanged = figures["unchanged_rebuild_s"]["ours"]
    bars["unchanged_rebuild"] = bar("unchanged_rebuild", unchanged, None if unchanged is None else unchanged < 10,
                                    "—" if unchanged is None else f"{unchanged:.1f} s")
    changed = builds.get("changed_one")
    bars["one_changed"] = bar(
        "one_changed", changed["plan_line"] if changed else None,
        changed["only_that_catalog"] if changed else None,
        "—" if not changed else f"rebuilt {changed['rebuilt']}, reused {changed['reused']}",
    )
    return bars


# ---------------------------------------------------------------- reports


def verdict(found: dict[str, Any]) -> str:
    """A bar's cell: PASS/FAIL in bold where it is judged, lower case in brackets elsewhere."""
    if found["pass"] is None:
        return f"{found['shown']} (n/a)"
    word = "PASS" if found["pass"] else "FAIL"
    return f"**{word}** {found['shown']}" if found["applies"] else f"{found['shown']} ({word.lower()})"


def summary_lines(docs: list[dict[str, Any]]) -> list[str]:
    """The bars across sizes, with the machine and the date of the run."""
    rows = []
    for key, spec in BARS.items():
        at = "every size" if spec["at"] is None else f"{spec['at']:,}"
        rows.append([spec["text"], at, *(verdict(doc["bars"][key]) for doc in docs)])
    first = docs[0]
    runs = {(doc["date"], doc["machine"]["git_commit"]) for doc in docs}
    when = f"Run of {first['date']}" if len(runs) == 1 else "Runs of " + ", ".join(
        f"{doc['date']} ({doc['size']:,}, commit {(doc['machine']['git_commit'] or '?')[:12]})" for doc in docs
    )
    return [
        f"{when} on {machine_line(first['machine'])}, {first['machine'].get('memory_gib')} GiB of memory.",
        "",
        *table(["bar (issue “Scale”)", "judged at", *(f"{doc['size']:,} catalogs" for doc in docs)],
               "ll" + "l" * len(docs), rows),
        "",
        "**PASS**/**FAIL**: at the size the bar is judged at; (pass)/(fail) elsewhere, for "
        "information; n/a: not measured. Details: benchmarks/results/scale.md.",
    ]


def seconds_cell(value: float | None, lower: bool = False) -> str:
    if value is None:
        return "—"
    return ("≥ " if lower else "") + (f"{value:.1f} s" if value >= 1 else f"{value * 1000:.0f} ms")


def stage_cell(stage: dict[str, Any]) -> str:
    status = stage["status"]
    if status == "done":
        return seconds_cell(stage["seconds"])
    if status == "unfinished":
        return f"did not finish within {stage['limit_s']:g} s"
    if status == "failed":
        return f"failed: {stage['error']}"
    if status == "skipped":
        return f"skipped: {stage['reason']}"
    if status == "killed":
        after = f" after {stage['elapsed_s']:.0f} s" if stage.get("elapsed_s") else ""
        return f"killed{after}: {stage['reason']}"
    return status


def size_lines(doc: dict[str, Any]) -> list[str]:
    """One size: build figures, queries, throughput."""
    f, builds, base = doc["figures"], doc["builds"], doc["baseline"]
    stages = base["stages"]
    full = builds["full"]

    def r(figure: dict[str, Any]) -> str:
        value = figure.get("ratio")
        return "—" if value is None else ("≥ " if figure.get("ratio_is_lower_bound") else "") + fmt_ratio(value, 2)

    def rate(value: float | None, upper: bool = False) -> str:
        return "—" if value is None else ("≤ " if upper else "") + f"{value:,.0f}"

    def gib(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f} GiB"

    bv, rows_s, tr = f["build_validate_s"], f["source_rows_per_s"], f["triples_per_s"]
    rss = f["peak_rss_gib"]
    def timing(figure: dict[str, Any]) -> str:
        if figure["ours"] is None:
            return "n/a (not in the store's build_timings)"
        return f"{seconds_cell(figure['ours'])} ({figure['ours_key']})"

    rows = [
        ["build + validate (`gongkai build --full`, fresh process)",
         seconds_cell(bv["ours"]) if full["ok"] else f"failed: {full['killed'] or 'exit ' + str(full['returncode'])}",
         seconds_cell(bv["baseline"], bv["baseline_lower_bound"]) + " (parse + load + validate)", r(bv)],
        ["source rows/s", rate(rows_s["ours"]), rate(rows_s["baseline"], rows_s["baseline_upper_bound"]), r(rows_s)],
        [f"triples/s (ours: {tr['ours_triples'] or '—'} quads; baseline: {tr['baseline_triples'] or '—'} triples)",
         rate(tr["ours"]), rate(tr["baseline"], tr["baseline_upper_bound"]), r(tr)],
        ["peak RSS, process tree summed (PSS; largest process)",
         f"{gib(rss['ours'])} ({gib(rss['ours_pss'])}; {gib(rss['ours_largest_process'])})",
         f"{gib(rss['baseline'])} (—; {gib(rss['baseline_largest_process'])})", r(rss)],
        ["SHACL validation", timing(f["validate_s"]),
         stage_cell(stages["validate"]) + " (one pySHACL call)", r(f["validate_s"])],
        ["store load", timing(f["store_load_s"]),
         stage_cell(stages["load"]) + " (into one rdflib Graph)", r(f["store_load_s"])],
        ["parse + map (gongkai's parser, both)", "—", stage_cell(stages["parse"]), "—"],
    ]
    for key, what in (("unchanged_rebuild_s", "unchanged rebuild"), ("changed_one_rebuild_s", "one file changed")):
        fig = f[key]
        rows.append([f"{what}: {fig['plan_line'] or '—'}", seconds_cell(fig["ours"]),
                     seconds_cell(fig["baseline"], f["build_validate_s"]["baseline_lower_bound"]) + " (all again)", r(fig)])
    corpus = doc["corpus"]
    lines = [
        f"## {doc['size']:,} catalogs",
        "",
        f"{corpus['sources']['files']:,} source files, {corpus['sources']['lines']:,} lines "
        f"({corpus['sources']['bytes'] / 1e6:.1f} MB), {corpus.get('items') or '—'} items; load average "
        f"{doc['load_average']['before'][0]:.2f} before, {doc['load_average']['after'][0]:.2f} after. "
        "Builds run once each; ratios are baseline / ours for times, ours / baseline for rates "
        "(above 1: ours better; ≥: the baseline did not finish, a lower bound). Baseline "
        f"limits: {stage_cap('parse', doc['settings']['baseline_stage_cap_s']):g} s for parse and for "
        f"load, {doc['settings']['baseline_stage_cap_s']:g} s for validate and for queries, "
        f"{doc['settings']['mem_cap_gib']:g} GiB of RSS.",
        "",
        *table(["figure", "ours", "baseline: plain approach", "ratio"], "lrrr", rows),
    ]
    if full.get("cpu_user_s") is not None and full["wall_s"]:
        cpu = full["cpu_user_s"] + full["cpu_sys_s"]
        lines += ["", f"Our full build's CPU time, its workers included: {cpu:.1f} s ({full['cpu_user_s']:.1f} user, "
                      f"{full['cpu_sys_s']:.1f} system) over {full['wall_s']:.1f} s of wall time: "
                      f"{cpu / full['wall_s']:.2f} of {doc['machine'].get('cpus_usable') or '?'} cores busy on average"
                      f"; memory allocator: {f.get('allocator') or 'not recorded'}."]
    for key in ("build_timings", "store_timings"):
        if f.get(key):
            stages_text = ", ".join(f"{k} {v:.1f}" if isinstance(v, int | float) else f"{k} {v}"
                                    for k, v in f[key].items())
            lines += ["", f"Our build's stages (store metadata {key}, seconds): {stages_text}."]
    if base["stages"]["validate"]["status"] == "done":
        v = base["stages"]["validate"]
        lines += ["", f"pySHACL: conforms {v['conforms']}, {v['results']} results; ours: {full['store'].get('validation')}."]
    graph, dataset = stages.get("graph"), stages.get("dataset")
    if graph is not None and graph["status"] != "not reached":
        queries_process = base.get("queries_process") or {}
        peak = (queries_process.get("memory") or {}).get("peak_rss_gib")
        held = f"{graph['triples']:,} triples in {seconds_cell(graph['seconds'])}" if graph["status"] == "done" \
            else stage_cell(graph)
        named = f"{dataset['quads']:,} quads in {seconds_cell(dataset['seconds'])}" if dataset["status"] == "done" \
            else stage_cell(dataset)
        lines += ["", f"rdflib answered the saved queries over the store's triples, in a process of its own "
                      f"(peak RSS {gib(peak)}): those that read no named graph on one Graph of the union "
                      f"({held}); those that do on a Dataset ({named})."]
    for what, process in (("build", base["process"]), ("queries", base.get("queries_process"))):
        if process is None:
            continue
        if process["killed"]:
            lines += ["", f"Baseline {what} process: {process['killed']}."]
        elif process["returncode"] != 0:
            last = (process["stderr_tail"].strip().splitlines() or ["no message"])[-1]
            lines += ["", f"Baseline {what} process exited with {process['returncode']}: {last[:300]}"]
    queries = doc["queries"]
    if queries:
        qrows = []
        for name, q in queries.items():
            figs = q["figures"]

            def cell(figure: str, figs: dict[str, Any] = figs, q: dict[str, Any] = q) -> str:
                found = figs.get(figure)
                if found:
                    return f"{fmt_ms(found['median'])} / {fmt_ms(found['p95'])}"
                if figure == "baseline_ms" and q["baseline_unfinished_s"] is not None:
                    return f"> {q['baseline_unfinished_s'] * 1000:,.0f}"
                return "error" if q["errors"].get(figure.removesuffix("_ms")) else "—"

            lower = "≥ " if q["ratios_are_lower_bounds"] else ""
            key = compare_ratio_key(q)
            ratio_value = q["ratios"][key] if key else None
            qrows.append([
                name, f"{q['rows'].get('engine', '—')}{'' if q['rows_agree'] else ' ≠'}",
                cell("engine_ms"), cell("http_ms"), cell("baseline_ms"),
                cell("paired_engine_ms") if "paired_engine_ms" in figs else "—",
                "—" if ratio_value is None else lower + fmt_ratio(ratio_value),
                "yes" if not q["errors"].keys() & {"engine", "http"}
                and max(figs["engine_ms"]["p95"], figs["http_ms"]["p95"]) < 1000 else "**no**",
            ])
        lines += [
            "",
            "Saved queries bound with their defaults (for most, every place: a national dashboard), and "
            "those that take a place once more for one place of the corpus (`name?place=CODE`: a drill-down); "
            f"at most {doc['settings']['repeat']} timed runs each after a warm-up "
            f"(fewer when a query's {doc['settings']['query_budget_s']:g} s budget ran out). ms, median / p95. "
            f"engine = a QueryService worker on the embedded store, http = GET /queries/<name> on the web "
            f"app, both stopping a query after {doc['settings']['query_timeout_s']:g} s (their query workers "
            f"{doc['webapp_store_in_memory']}); rdflib = rdflib's SPARQL over the store's triples in the "
            "baseline's queries process: one Graph of their union, or for a query that reads named graphs an "
            "rdflib Dataset of its quads (> t: its first run did not finish within t ms); beside rdflib = our "
            "engine in-process on the store on disk, in that same process, each run alternating with one of "
            "rdflib's, so that both meet the same moments of a noisy machine; rdflib/engine = rdflib's median "
            "over that (≥: rdflib's first run did not finish). ≠: rdflib's row count differs from ours.",
            "",
            *table(["query", "rows", "engine", "http", "rdflib", "beside rdflib", "rdflib/engine", "p95 < 1 s"],
                   "lrrrrrrc", qrows),
        ]
        errors = [f"{n}: {q['baseline_error'][:160]}" for n, q in queries.items()
                  if q["baseline_error"] and q["baseline_unfinished_s"] is None]
        if errors:
            lines += ["", "rdflib gave no figure for " + "; ".join(errors) + "."]
        def short(error: str) -> str:
            return " ".join(error.split())[:160]

        ours = []
        for n, q in queries.items():
            errors = {way: short(e) for way, e in q["errors"].items() if way in ("engine", "http")}
            if errors:
                text = "; ".join(f"{way}: {e}" for way, e in errors.items() if "not run:" not in e)
                ours.append(f"{n} ({text}{', engine not run' if 'not run:' in errors.get('engine', '') else ''})")
        if ours:
            lines += ["", "Our store failed on " + ", ".join(ours) + "."]
        from bench_queries import throughput_lines

        lines += ["", *throughput_lines(doc["throughput"])]
    else:
        lines += ["", "No store was built: the saved queries and /sparql were not measured."]
    return lines


def markdown(docs: list[dict[str, Any]]) -> str:
    lines = ["# Scale benchmark", "", *summary_lines(docs)]
    for doc in docs:
        lines += ["", *size_lines(doc)]
    return "\n".join(lines) + "\n"


def update_readme(docs: list[dict[str, Any]], readme: Path = README) -> None:
    """Replace the summary between the README's bench-scale markers."""
    text = readme.read_text(encoding="utf-8")
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        raise SystemExit(f"{readme} has no {README_BEGIN} ... {README_END} block to update")
    block = "\n".join([README_BEGIN, *summary_lines(docs), README_END])
    readme.write_text(text[:begin] + block + text[end + len(README_END):], encoding="utf-8")


# ---------------------------------------------------------------- one size


def measure_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Everything for ``size`` catalogs: the document written to scale-<size>.json."""
    load_before = os.getloadavg()
    corpus, generated = ensure_corpus(size, args.seed, args.corpus_root)
    manifest = corpus / "sources.toml"
    sources = source_counts(manifest)
    mem_cap = int(args.mem_cap * GIB)
    with tempfile.TemporaryDirectory(prefix=f"gongkai-scale-{size}-", dir=args.tmp) as tmp:
        builds = measure_builds(corpus, Path(tmp), cap_s=args.build_cap * 60, mem_cap_bytes=mem_cap)
        baseline = measure_baseline(manifest, stage_cap_s=args.baseline_cap * 60, repeat=args.repeat,
                                    mem_cap_bytes=mem_cap,
                                    store=Path(builds["store"]) if builds["full"]["ok"] else None)
        queries: dict[str, Any] = {}
        throughput = None
        if builds["full"]["ok"]:
            queries, throughput = measure_store_queries(
                Path(builds["store"]), baseline, repeat=args.repeat, budget_s=args.query_budget,
                timeout_s=args.query_timeout, clients=args.clients, seconds=args.seconds,
                place=corpus_place(manifest),
            )
    figures = figures_of(size, sources, builds, baseline)
    for run in (builds.get(k) for k in ("full", "unchanged", "changed_one")):
        if run is not None:
            run.pop("stdout", None)
    return {
        "benchmark": f"scale-{size}",
        "size": size,
        "date": utc_now(),
        "machine": machine(LIBRARIES),
        "load_average": {"before": load_before, "after": os.getloadavg()},  # 1, 5, 15 min
        "settings": {
            "repeat": args.repeat, "query_budget_s": args.query_budget, "clients": args.clients,
            "query_timeout_s": args.query_timeout,
            "seconds": args.seconds, "baseline_stage_cap_s": args.baseline_cap * 60,
            "build_cap_s": args.build_cap * 60, "mem_cap_gib": args.mem_cap, "seed": args.seed,
        },
        "corpus": {"folder": str(corpus), "generated": generated, "sources": sources,
                   "items": (builds["full"].get("printed") or {}).get("items")},
        "builds": builds,
        "baseline": baseline,
        "figures": figures,
        "queries": queries,
        "throughput": throughput,
        "bars": judge(size, figures, builds, queries, baseline),
        "webapp_store_in_memory": webapp_memory(builds["full"]["store"]),
        "ratio_meaning": "baseline / ours for times, ours / baseline for rates; above 1 means ours is better",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="catalog counts (default: 10 300 2850)")
    parser.add_argument("--repeat", type=int, default=20, help="runs of every saved query per approach (default: 20)")
    parser.add_argument("--query-budget", type=float, default=60.0,
                        help="seconds of timed runs per saved query on our store, after one run at least (default: 60)")
    parser.add_argument("--query-timeout", type=float, default=30.0,
                        help="seconds after which our store stops a query, as the web app does (default: 30)")
    parser.add_argument("--clients", type=int, default=4, help="client threads for /sparql throughput (default: 4)")
    parser.add_argument("--seconds", type=float, default=5.0, help="time bound of each throughput run (default: 5)")
    parser.add_argument("--baseline-cap", type=float, default=15.0,
                        help="minutes for each stage of the baseline: parse, load, validate, queries (default: 15)")
    parser.add_argument("--build-cap", type=float, default=60.0, help="minutes for each of our builds (default: 60)")
    parser.add_argument("--mem-cap", type=float, default=16.0,
                        help="GiB of summed RSS at which a build or the baseline is killed (default: 16)")
    parser.add_argument("--seed", type=int, default=None, help="corpus seed (default: the generator's)")
    parser.add_argument("--corpus-root", type=Path, default=CORPUS_ROOT, help="where corpora are kept (default: benchmarks/corpus)")
    parser.add_argument("--tmp", type=Path, default=None, help="folder for the stores (default: the system's temporary folder)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for scale-N.json and scale.md")
    parser.add_argument("--update-readme", action="store_true", help="put the summary in README.md's Benchmarks section")
    parser.add_argument("--baseline-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stage-cap", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--address-cap", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=("build", "queries"), default="build", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_child:
        return baseline_child(args.baseline_child, args.stage_cap, args.repeat, args.address_cap, args.store,
                              args.part)
    if args.repeat < 1 or args.clients < 1 or not 0 < args.seconds <= 60 or min(args.sizes) < 1:
        parser.error("--repeat, --clients and sizes must be at least 1, --seconds in (0, 60]")
    if args.seed is None:
        args.seed = _generator().DEFAULT_SEED

    docs = []
    for size in args.sizes:
        progress(f"=== {size} catalogs")
        doc = measure_size(size, args)
        write_json(args.results, f"scale-{size}", doc)
        docs.append(doc)
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / "scale.md").write_text(markdown(docs), encoding="utf-8")
    text = markdown(docs)
    print(text)
    if args.update_readme:
        update_readme(docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
