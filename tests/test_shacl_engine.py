"""The fast SHACL engine against pySHACL, its reference.

Differential tests: both engines must give the same results, every field of every
result, on the seed catalogs, on a generated corpus, on every broken fixture of
tests/test_shapes.py and tests/test_validate.py, and on small shapes written to
exercise each construct the engine supports (whose expected results are checked too).
Constructs it does not support must be refused when the shapes are compiled.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from gongkai.errors import GongkaiError
from gongkai.manifest import load_manifest
from gongkai.shacl_engine import UnsupportedShapes
from gongkai.validate import (
    ValidationResult,
    load_shapes,
    validate_catalog_triples,
    validate_catalogs,
    validation_context,
)
from tests.conftest import REPO, corpus_generator
from tests.test_shapes import CATALOG, SHAPES, VIOLATIONS, WARNINGS_AND_INFOS, broken_fixture
from tests.test_validate import VARIANTS

EX = "http://example.org/"
G = URIRef(EX + "graph")
PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""
# Lets SPARQL constraints say ex: (sh:prefixes ex:ontology).
DECLARE_EX = """
ex:ontology a owl:Ontology ;
    sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
"""


def both(catalogs: dict[URIRef, Graph], vocabulary: Graph, shapes: Graph | None = None) -> list[ValidationResult]:
    """The results of the two engines, which must be equal in every field."""
    fast = validate_catalogs(catalogs, vocabulary, shapes, engine="fast").sorted_results()
    reference = validate_catalogs(catalogs, vocabulary, shapes, engine="pyshacl").sorted_results()
    assert fast == reference
    return fast


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def both_on(shapes: str, catalog: str, vocabulary: str = "") -> list[ValidationResult]:
    return both({G: turtle(catalog)}, turtle(vocabulary), turtle(shapes))


def summary(results: list[ValidationResult]) -> list[tuple]:
    """(severity, focus, path, value, component) with ex: IRIs shortened."""

    def short(term):
        if term is None:
            return None
        text = term.n3() if isinstance(term, Literal) else str(term)
        return text.replace(EX, "ex:").replace("http://www.w3.org/ns/shacl#", "sh:")

    return sorted(
        (r.severity, short(r.focus_node), short(r.result_path), short(r.value), short(r.constraint_component))
        for r in results
    )


# --- real data -------------------------------------------------------------------------


def test_seed_catalogs(seed_build) -> None:
    results = both(seed_build.graphs, seed_build.vocabulary.graph)
    severities = {r.severity for r in results}
    assert {"Warning", "Info"} <= severities
    assert {r.graph for r in results} == set(seed_build.graphs)


def test_the_per_catalog_function_gives_what_validate_catalogs_gives(seed_build) -> None:
    context = validation_context(seed_build.vocabulary.graph)
    report = validate_catalogs(seed_build.graphs, seed_build.vocabulary.graph)
    by_graph = [
        result
        for name, graph in sorted(seed_build.graphs.items())
        for result in validate_catalog_triples(name, set(graph), context)
    ]
    assert by_graph == report.sorted_results() and by_graph


def test_generated_corpus(tmp_path: Path) -> None:
    # Four catalogs: pySHACL takes seconds for each.
    from gongkai.pipeline import build_graphs

    corpus_generator().generate(4, tmp_path)
    build = build_graphs(load_manifest(tmp_path / "sources.toml"))
    assert len(build.graphs) == 4
    results = both(build.graphs, build.vocabulary.graph)
    assert len({r.graph for r in results}) == 4


# --- the broken fixtures of the shapes and report tests --------------------------------

SHAPE_CASES = {"conforming": {}} | {
    name: {k: v for k, v in spec.items() if k != "expect"}
    for name, spec in (VIOLATIONS | WARNINGS_AND_INFOS).items()
}


@pytest.mark.parametrize("case", sorted(SHAPE_CASES), ids=str)
def test_broken_shape_fixture(case: str) -> None:
    catalog, vocabulary = broken_fixture(**SHAPE_CASES[case])
    results = both({CATALOG: catalog}, vocabulary, SHAPES)
    assert (case == "conforming") == (results == [])


@pytest.mark.parametrize("variant", sorted(VARIANTS), ids=str)
def test_report_fixture(variant: str) -> None:
    assert both(*VARIANTS[variant]())


# --- each supported construct ----------------------------------------------------------


def test_class_follows_subclass_of_in_vocabulary_and_catalog() -> None:
    results = both_on(
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:Animal ; sh:message "animal"@en ;
            sh:property [ sh:path ex:owner ; sh:class ex:Person ; sh:message "owner"@en , "主人"@zh ] .
        """,
        """
        ex:rex a ex:Dog ; ex:owner ex:ann , ex:bob , "ann" .
        ex:ann a ex:Student . ex:bob a ex:Rock .
        ex:tom a ex:Kitten ; ex:owner ex:ann .
        ex:Kitten rdfs:subClassOf ex:Cat .
        """,
        """
        ex:Dog rdfs:subClassOf ex:Mammal . ex:Cat rdfs:subClassOf ex:Mammal .
        ex:Mammal rdfs:subClassOf ex:Animal . ex:Student rdfs:subClassOf ex:Person .
        ex:stray a ex:Dog ; ex:owner ex:bob .
        """,
    )
    # rex is a target through Dog ⊑ Mammal ⊑ Animal, tom through the catalog's own
    # Kitten ⊑ Cat; ann is a Person through Student; the stray dog of the vocabulary is
    # not described by the catalog, so not reported.
    assert summary(results) == [
        ("Violation", "ex:rex", "ex:owner", '"ann"', "sh:ClassConstraintComponent"),
        ("Violation", "ex:rex", "ex:owner", "ex:bob", "sh:ClassConstraintComponent"),
    ]
    assert (results[0].message_en, results[0].message_zh) == ("owner", "主人")


