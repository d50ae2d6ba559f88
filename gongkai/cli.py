"""The `gongkai` command: build, ingest, validate, export, query, queries, stats, serve, push.

Errors a user can cause (bad files, bad manifest, unwritable store, an unreachable
SPARQL server) end in one line on stderr that names the file and line (or the URL), and
exit status 2; nothing already built is lost.

``--endpoint`` / ``--store-endpoint`` / ``--update-endpoint`` put the graph on a remote
SPARQL 1.1 server instead of the embedded store (gongkai.remote, docs/remote-servers.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph, URIRef

from gongkai import __version__
from gongkai.allocator import restart_with_jemalloc
from gongkai.errors import GongkaiError
from gongkai.manifest import check_source_fields, load_manifest
from gongkai.model import CatalogSource, ParsedCatalog
from gongkai.namespaces import DEFAULT_BASE, GK, sparql_prefixes

DEFAULT_STORE = Path("var/store")
DEFAULT_MANIFEST = Path("data/sources.toml")
INGEST_FORMATS = ("turtle", "nquads", "trig", "jsonld")
SAVED_QUERY_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
UNLIMITED_ROWS = 2**62  # `gongkai query` prints every row, locally and remotely

EPILOG = """\
examples:
  gongkai build                          build var/store from data/sources.toml
  gongkai ingest new.txt --place-code 654002 --place-name 伊宁市 --domain social-insurance -o out.ttl
  gongkai validate --format json         SHACL report of the built store
  gongkai export --format trig -o dump.trig
  gongkai query 'SELECT (COUNT(*) AS ?n) WHERE { ?i a gk:DisclosureItem }'
  gongkai query items-per-place --param place=654002   run a saved query (`gongkai queries`)
  gongkai stats
  gongkai serve --port 5000              web app and SPARQL endpoint on http://127.0.0.1:5000/
  gongkai push --store-endpoint http://localhost:7878/store --update-endpoint http://localhost:7878/update \
               --endpoint http://localhost:7878/query   load var/store into a SPARQL server
  gongkai query --endpoint http://localhost:7878/query items-per-place   query it there
  gongkai serve --endpoint http://localhost:7878/query  serve the web app from it
