"""Serialise the store's content to a file, deterministically.

Same store content -> byte-identical file, whatever the process or its hash seed:

* ``ntriples`` / ``nquads``: pyoxigraph's canonical serialisation of each statement,
  sorted by code point and deduplicated (external sort, bounded memory). The N-Quads
  dump hashes to the store's ``data_version``.
* ``turtle`` / ``rdfxml``: the union of all graphs (triples), through rdflib with the
  project prefixes bound; rdflib's turtle writer sorts; subjects and properties are
  sorted for RDF/XML; prefixes rdflib invents for unknown namespaces are pre-bound in
  sorted order.
* ``trig`` / ``jsonld``: one named graph per catalog (rdflib Dataset, graphs sorted;
  JSON-LD with one ``@graph`` per named graph, arrays and keys canonically sorted).

Blank nodes are written but get fresh labels from rdflib, so only the two line-based
formats stay byte-identical when a store holds blank nodes. rdflib normalises
non-canonical literals (``"01"^^xsd:integer`` becomes ``1``) in the four rdflib formats.
A whole xsd:decimal (a match score of 1 or 0, which Oxigraph stores as ``"1"``) is
written in full, ``"1"^^xsd:decimal``, in Turtle and TriG: rdflib's shorthand ``1.0``
would read back as another lexical form.

A file is written to a temporary sibling and renamed into place, so a failed export
never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugin import register
from rdflib.plugins.serializers.trig import TrigSerializer
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.serializer import Serializer
from rdflib.term import Node

from gongkai.errors import GongkaiError
from gongkai.namespaces import PREFIXES, bind_prefixes
from gongkai.store import OxigraphStore, canonical_lines

__all__ = ["FORMATS", "QUAD_FORMATS", "export_store", "serialize_store"]

# name -> (media type, file extension without the dot)
FORMATS: dict[str, tuple[str, str]] = {
    "turtle": ("text/turtle", "ttl"),
    "ntriples": ("application/n-triples", "nt"),
    "nquads": ("application/n-quads", "nq"),
    "trig": ("application/trig", "trig"),
    "jsonld": ("application/ld+json", "jsonld"),
    "rdfxml": ("application/rdf+xml", "rdf"),
}
# formats that keep the named graphs; the others hold the union of all graphs
QUAD_FORMATS = frozenset({"nquads", "trig", "jsonld"})


# --------------------------------------------------------------------------- ordering


def _term_key(term: Node) -> tuple[int, str, str, str]:
    """A total, hash-seed independent order over rdflib terms."""
    if isinstance(term, URIRef):
        return (0, str(term), "", "")
    if isinstance(term, BNode):
        return (1, str(term), "", "")
    if isinstance(term, Literal):
        return (2, str(term), str(term.datatype or ""), term.language or "")
    return (3, str(term), "", "")


class _SortedGraph(Graph):
    """A Graph whose iteration, as used by rdflib's RDF/XML writer, is sorted."""

    def subjects(self, predicate=None, object=None, unique=False):
        yield from sorted(set(super().subjects(predicate, object)), key=_term_key)

    def predicates(self, subject=None, object=None, unique=False):
        yield from sorted(set(super().predicates(subject, object)), key=_term_key)

    def predicate_objects(self, subject=None, unique=False):
        pairs = set(super().predicate_objects(subject))
        yield from sorted(pairs, key=lambda po: (_term_key(po[0]), _term_key(po[1])))


class _SortedDataset(Dataset):
    """A Dataset listing its graphs in IRI order (rdflib's TriG writer follows it)."""

    def contexts(self, triple=None):
        # ConjunctiveGraph.contexts: the same graphs, without Dataset's deprecation warning
        graphs = list(super(Dataset, self).contexts(triple))
        yield from sorted(graphs, key=lambda g: _term_key(g.identifier))


def _whole_decimal(node: Node) -> bool:
    return isinstance(node, Literal) and node.datatype == XSD.decimal and not any(c in node for c in ".eE")


class _DecimalInFull:
    """Turtle and TriG as rdflib writes them, but a whole xsd:decimal in full."""

    def label(self, node: Node, position: int) -> str:
        if _whole_decimal(node):
            return node._literal_n3(use_plain=False, qname_callback=lambda dt: self.get_pname(dt, False))
        return super().label(node, position)  # type: ignore[misc]


class _TurtleSerializer(_DecimalInFull, TurtleSerializer):
    pass


class _TrigSerializer(_DecimalInFull, TrigSerializer):
    pass


register("gongkai-turtle", Serializer, "gongkai.export", "_TurtleSerializer")
register("gongkai-trig", Serializer, "gongkai.export", "_TrigSerializer")


def _prebind(graph: Graph, predicates: list[URIRef], strict: bool) -> None:
    """Bind the prefixes rdflib would invent (ns1, ns2, ...) in a fixed order."""
    manager = graph.namespace_manager
    compute = manager.compute_qname_strict if strict else manager.compute_qname
    for predicate in sorted(set(predicates), key=_term_key):
        with contextlib.suppress(ValueError, KeyError):
            compute(predicate, generate=True)


def _new_graph(cls: type[Graph] = Graph, **kwargs: Any) -> Graph:
    if not issubclass(cls, Dataset):  # Dataset takes no bind_namespaces
        kwargs["bind_namespaces"] = "core"
    graph = cls(**kwargs)
    bind_prefixes(graph)
    return graph


