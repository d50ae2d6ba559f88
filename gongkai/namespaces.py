"""RDF namespaces used across the project, bound once so every serialization agrees."""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

GK = Namespace("https://w3id.org/gongkai/ontology#")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VANN = Namespace("http://purl.org/vocab/vann/")

DEFAULT_BASE = "https://w3id.org/gongkai/"

PREFIXES: dict[str, Namespace] = {
    "gk": GK,
    "cpsv": CPSV,
    "cv": CV,
    "eli": ELI,
    "org": ORG,
    "schema": SCHEMA,
    "skos": SKOS,
    "dct": DCTERMS,
    "dcat": DCAT,
    "prov": PROV,
    "void": VOID,
    "foaf": FOAF,
    "vann": VANN,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": SH,
}


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, for saved and ad-hoc queries."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


class TermCache:
    """A namespace whose terms are built once.

    rdflib builds (and validates) a new URIRef on every attribute access of a
    namespace; the mapper asks for ``GK.channel`` or ``RDF.type`` millions of times
    when it maps a national corpus. ``TermCache(GK).channel`` is the same URIRef as
    ``GK.channel``, built on first use and kept as a plain attribute.
    """

    def __init__(self, namespace: object) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = getattr(self._namespace, name)
        setattr(self, name, term)  # later lookups find the attribute and skip __getattr__
        return term

    def __getitem__(self, name: str) -> URIRef:
        return self._namespace[name]  # type: ignore[index]

    def __str__(self) -> str:
        return str(self._namespace)