def test_datatype_ranges_and_ill_typed_literals() -> None:
    results = both_on(
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:message "t"@en ;
            sh:property [ sh:path ex:n ; sh:datatype xsd:integer ; sh:message "n"@en ] ,
                [ sh:path ex:n ; sh:minInclusive 2 ; sh:maxInclusive 10 ; sh:message "range"@en ] ,
                [ sh:path ex:s ; sh:datatype xsd:string ; sh:message "s"@en ] ,
                [ sh:path ex:l ; sh:datatype rdf:langString ; sh:message "l"@en ] ,
                [ sh:path ex:d ; sh:datatype xsd:date ; sh:message "d"@en ] .
        """,
        """
        ex:a a ex:T ; ex:n 5 , "2.5"^^xsd:integer , 1.5 , 11 , "7" ;
            ex:s "plain" , "typed"^^xsd:string , "tagged"@en , 3 ;
            ex:l "名"@zh , "plain" ;
            ex:d "2020-01-31"^^xsd:date , "2020-13-45"^^xsd:date .
        """,
    )
    integer = "<http://www.w3.org/2001/XMLSchema#integer>"
    flagged = {(r.value.n3().replace(integer, "xsd:integer"), r.message_en) for r in results}
    assert flagged == {
        ('"2.5"^^xsd:integer', "n"),  # ill-typed: the right IRI is not enough
        ('"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>', "n"),
        ('"7"', "n"),
        ('"2.5"^^xsd:integer', "range"),  # not comparable
        ('"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>', "range"),
        ('"11"^^xsd:integer', "range"),
        ('"7"', "range"),  # a string is not compared with a number
        ('"tagged"@en', "s"),
        ('"3"^^xsd:integer', "s"),
        ('"plain"', "l"),
        ('"2020-13-45"^^<http://www.w3.org/2001/XMLSchema#date>', "d"),
    }


def test_in_compares_terms_pattern_flags_and_min_length() -> None:
    results = both_on(
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:message "t"@en ;
            sh:property [ sh:path ex:c ; sh:in ( "a" 1 ex:x true ) ; sh:message "in"@en ] ,
                [ sh:path ex:p ; sh:pattern "^ab+c$" ; sh:flags "i" ; sh:message "pattern"@en ] ,
                [ sh:path ex:p ; sh:minLength 4 ; sh:message "length"@en ] .
        """,
        """
        ex:a a ex:T ; ex:c "a" , "1" , 1 , ex:x , ex:y , true , "a"@en ;
            ex:p "ABBC" , "abd" , ex:abbbc , "abc"@en .
        """,
    )
    flagged = sorted((r.message_en, r.value.n3()) for r in results)
    assert flagged == [
        ("in", '"1"'),
        ("in", '"a"@en'),
        ("in", f"<{EX}y>"),
        ("length", '"abc"@en'),
        ("length", '"abd"'),
        ("pattern", '"abd"'),
        ("pattern", f"<{EX}abbbc>"),  # an IRI is matched as its text
    ]