"""


def _progress(args: argparse.Namespace):
    from gongkai.pipeline import quiet, to_stderr

    return quiet if getattr(args, "quiet", False) else to_stderr


def write_ledger(path: Path, catalogs: Sequence[ParsedCatalog]) -> int:
    """The ledger as CSV (UTF-8 with BOM, so Excel on Chinese Windows reads it)."""
    rows = 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "line", "status", "items", "detail"])
            for parsed in catalogs:
                for entry in parsed.ledger:
                    writer.writerow([entry.file, entry.line, entry.status.value, "|".join(entry.items), entry.detail])
                    rows += 1
    except OSError as exc:
        raise GongkaiError(f"cannot write ledger: {exc.strerror}", file=str(path)) from None
    return rows


def cmd_build(args: argparse.Namespace) -> int:
    progress = _progress(args)
    remote = _remote(args, write=True)  # before the build: a bad URL is reported at once
    sources = load_manifest(args.manifest)
    if remote is not None:
        return _build_remote(args, sources, remote, progress)
    from gongkai.pipeline import build_store

    # incremental unless --full, or --ledger (which needs every catalog parsed)
    reason = "--full" if args.full else "--ledger needs every catalog parsed" if args.ledger else ""
    built = build_store(sources, args.store, args.base, progress, full=bool(reason), reason=reason,
                        workers=args.workers, keep_catalogs=bool(args.ledger))
    if args.ledger:
        write_ledger(args.ledger, built.parsed)
    print(f"store is up to date: {built.plan.summary()}" if built.up_to_date else built.plan.summary())
    print(
        f"built {args.store}: {built.catalogs} catalogs, {built.items} items, "
        f"{built.triples} triples (sources digest {built.sources_digest}) in {built.timings['total_s']:.1f} s"
    )
    counts = built.validation
    print(f"validation: {counts.get('Violation', 0)} violations, {counts.get('Warning', 0)} warnings, {counts.get('Info', 0)} info")
    _warn_repeated(built.repeated_triples)
    return 0


def _warn_repeated(repeated: int) -> None:
    """Each triple should be stated by one named graph: a server whose union default graph
    is a multiset would count a repeated one once per graph (docs/remote-servers.md)."""
    if repeated:
        print(f"warning: {repeated} statement(s) repeat a triple another named graph states; the embedded "
              "store counts each once, a server with a multiset union default graph (oxigraph serve "
              "--union-default-graph) once per graph", file=sys.stderr)


def _build_remote(args: argparse.Namespace, sources: list[CatalogSource], remote, progress) -> int:
    """Build an embedded store in a temporary folder, the same streaming build as
    always, then push it (see docs/remote-servers.md): memory stays bounded at any size."""
    import tempfile

    from gongkai.pipeline import build_store, push_store

    with tempfile.TemporaryDirectory(prefix="gongkai-push-") as folder:
        staging = Path(folder) / "store"
        built = build_store(sources, staging, args.base, progress, full=True, reason="built for a push",
                            workers=args.workers, keep_catalogs=bool(args.ledger))
        if args.ledger:
            write_ledger(args.ledger, built.parsed)
        push_store(staging, remote, progress)
    _check_union(remote)
    _warn_repeated(built.repeated_triples)
    counts = built.validation
    print(
        f"built {remote.location}: {built.catalogs} catalogs, {built.items} items, "
        f"{built.triples} triples (sources digest {built.sources_digest})"
    )
    print(f"validation: {counts.get('Violation', 0)} violations, {counts.get('Warning', 0)} warnings, {counts.get('Info', 0)} info")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from gongkai.pipeline import build_graphs

    fields = {"place_code": args.place_code, "place_name": args.place_name, "domain": args.domain, "format": args.input_format}
    check_source_fields(fields, "command line", None)
    sources = [
        CatalogSource(path=Path(f), place_code=args.place_code, place_name=args.place_name, domain=args.domain,
                      format=args.input_format, publisher=args.publisher or "", title=args.title or "")
        for f in args.files
    ]
    build = build_graphs(sources, args.base, _progress(args))
    if args.ledger:
        write_ledger(args.ledger, build.catalogs)
    text = serialize_graphs(build.graphs, args.format)
    _write_text(text, args.output)
    print(f"ingested {len(args.files)} file(s): {build.item_count} items", file=sys.stderr)
    return 0


def serialize_graphs(graphs: dict[URIRef, Graph], fmt: str) -> str:
    """Named graphs in an RDF format, through the one deterministic exporter."""
    import pyoxigraph

    from gongkai.export import serialize_store
    from gongkai.store import OxigraphStore

    memory = pyoxigraph.Store()
    for name, graph in graphs.items():
        memory.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES,
                         to_graph=pyoxigraph.NamedNode(str(name)))
    return serialize_store(OxigraphStore(memory, Path(":memory:"), read_only=True), fmt).decode("utf-8")


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    tmp = output.with_name(output.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise GongkaiError(f"cannot write: {exc.strerror}", file=str(output)) from None


def _open_store(args: argparse.Namespace):
    """The embedded store, or an in-memory copy of the remote server's graphs."""
    from gongkai.store import OxigraphStore

    remote = _remote(args)
    if remote is not None:
        return remote.snapshot(), remote.metadata()
    store = OxigraphStore.open(args.store)
    return store, store.metadata()


def _store_graphs(args: argparse.Namespace) -> tuple[dict[URIRef, Graph], Graph]:
    """Catalog graphs and the vocabulary graph, read back from the store."""
    import pyoxigraph

    from gongkai.iri import IriMinter

    opened, metadata = _open_store(args)
    with opened as store:
        base = metadata.get("base", DEFAULT_BASE)
        vocabulary_name = str(IriMinter(base).vocabulary_graph())
        catalogs: dict[URIRef, Graph] = {}
        vocabulary = Graph()
        for name in store.graphs():
            data = store.raw.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(name))
            graph = Graph(identifier=URIRef(name)).parse(data=data, format="nt")
            if name == vocabulary_name:
                vocabulary = graph
            elif (URIRef(name), None, GK.Catalog) in graph or any(graph.subjects(None, GK.Catalog)):
                catalogs[URIRef(name)] = graph
    return catalogs, vocabulary