# --------------------------------------------------------------------------- writers

Writer = Callable[[OxigraphStore, IO[bytes]], int]


def _write_lines(lines: Iterator[str], out: IO[bytes]) -> int:
    count = 0
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        count += 1
        if len(buffer) >= 10_000:
            out.write("".join(buffer).encode("utf-8"))
            buffer.clear()
    out.write("".join(buffer).encode("utf-8"))
    return count


def _write_ntriples(store: OxigraphStore, out: IO[bytes]) -> int:
    return _write_lines(canonical_lines(store.quads(), triples=True), out)


def _write_nquads(store: OxigraphStore, out: IO[bytes]) -> int:
    return _write_lines(canonical_lines(store.quads()), out)


def _union_graph(store: OxigraphStore, cls: type[Graph] = Graph) -> Graph:
    graph = _new_graph(cls)
    text = "".join(canonical_lines(store.quads(), triples=True))
    graph.parse(data=text, format="nt")
    return graph


def _dataset(store: OxigraphStore) -> tuple[Dataset, int]:
    dataset = _new_graph(_SortedDataset, default_union=False)
    lines = list(canonical_lines(store.quads()))
    dataset.parse(data="".join(lines), format="nquads")
    return dataset, len(lines)  # type: ignore[return-value]


def _write_turtle(store: OxigraphStore, out: IO[bytes]) -> int:
    graph = _union_graph(store)
    _prebind(graph, list(graph.predicates()), strict=False)
    graph.serialize(destination=out, format="gongkai-turtle", encoding="utf-8")
    return len(graph)


def _write_rdfxml(store: OxigraphStore, out: IO[bytes]) -> int:
    graph = _union_graph(store, _SortedGraph)
    _prebind(graph, list(graph.predicates()), strict=True)
    try:
        data = graph.serialize(format="xml", encoding="utf-8")
    except ValueError as exc:  # a predicate IRI with no XML local name
        raise GongkaiError(f"cannot write RDF/XML: {exc}") from None
    out.write(data)
    return len(graph)


def _write_trig(store: OxigraphStore, out: IO[bytes]) -> int:
    dataset, count = _dataset(store)
    predicates = [p for _s, p, _o, _g in dataset.quads((None, None, None, None))]
    _prebind(dataset, predicates, strict=False)
    dataset.serialize(destination=out, format="gongkai-trig", encoding="utf-8")
    return count


def _canonical_json(value: Any) -> Any:
    """Sort every JSON-LD array whose order carries no meaning (all but @list)."""
    if isinstance(value, dict):
        return {k: v if k == "@list" else _canonical_json(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical_json(v) for v in value]

        def key(item: Any) -> tuple[str, str]:
            ident = item.get("@id", "") if isinstance(item, dict) else ""
            return (str(ident), json.dumps(item, ensure_ascii=False, sort_keys=True))

        return sorted(items, key=key)
    return value


def _lift_default_graph(document: Any) -> Any:
    """rdflib wraps default-graph nodes in an anonymous ``{"@graph": [...]}``, which
    JSON-LD reads as a graph named by a blank node: put those nodes at the top level."""
    if isinstance(document, dict) and isinstance(document.get("@graph"), list):
        items: list[Any] = []
        for item in document["@graph"]:
            if isinstance(item, dict) and set(item) == {"@graph"}:
                items.extend(item["@graph"])
            else:
                items.append(item)
        document["@graph"] = items
    return document


def _write_jsonld(store: OxigraphStore, out: IO[bytes]) -> int:
    dataset, count = _dataset(store)
    context = {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}
    text = dataset.serialize(format="json-ld", context=context)
    document = _canonical_json(_lift_default_graph(json.loads(text)))
    out.write(json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8"))
    out.write(b"\n")
    return count


_WRITERS: dict[str, Writer] = {
    "turtle": _write_turtle,
    "ntriples": _write_ntriples,
    "nquads": _write_nquads,
    "trig": _write_trig,
    "jsonld": _write_jsonld,
    "rdfxml": _write_rdfxml,
}


def _writer(fmt: str) -> Writer:
    try:
        return _WRITERS[fmt]
    except KeyError:
        raise GongkaiError(
            f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}"
        ) from None


# --------------------------------------------------------------------------- public API


def serialize_store(store: OxigraphStore, fmt: str) -> bytes:
    """The export as bytes (for small stores and HTTP responses)."""
    writer = _writer(fmt)
    buffer = io.BytesIO()
    writer(store, buffer)
    return buffer.getvalue()


def export_store(store: OxigraphStore, fmt: str, out: Path | str) -> int:
    """Write the store's content to ``out`` in ``fmt`` (a key of :data:`FORMATS`).

    Returns the number of statements written: triples of the union of all graphs for
    turtle / ntriples / rdfxml, quads for nquads / trig / jsonld. The file appears
    only once complete. Raises :class:`GongkaiError` for an unknown format or a path
    that cannot be written (naming it).
    """
    writer = _writer(fmt)
    out = Path(out)
    if out.is_dir():
        raise GongkaiError("export target is a folder, not a file", file=str(out))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise GongkaiError(
            f"cannot write the export: {exc.strerror or exc}", file=str(out)
        ) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            count = writer(store, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise GongkaiError(
            f"cannot write the export: {exc.strerror or exc}", file=str(out)
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count