def test_node_and_not_as_pyshacl_judges_conformance() -> None:
    results = both_on(
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:message "t"@en ;
            sh:property [ sh:path ex:k ; sh:node ex:Good ; sh:message "node"@en ] ,
                [ sh:path ex:k ; sh:not ex:Good ; sh:message "not"@en ] ,
                [ sh:path ex:k ; sh:not ex:MerelyWarned ; sh:message "not-warning"@en ] .
        ex:Good a sh:NodeShape ; sh:property [ sh:path ex:ok ; sh:in ( true ) ; sh:minCount 1 ] .
        ex:MerelyWarned a sh:NodeShape ; sh:severity sh:Warning ; sh:in ( ex:good ) .
        """,
        "ex:a a ex:T ; ex:k ex:good , ex:bad , ex:none . ex:good ex:ok true . ex:bad ex:ok false .",
    )
    # A shape of severity Warning counts as conforming even where it fails (pySHACL
    # runs with allow_warnings), so sh:not of it fails on every value.
    assert sorted((r.message_en, str(r.value).replace(EX, "")) for r in results) == [
        ("node", "bad"),
        ("node", "none"),
        ("not", "good"),
        ("not-warning", "bad"),
        ("not-warning", "good"),
        ("not-warning", "none"),
    ]
    assert {(r.result_path, str(r.constraint_component).split("#")[1]) for r in results} == {
        (URIRef(EX + "k"), "NodeConstraintComponent"),
        (URIRef(EX + "k"), "NotConstraintComponent"),
    }


def test_inverse_path_severity_and_deactivated_shapes() -> None:
    results = both_on(
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:message "t"@en ;
            sh:property [ sh:path [ sh:inversePath ex:parent ] ; sh:minCount 1 ; sh:class ex:T ;
                          sh:severity sh:Info ; sh:message "children"@en ] .
        ex:Off a sh:NodeShape ; sh:targetClass ex:T ; sh:deactivated true ;
            sh:property [ sh:path ex:x ; sh:minCount 1 ; sh:message "x"@en ] .
        """,
        "ex:a a ex:T . ex:b a ex:T ; ex:parent ex:a . ex:c ex:parent ex:b . ex:d a ex:T .",
    )
    inverse = '"^<ex:parent>"'
    assert summary(results) == [
        ("Info", "ex:b", inverse, "ex:c", "sh:ClassConstraintComponent"),
        ("Info", "ex:d", inverse, None, "sh:MinCountConstraintComponent"),
    ]