def cmd_validate(args: argparse.Namespace) -> int:
    from gongkai.validate import validate_catalogs

    catalogs, vocabulary = _store_graphs(args)
    report = validate_catalogs(catalogs, vocabulary, engine=args.engine)
    text = {"text": report.to_text, "turtle": report.to_turtle, "json": report.to_json}[args.format]()
    _write_text(text if text.endswith("\n") else text + "\n", args.output)
    return 0 if report.conforms else 1


def cmd_export(args: argparse.Namespace) -> int:
    from gongkai.export import export_store

    opened, _metadata = _open_store(args)
    with opened as store:
        count = export_store(store, args.format, args.output)
    print(f"exported {count} statements to {args.output}", file=sys.stderr)
    return 0


def _query_text(query: str) -> str:
    path = Path(query)
    if query.endswith(".rq") or (len(query) < 255 and "\n" not in query and path.is_file()):
        if not path.is_file():
            raise GongkaiError("no such query file", file=query)
        query = path.read_text(encoding="utf-8")
    # Our prefixes are predeclared, as on the web endpoint; a query may redeclare them.
    return sparql_prefixes() + query


def format_solutions(result, fmt: str) -> str:
    import pyoxigraph

    if isinstance(result, pyoxigraph.QueryBoolean):
        value = bool(result)
        return json.dumps({"head": {}, "boolean": value}) + "\n" if fmt == "json" else ("true\n" if value else "false\n")
    if isinstance(result, pyoxigraph.QueryTriples):
        return result.serialize(format=pyoxigraph.RdfFormat.TURTLE).decode("utf-8")
    if fmt in ("json", "csv", "tsv"):
        kind = {"json": pyoxigraph.QueryResultsFormat.JSON, "csv": pyoxigraph.QueryResultsFormat.CSV,
                "tsv": pyoxigraph.QueryResultsFormat.TSV}[fmt]
        return result.serialize(format=kind).decode("utf-8")
    variables = [v.value for v in result.variables]
    rows = [[_term_text(solution[v]) for v in variables] for solution in result]
    return render_table(variables, rows)


def _remote_query(remote, sparql: str, substitutions, file: str | None):
    """Run a query on the remote server; every failure becomes one GongkaiError line."""
    from gongkai.query_service import QueryRefused, QuerySyntaxError, QueryTimeout

    try:
        return remote.query(sparql, substitutions=substitutions, max_rows=UNLIMITED_ROWS)
    except QuerySyntaxError as exc:
        raise GongkaiError(f"SPARQL syntax error (from {remote.location}): {exc.message}", file=file) from None
    except QueryRefused as exc:
        raise GongkaiError(exc.message, file=file) from None
    except QueryTimeout as exc:
        raise GongkaiError(f"{exc} (--remote-timeout SECONDS; {remote.location})", file=file) from None
    except ValueError as exc:
        raise GongkaiError(str(exc), file=file) from None


def format_outcome(outcome, fmt: str) -> str:
    """A remote query's outcome as `gongkai query` prints it (as format_solutions does)."""
    from gongkai.results import serialize

    if outcome.boolean is not None:
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": outcome.boolean}) + "\n"
        return "true\n" if outcome.boolean else "false\n"
    if outcome.ntriples is not None:
        return serialize(outcome, "turtle").decode("utf-8")
    if fmt in ("json", "csv", "tsv"):
        return serialize(outcome, fmt).decode("utf-8")
    rows = [[row[v]["value"] if v in row else "" for v in outcome.variables] for row in outcome.bindings]
    return render_table(outcome.variables, rows)


