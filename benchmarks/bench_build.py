"""Build benchmark for the two seed catalogs (data/sources.toml).

Every figure is measured beside a baseline in the same run and reported as a median
and a ratio (machines are noisy; absolute seconds only mean something next to the
baseline measured with them). Ratios are baseline / ours: above 1 means ours is faster.

    python benchmarks/bench_build.py [--repeat N] [--check]

Figures
  cold_build_s   `python -m gongkai.cli build -q --store <tmp>` in a fresh subprocess
                 (interpreter start and imports included: what a user waits for). The
                 bar: under 5 s on this machine. Baseline: the plain approach in a fresh
                 subprocess (same parse, one rdflib Graph, one pySHACL call, no store).
  cold_imports_s a fresh subprocess that only imports gongkai.pipeline: the part of
                 the cold build that is interpreter start and imports (context).
  parse_s        gongkai.pipeline.build_graphs, vocabulary cache cleared each time
                 (shared by both approaches, so no baseline).
  validate_s     gongkai.pipeline.validate_build vs one pyshacl.validate call on the
                 union of the catalog graphs and the vocabulary (load_shapes included
                 in both).
  store_s        gongkai.pipeline.store_build into a new folder vs putting the graphs
                 in one in-memory rdflib Graph.
  query_s        items per catalog place (GROUP BY) on the embedded store vs rdflib's
                 SPARQL engine on that in-memory Graph; median of 50 runs each.

In-process figures are medians over the repeats after one warm-up. Results go to
benchmarks/results/build-seeds.{json,md}; the Markdown table is printed too. The exit
status is 0 even when the bar fails (then FAIL is printed), unless --check is given.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _common import (
    RESULTS,
    ROOT,
    fmt_ratio,
    fmt_s,
    machine,
    machine_line,
    plain_validate,
    subprocess_env,
    summary,
    table,
    timed,
    union_graph,
    utc_now,
    write_results,
)

if TYPE_CHECKING:
    from rdflib import Graph

    from gongkai.pipeline import Build

MANIFEST = ROOT / "data" / "sources.toml"
BAR_S = 5.0
QUERY_RUNS = 50
QUERY = """
SELECT ?place (COUNT(DISTINCT ?item) AS ?n) WHERE {
  ?item a gk:DisclosureItem ; gk:inCatalog ?catalog .
  ?catalog dct:spatial ?place .
} GROUP BY ?place ORDER BY ?place
"""


# ---------------------------------------------------------------- measuring


def run_cold(args: list[str]) -> float:
    """Wall time of a fresh Python subprocess running ``args``; it must succeed."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=subprocess_env(), capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark subprocess failed ({' '.join(args)}):\n{done.stderr}")
    return elapsed


# ---------------------------------------------------------------- the plain approach


def plain_build(manifest: Path) -> None:
    """The plain approach end to end, run in a fresh subprocess by --plain-once."""
    from gongkai.manifest import load_manifest
    from gongkai.pipeline import build_graphs

    plain_validate(union_graph(build_graphs(load_manifest(manifest))))


# ---------------------------------------------------------------- the benchmark


def measure_cold(repeat: int) -> dict[str, dict[str, Any]]:
    """Ours, the plain baseline and imports only, interleaved so noise hits all alike."""
    samples: dict[str, list[float]] = {"cold_build_s": [], "cold_plain_s": [], "cold_imports_s": []}
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-") as tmp:
        for i in range(repeat):
            store = Path(tmp) / f"store-{i}"
            samples["cold_build_s"].append(
                run_cold(
                    [
                        "-m",
                        "gongkai.cli",
                        "build",
                        "-q",
                        "--manifest",
                        str(MANIFEST),
                        "--store",
                        str(store),
                    ]
                )
            )
            shutil.rmtree(store, ignore_errors=True)
            samples["cold_plain_s"].append(
                run_cold([str(Path(__file__).resolve()), "--plain-once"])
            )
            samples["cold_imports_s"].append(run_cold(["-c", "import gongkai.pipeline"]))
    return {name: summary(values) for name, values in samples.items()}


def measure_stages(
    repeat: int, tmp: Path
) -> tuple[dict[str, dict[str, Any]], Build, Graph, Path, dict[str, Any]]:
    from gongkai.manifest import load_manifest
    from gongkai.namespaces import SH
    from gongkai.pipeline import build_graphs, store_build, validate_build
    from gongkai.vocab import load_vocabulary

    sources = load_manifest(MANIFEST)
    samples: dict[str, list[float]] = {
        name: []
        for name in ("parse_s", "validate_s", "plain_validate_s", "store_s", "plain_store_s")
    }
    box: dict[str, Any] = {}

    def parse() -> None:
        load_vocabulary.cache_clear()  # a build loads the vocabulary once; so does each repeat
        box["build"] = build_graphs(sources)

    def plain_load() -> None:
        box["graph"] = union_graph(box["build"])

    def plain_check() -> None:
        box["plain"] = plain_validate(box["graph"])

    for i in range(repeat + 1):  # run 0 is the warm-up
        store = tmp / f"store-{i}"
        times = {  # in this order: each stage uses what the one before made
            "parse_s": timed(parse),
            "validate_s": timed(lambda: validate_build(box["build"])),
            "store_s": timed(lambda store=store: store_build(box["build"], store)),
            "plain_store_s": timed(plain_load),
            "plain_validate_s": timed(plain_check),
        }
        if i > 0:
            for name, value in times.items():
                samples[name].append(value)
            if i < repeat:
                shutil.rmtree(store)  # keep the last store for the query
    conforms, report = box["plain"]
    checks = {
        "ours": box["build"].report.counts(),
        "plain_conforms": conforms,
        "plain_results": len(set(report.objects(None, SH.result))),
    }
    figures = {name: summary(values) for name, values in samples.items()}
    return figures, box["build"], box["graph"], tmp / f"store-{repeat}", checks