def test_sparql_constraint_messages_paths_and_values() -> None:
    results = both_on(
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:severity sh:Warning ;
            sh:message "{$this} is odd"@en ;
            sh:sparql [
                sh:message "{?label} at {?path} of {$this}"@en , "{?label}不对"@zh ;
                sh:prefixes ex:ontology ;
                sh:select \"\"\"
                    SELECT $this ?path ?value ?label WHERE {
                        $this ex:p ?value .
                        OPTIONAL { ?value ex:label ?l }
                        BIND (COALESCE(?l, "?") AS ?label)
                        BIND (ex:p AS ?path)
                    }\"\"\" ] .
        """
        + DECLARE_EX,
        'ex:a a ex:T ; ex:p ex:v1 , "lit" . ex:v1 ex:label "L1" . ex:b a ex:U ; ex:p ex:v1 .',
    )
    a, p = EX + "a", EX + "p"
    assert sorted((str(r.value), r.message_en, r.message_zh) for r in results) == [
        (EX + "v1", f"L1 at {p} of {a}", "L1不对"),
        ("lit", f"? at {p} of {a}", "?不对"),
    ]
    assert {(r.severity, r.result_path, r.constraint_component) for r in results} == {
        ("Warning", URIRef(p), URIRef("http://www.w3.org/ns/shacl#SPARQLConstraintComponent"))
    }


@pytest.mark.parametrize(
    "select",
    [
        # grouped: run once per focus node
        "SELECT $this (COUNT(?v) AS ?n) WHERE { $this ex:p ?v } GROUP BY $this HAVING (COUNT(?v) > 1)",
        # no $this: one run, its solutions hold for every focus node
        "SELECT ?value ?n WHERE { ?value a ex:Bad . BIND (1 AS ?n) }",
        # $this only in an OPTIONAL, where pre-binding differs from evaluating unbound
        "SELECT $this ?n WHERE { OPTIONAL { $this ex:p ?v } FILTER (!BOUND(?v)) BIND (0 AS ?n) }",
        # a path with a zero-length part reads any triple
        "SELECT $this ?value ?n WHERE { $this ex:p* ?value . FILTER (isLiteral(?value)) BIND (2 AS ?n) }",
    ],
)
def test_sparql_queries_of_each_kind(select: str) -> None:
    results = both_on(
        f"""
        ex:S a sh:NodeShape ; sh:targetClass ex:T ;
            sh:sparql [ sh:message "{{?n}} of {{?value}}"@en ; sh:prefixes ex:ontology ; sh:select "{select}" ] .
        """
        + DECLARE_EX,
        "ex:a a ex:T ; ex:p ex:v1 , ex:v2 , 7 . ex:b a ex:T ; ex:p ex:v1 . ex:c a ex:T . ex:z a ex:Bad .",
    )
    assert results and all(r.message_en.split(" of ")[0].isdigit() for r in results)


# --- refused at compile time -----------------------------------------------------------

UNSUPPORTED = {
    "sh:or": "ex:S sh:or ( [ sh:class ex:A ] [ sh:class ex:B ] ) .",
    "sh:targetNode": "ex:S sh:targetNode ex:a .",
    "sh:target": 'ex:S sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this a ex:T }" ] .',
    "sequence path": "ex:S sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ; sh:message \"m\" ] .",
    "zero-or-more path": "ex:S sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 1 ; sh:message \"m\" ] .",
    "sh:hasValue": "ex:S sh:property [ sh:path ex:p ; sh:hasValue 1 ; sh:message \"m\" ] .",
    "sh:nodeKind": "ex:S sh:nodeKind sh:IRI .",
    "sh:closed": "ex:S sh:closed true .",
    "sh:maxLength": "ex:S sh:property [ sh:path ex:p ; sh:maxLength 3 ; sh:message \"m\" ] .",
    "sh:minExclusive": "ex:S sh:property [ sh:path ex:p ; sh:minExclusive 3 ; sh:message \"m\" ] .",
    "sh:languageIn": "ex:S sh:property [ sh:path ex:p ; sh:languageIn ( \"zh\" ) ; sh:message \"m\" ] .",
    "sh:qualifiedValueShape": (
        "ex:S sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:A ] ; "
        'sh:qualifiedMinCount 1 ; sh:message "m" ] .'
    ),
    "sh:sparql on a property shape": (
        'ex:S sh:property [ sh:path ex:p ; sh:message "m" ; '
        'sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o }" ] ] .'
    ),
    "no sh:message": "ex:S sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
    "a shape that is a class": "ex:S a rdfs:Class .",
    "recursion": "ex:S sh:property [ sh:path ex:p ; sh:node ex:S ; sh:message \"m\" ] .",
}


@pytest.mark.parametrize("construct", sorted(UNSUPPORTED), ids=str)
def test_unsupported_construct_is_refused_naming_the_shape(construct: str) -> None:
    shapes = turtle('ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:message "s"@en .\n' + UNSUPPORTED[construct])
    with pytest.raises(UnsupportedShapes, match="^shape .*<http://example.org/S>"):
        validation_context(Graph(), shapes)


def test_forbidden_sparql_is_refused_like_pyshacl_refuses_it() -> None:
    shapes = turtle(
        'ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:sparql [ sh:select "SELECT $this WHERE { MINUS { $this ex:p 1 } }" ] .'
    )
    with pytest.raises(GongkaiError, match="MINUS"):
        validation_context(Graph(), shapes)


def test_our_shapes_compile() -> None:
    context = validation_context(Graph(), load_shapes())
    assert len(context.program.top) == 11 and len(context.program.sparql) == 1  # 11 node shapes with targets
    assert context.program.sparql[0].mode == "batch"


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(GongkaiError, match="unknown SHACL engine"):
        validate_catalogs({}, Graph(), engine="jena")  # type: ignore[arg-type]


# --- the command -----------------------------------------------------------------------


def test_validate_command_engine_flag(seed_store: Path) -> None:
    def validate(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "gongkai.cli", "validate", "--store", str(seed_store), "--format", "json", *args],
            cwd=REPO, capture_output=True, text=True, timeout=600,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        )

    fast, reference, default = validate("--engine", "fast"), validate("--engine", "pyshacl"), validate()
    assert fast.returncode == reference.returncode == 0, fast.stderr + reference.stderr
    assert fast.stdout == reference.stdout == default.stdout
    assert json.loads(fast.stdout)["counts"]["Warning"] > 0
    assert validate("--engine", "jena").returncode == 2