def _term_text(term) -> str:
    if term is None:
        return ""
    return getattr(term, "value", str(term))


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table; widths count CJK characters as two columns."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def _bind_saved_query(name: str, params: Sequence[str]):
    """The bound saved query called ``name``; None when ``name`` is a file or SPARQL text."""
    from gongkai.saved_queries import bind, load_queries

    if name.endswith(".rq") or not SAVED_QUERY_NAME.match(name) or Path(name).is_file():
        if params:
            raise GongkaiError("--param applies to saved queries only (`gongkai queries` lists them)")
        return None
    queries = load_queries()
    if name not in queries:
        raise GongkaiError(f"no saved query named {name!r} (`gongkai queries` lists them)")
    raw: dict[str, list[str]] = {}
    for param in params:
        key, sep, value = param.partition("=")
        if not sep or not key:
            raise GongkaiError(f"--param takes NAME=VALUE, not {param!r}")
        raw.setdefault(key, []).append(value)
    return bind(queries[name], raw)


def cmd_query(args: argparse.Namespace) -> int:
    from gongkai.store import OxigraphStore

    bound = _bind_saved_query(args.query, args.param)
    remote = _remote(args)
    if bound is not None:
        sys.stdout.write(format_outcome(_run_bound(args, bound, remote), args.format))
        if bound.page_size is not None:
            print(f"page {bound.page}, at most {bound.page_size} rows (--param page=N, --param page_size=N)",
                  file=sys.stderr)
        return 0
    sparql = _query_text(args.query)
    file = args.query if args.query.endswith(".rq") else None
    if remote is not None:
        sys.stdout.write(format_outcome(_remote_query(remote, sparql, None, file), args.format))
        return 0
    with OxigraphStore.open(args.store) as store:
        try:
            result = store.query(sparql)
        except SyntaxError as exc:
            raise GongkaiError(f"SPARQL syntax error: {exc}", file=file) from None
        sys.stdout.write(format_solutions(result, args.format))
    return 0


def _run_bound(args: argparse.Namespace, bound, remote):
    """A bound saved query's outcome on the remote server or the embedded store (a
    national view window by window: :mod:`gongkai.national`)."""
    from gongkai.national import run_saved

    if remote is not None:
        return run_saved(lambda sparql, substitutions, _timeout: _remote_query(remote, sparql, substitutions, None),
                         bound)
    from gongkai.query_service import execute
    from gongkai.store import OxigraphStore

    with OxigraphStore.open(args.store) as store:
        return run_saved(lambda sparql, substitutions, _timeout: execute(
            store, sparql, substitutions=substitutions, max_rows=UNLIMITED_ROWS), bound)


def cmd_queries(args: argparse.Namespace) -> int:
    from gongkai.saved_queries import load_queries

    queries = load_queries()
    if args.format == "json":
        listing = [
            {"name": q.name, "summary": q.summary, "tags": q.tags, "example": q.example,
             "pagination": q.pagination,
             "parameters": [{"name": p.name, "type": p.type, "required": p.must_be_given, "list": p.multi,
                             "default": list(p.default) if p.multi and p.default else p.default,
                             "enum": list(p.enum), "description": p.description} for p in q.parameters]}
            for q in queries.values()
        ]
        print(json.dumps(listing, ensure_ascii=False, indent=2))
        return 0
    for query in queries.values():
        print(f"{query.name}  {query.summary}")
        for p in query.parameters:
            kind = f"{p.type}{', several' if p.multi else ''}, {'required' if p.must_be_given else 'optional'}"
            default = "" if p.default is None else f" [default: {', '.join(map(str, p.default)) if p.multi else p.default}]"
            print(f"    --param {p.name}=…  ({kind}) {p.description}{default}")
    print(f"({len(queries)} saved queries; run one with `gongkai query NAME --param NAME=VALUE`)")
    return 0


STATS_QUERY = """
SELECT (COUNT(DISTINCT ?catalog) AS ?catalogs) (COUNT(DISTINCT ?place) AS ?places)
       (COUNT(DISTINCT ?item) AS ?items) WHERE {
  ?catalog a gk:Catalog ; dct:spatial ?place .
  OPTIONAL { ?item gk:inCatalog ?catalog }
}"""