def measure_query(
    graph: Graph, store_dir: Path
) -> tuple[dict[str, dict[str, Any]], list[tuple[str, int]]]:
    from gongkai.namespaces import sparql_prefixes
    from gongkai.store import OxigraphStore

    text = sparql_prefixes() + QUERY

    def ours() -> list[tuple[str, int]]:
        return [(s["place"].value, int(s["n"].value)) for s in store.query(text)]

    def plain() -> list[tuple[str, int]]:
        return [(str(row[0]), int(row[1])) for row in graph.query(text)]

    with OxigraphStore.open(store_dir) as store:
        answer = ours()
        if answer != plain():
            raise SystemExit(f"the two engines disagree on the query:\n{answer}\n{plain()}")
        figures = {
            "query_s": summary([timed(ours) for _ in range(QUERY_RUNS)]),
            "plain_query_s": summary([timed(plain) for _ in range(QUERY_RUNS)]),
        }
    return figures, answer


# ---------------------------------------------------------------- reporting


# (figure, its baseline or None, what the row says)
ROWS: list[tuple[str, str | None, str]] = [
    ("cold_build_s", "cold_plain_s", "`gongkai build`, fresh process (bar: < 5 s)"),
    ("cold_imports_s", None, "start + import gongkai.pipeline only"),
    ("parse_s", None, "read + parse + map (build_graphs)"),
    ("validate_s", "plain_validate_s", "SHACL (per catalog) vs one pySHACL call"),
    ("store_s", "plain_store_s", "store load (Oxigraph on disk) vs rdflib Graph"),
    ("query_s", "plain_query_s", "GROUP BY query: Oxigraph vs rdflib SPARQL"),
]


def ratios(figures: dict[str, dict[str, Any]]) -> dict[str, float]:
    return {
        name: figures[base]["median"] / figures[name]["median"]
        for name, base, _ in ROWS
        if base is not None
    }


def markdown(doc: dict[str, Any]) -> str:
    figures, facts = doc["figures"], doc["machine"]
    rows = []
    for name, base, what in ROWS:
        ours = figures[name]["median"]
        if base is not None:
            cells = [fmt_s(figures[base]["median"]), fmt_ratio(doc["ratios"][name], 2)]
        elif name == "cold_imports_s":
            cells = ["—", f"{ours / figures['cold_build_s']['median']:.0%} of cold build"]
        else:
            cells = ["—", "—"]
        rows.append([name, what, fmt_s(ours), *cells])
    lines = [
        f"# Build benchmark: two seed catalogs ({doc['date']})",
        "",
        f"{machine_line(facts)}; {doc['repeat']} repeats, query medians over {QUERY_RUNS} runs. Ratio = baseline / ours.",
        "",
        *table(["figure", "what", "median", "baseline median", "ratio"], "llrrr", rows),
    ]
    cold = figures["cold_build_s"]
    lines += [
        "",
        f"cold build: median {cold['median']:.3f} s (min {cold['min']:.3f}, max {cold['max']:.3f}) — "
        f"**{'PASS' if doc['bar']['pass'] else 'FAIL'}** (bar: under {BAR_S:g} s)",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=7, help="repetitions of every figure (default: 7)"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the cold build median is over 5 s"
    )
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="folder for build-seeds.{json,md}"
    )
    parser.add_argument("--plain-once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plain_once:
        plain_build(MANIFEST)
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    print(f"cold builds ({args.repeat} x 3 subprocesses) ...", file=sys.stderr, flush=True)
    figures = measure_cold(args.repeat)
    print("in-process stages and query ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-") as tmp:
        stages, build, graph, store_dir, checks = measure_stages(args.repeat, Path(tmp))
        figures |= stages
        query, answer = measure_query(graph, store_dir)
        figures |= query

    cold = figures["cold_build_s"]["median"]
    doc = {
        "benchmark": "build-seeds",
        "date": utc_now(),
        "machine": machine(),
        "repeat": args.repeat,
        "query_runs": QUERY_RUNS,
        "corpus": {
            "catalogs": len(build.graphs),
            "items": build.item_count,
            "triples": build.triple_count,
            "baseline_graph_triples": len(graph),
        },
        "bar": {"figure": "cold_build_s", "limit_s": BAR_S, "median_s": cold, "pass": cold < BAR_S},
        "figures": figures,
        "ratios": ratios(figures),
        "ratio_meaning": "baseline median / our median; above 1 means ours is faster",
        "validation": checks,
        "query": {"text": QUERY.strip(), "answer": answer},
    }
    text = markdown(doc)
    write_results(args.results, "build-seeds", doc, text)
    print(text)
    if not doc["bar"]["pass"]:
        print(f"FAIL: cold build median {cold:.3f} s is not under {BAR_S:g} s")
        return 1 if args.check else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