def cmd_serve(args: argparse.Namespace) -> int:
    from webapp.serve import serve

    serve(args.store, args.host, args.port, query_timeout=args.query_timeout, max_rows=args.max_rows,
          threads=args.threads, workers=args.query_workers, endpoint=args.endpoint)
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    from gongkai.pipeline import build_graphs, reconciliation_report

    build = build_graphs(load_manifest(args.manifest), args.base, _progress(args))
    report = reconciliation_report(build)
    text = {"text": report.to_text, "json": report.to_json, "csv": report.to_csv}[args.format]()
    _write_text(text if text.endswith("\n") else text + "\n", args.output)
    return 0


def _run_saved(args: argparse.Namespace, name: str, arguments: dict[str, list[str]]) -> list[dict[str, str]]:
    """A saved query's rows (plain values) on the embedded store or a remote server."""
    from gongkai.saved_queries import bind, load_queries

    query = load_queries()[name]
    bound = bind(query, {**arguments, "page_size": [str(query.pagination)]} if query.pagination else arguments)
    outcome = _run_bound(args, bound, _remote(args) if getattr(args, "endpoint", None) else None)
    return [{k: v["value"] for k, v in row.items()} for row in outcome.bindings]


def cmd_compare(args: argparse.Namespace) -> int:
    from gongkai.compare import pivot_matrix

    for code in args.codes:
        check_source_fields({"place_code": code, "place_name": "-", "domain": "x"}, "command line", None)
    arguments = {"place": list(args.codes)}
    coverage = _run_saved(args, "compare-coverage", arguments)
    matrix = pivot_matrix(_run_saved(args, "compare-matrix", arguments))
    found = [r["place_code"] for r in coverage]
    missing = [c for c in args.codes if c not in found]
    if missing:
        raise GongkaiError(f"no catalog in the store for place code(s) {', '.join(missing)}")
    places = list(args.codes)
    if args.format == "json":
        print(json.dumps({"places": places, "coverage": coverage, "matrix": matrix}, ensure_ascii=False, indent=2))
        return 0
    headers = ["notation", "standard_item", "category", *places]
    rows = [[row["notation"], row["label"], row["category"],
             *(f"{row['cells'][c]['status']} {row['cells'][c]['count']}" if args.format == "csv"
               else f"{row['cells'][c]['mark']} {row['cells'][c]['count'] or ''}".rstrip() for c in places)]
            for row in matrix]
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        return 0
    labels = {r["place_code"]: r.get("place_label", "") for r in coverage}
    print(render_table(["place", "name", "present", "partial", "standard items", "coverage %", "items"],
                       [[r["place_code"], labels[r["place_code"]], r["present"], r["partial"], r["standard_items"],
                         r["coverage_percent"], r["items"]] for r in coverage]))
    print(render_table(headers, rows), end="")
    print("● present (exact, alias or curated)  ◐ partial (fuzzy only)  ○ absent")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from gongkai.store import OxigraphStore

    remote = _remote(args)
    if remote is not None:
        meta = remote.metadata()
        if not meta:
            raise GongkaiError(f"no Gongkai dataset on {remote.location} (run `gongkai push` first)")
        row = _remote_query(remote, sparql_prefixes() + STATS_QUERY, None, None).bindings[0]
        _print_stats({"catalogs": int(row["catalogs"]["value"]), "places": int(row["places"]["value"]),
                      "items": int(row["items"]["value"]), "triples": meta.get("quads", 0),
                      "violations": meta.get("validation", {}).get("Violation", 0),
                      "warnings": meta.get("validation", {}).get("Warning", 0),
                      "data_version": meta.get("data_version", "")}, args.format)
        return 0
    with OxigraphStore.open(args.store) as store:
        solution = next(iter(store.query(sparql_prefixes() + STATS_QUERY)))
        meta = store.metadata()
        validation = meta.get("validation", {})
        stats = {
            "catalogs": int(solution["catalogs"].value),
            "places": int(solution["places"].value),
            "items": int(solution["items"].value),
            "triples": store.triple_count(),
            "violations": validation.get("Violation", 0),
            "warnings": validation.get("Warning", 0),
            "data_version": meta.get("data_version", ""),
        }
    _print_stats(stats, args.format)
    return 0


def _print_stats(stats: dict, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        for key, value in stats.items():
            print(f"{key:13} {value}")


# --------------------------------------------------------------------------- remote servers


def _remote(args: argparse.Namespace, *, write: bool = False):
    """The RemoteStore the options name, or None for the embedded store."""
    from gongkai.remote import RemoteStore

    endpoint = getattr(args, "endpoint", None)
    store_endpoint = getattr(args, "store_endpoint", None)
    update_endpoint = getattr(args, "update_endpoint", None)
    if not (endpoint or store_endpoint or update_endpoint):
        return None
    if write and not (store_endpoint or update_endpoint):
        raise GongkaiError("--endpoint only queries: loading into a server needs --store-endpoint URL "
                           "(Graph Store Protocol) or --update-endpoint URL (SPARQL Update)")
    if not write and not endpoint and not store_endpoint:
        raise GongkaiError("reading from a server needs --endpoint URL (or --store-endpoint URL)")
    return RemoteStore(endpoint, store_endpoint, update_endpoint, timeout=args.remote_timeout)


def _check_union(remote) -> None:
    """Warn when the server's default graph is not the union of its named graphs."""
    if remote.endpoint is None:
        print("note: pass --endpoint too so that the server's default graph can be checked "
              "(our queries need it to be the union of all graphs)", file=sys.stderr)
        return
    if remote.default_graph_is_union() is False:
        print(f"warning: the default graph of {remote.location} is not the union of its named graphs; "
              "saved queries will find nothing until the server is configured so (docs/remote-servers.md)",
              file=sys.stderr)


def cmd_push(args: argparse.Namespace) -> int:
    from gongkai.pipeline import push_store, read_previous_metadata, repeated_triples

    remote = _remote(args, write=True)
    if remote is None:
        raise GongkaiError("push needs --store-endpoint URL or --update-endpoint URL")
    record = push_store(args.store, remote, _progress(args))
    _check_union(remote)
    _warn_repeated(repeated_triples(read_previous_metadata(Path(args.store))))
    print(f"pushed {args.store} to {remote.location}: {len(record['graphs'])} graphs, "
          f"{record.get('quads', 0)} triples (data version {str(record.get('data_version', ''))[:16]})")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="gongkai",
        description="Turn grassroots disclosure standard catalogs (基层政务公开标准目录) into validated linked data.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    root.add_argument("--version", action="version", version=f"gongkai {__version__}")
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def store_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--store", type=Path, default=DEFAULT_STORE, help="embedded Oxigraph store folder (default: var/store)")

    def remote_options(p: argparse.ArgumentParser, *, read: bool = True, gsp: bool = False, update: bool = False) -> None:
        group = p.add_argument_group("remote SPARQL server (instead of the embedded store; docs/remote-servers.md)")
        if read:
            group.add_argument("--endpoint", metavar="URL", help="the server's SPARQL query endpoint")
        if gsp:
            group.add_argument("--store-endpoint", metavar="URL",
                               help="its Graph Store Protocol endpoint (?graph=IRI: PUT, GET, DELETE)")
        if update:
            group.add_argument("--update-endpoint", metavar="URL",
                               help="its SPARQL Update endpoint (INSERT DATA in chunks; MOVE for an atomic swap)")
        group.add_argument("--remote-timeout", type=float, default=300.0, metavar="SECONDS",
                           help="client-side timeout of each request to the server (default: 300)")

    p = sub.add_parser("build", help="build the store from the manifest's catalogs, with SHACL validation")
    store_option(p)
    p.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="catalog manifest (default: data/sources.toml)")
    p.add_argument("--base", default=DEFAULT_BASE, help=f"IRI base of the data (default: {DEFAULT_BASE})")
    p.add_argument("--ledger", type=Path,
                   help="write the ledger (what became of every source line) as CSV (implies a full build)")
    p.add_argument("--full", action="store_true",
                   help="rebuild every catalog (default: only those whose source file is new or changed, "
                        "when the previous store was built with the same base, code, vocabularies and shapes)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes that build catalogs (default: the number of CPUs)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    remote_options(p, gsp=True, update=True)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("ingest", help="convert catalog files to RDF without touching the store")
    p.add_argument("files", nargs="+", metavar="FILE", help="catalog files (PDF text .txt or .csv)")
    p.add_argument("--place-code", required=True, help="GB/T 2260 code of the catalog's place, e.g. 654002")
    p.add_argument("--place-name", required=True, help="name of the place, e.g. 伊宁市")
    p.add_argument("--domain", required=True, help="policy domain slug, e.g. social-insurance")
    p.add_argument("--publisher", help="publishing body (default: <place>人民政府)")
    p.add_argument("--title", help="catalog title")
    p.add_argument("--input-format", default="pdf-text", help="format of the files: pdf-text (tab-separated) or csv")
    p.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    p.add_argument("--format", choices=INGEST_FORMATS, default="turtle", help="RDF format (default: turtle)")
    p.add_argument("--ledger", type=Path, help="write the ledger as CSV")
    p.add_argument("--base", default=DEFAULT_BASE, help="IRI base")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("validate", help="SHACL report of the store; exit 0 when there is no Violation")
    store_option(p)
    p.add_argument("--format", choices=["text", "turtle", "json"], default="text")
    p.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    p.add_argument("--engine", choices=["fast", "pyshacl"], default="fast",
                   help="SHACL engine: the compiled fast one (default) or pySHACL, the slow reference; "
                        "both give the same report")
    remote_options(p, gsp=True)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("export", help="dump the store in an RDF format (deterministic bytes)")
    store_option(p)
    p.add_argument("--format", required=True, choices=["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"])
    p.add_argument("-o", "--output", type=Path, required=True)
    remote_options(p, gsp=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("query", help="run a SPARQL query (saved query name, file.rq or text) against the store")
    store_option(p)
    p.add_argument("query", help="a saved query's NAME (see `gongkai queries`), a .rq file or the query text; "
                                 "gk:, dct:, skos:, ... prefixes are predeclared")
    p.add_argument("--format", choices=["table", "json", "csv", "tsv"], default="table")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a saved query's parameter (repeat it for several parameters or values)")
    remote_options(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("queries", help="list the saved queries and their parameters")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_queries)

    p = sub.add_parser("serve", help="serve the web app and the SPARQL endpoint (waitress, read-only)")
    store_option(p)
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port (default: 5000)")
    p.add_argument("--query-timeout", type=float, default=30.0, help="seconds after which a query is stopped (default: 30)")
    p.add_argument("--max-rows", type=int, default=10_000, help="row cap of query results (default: 10000)")
    p.add_argument("--threads", type=int, default=8, help="HTTP worker threads (default: 8)")
    p.add_argument("--query-workers", type=int, default=2,
                   help="query worker processes; with --endpoint, queries in flight to the server (default: 2)")
    p.add_argument("--endpoint", metavar="URL",
                   help="serve the graph of this SPARQL server's query endpoint instead of the embedded store")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("reconcile", help="what matched the reference vocabularies how, and what did not")
    p.add_argument("--report", action="store_true", help="print the report (the default and only action)")
    p.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="catalog manifest (default: data/sources.toml)")
    p.add_argument("--base", default=DEFAULT_BASE, help="IRI base")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_reconcile)

    p = sub.add_parser("compare", help="compare places: standard items x places matrix and coverage")
    store_option(p)
    p.add_argument("codes", nargs="+", metavar="CODE", help="GB/T 2260 codes of the places to compare")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--endpoint", help="query a remote SPARQL server instead of the embedded store")
    p.add_argument("--remote-timeout", type=float, default=300.0, help="seconds per request to the server")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("stats", help="catalogs, places, items, triples, warnings")
    store_option(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    remote_options(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("push", help="load the embedded store's graphs into a remote SPARQL server")
    store_option(p)
    remote_options(p, gsp=True, update=True)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=cmd_push)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if argv is None and args.func is cmd_build:  # the command line, not a caller in this process
            restart_with_jemalloc(sys.argv[1:])
        return args.func(args)
    except GongkaiError as exc:
        print(f"gongkai: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `gongkai compare ... | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("gongkai: interrupted; the store was not changed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
