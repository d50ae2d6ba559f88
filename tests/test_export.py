"""Deterministic dumps of the store in six formats, re-read by rdflib and by pyoxigraph."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from pyoxigraph import RdfFormat
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from gongkai import export as export_module
from gongkai.errors import GongkaiError
from gongkai.export import FORMATS, QUAD_FORMATS, export_store, serialize_store
from gongkai.store import OxigraphStore, atomic_build
from tests.conftest import data_version_of_nquads

G_YINING = "https://w3id.org/gongkai/catalog/654002/social-insurance"
G_ARXAN = "https://w3id.org/gongkai/catalog/152202/social-insurance"

DATASET = f"""
@prefix gk: <https://w3id.org/gongkai/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix item: <https://w3id.org/gongkai/item/> .
@prefix law: <https://w3id.org/gongkai/law/> .

<{G_YINING}> {{
  item:654002-registration a gk:DisclosureItem ;
      skos:prefLabel "社会保险登记"@zh , "Social insurance registration"@en ;
      gk:timeLimitText "信息形成或变更之日起20个工作日内"@zh ;
      gk:timeLimitWorkingDays "20"^^xsd:integer ;
      gk:proactive "true"^^xsd:boolean ;
      gk:legalBasis law:social-insurance-law ;
      dct:audience <https://w3id.org/gongkai/vocab/audience/public> .
  item:654002-payment a gk:DisclosureItem ;
      skos:prefLabel "社会保险费征缴"@zh ;
      gk:timeLimitWorkingDays "5"^^xsd:integer ;
      gk:proactive "false"^^xsd:boolean .
  law:social-insurance-law a eli:LegalResource ;
      skos:prefLabel "中华人民共和国社会保险法"@zh .
}}

<{G_ARXAN}> {{
  item:152202-registration a gk:DisclosureItem ;
      skos:prefLabel "社会保险登记"@zh ;
      gk:note "阿勒泰市 \\"人社局\\"\\n第二行"@zh ;
      gk:timeLimitWorkingDays "20"^^xsd:integer ;
      gk:proactive "true"^^xsd:boolean ;
      gk:legalBasis law:social-insurance-law ;
      <http://example.org/unbound#weight> "3"^^xsd:integer .
  law:social-insurance-law a eli:LegalResource ;
      skos:prefLabel "中华人民共和国社会保险法"@zh .
}}
"""
DEFAULT_GRAPH_TRIPLES = """
<https://w3id.org/gongkai/dataset> <http://purl.org/dc/terms/title> "基层政务公开标准目录"@zh .
<https://w3id.org/gongkai/dataset> <http://rdfs.org/ns/void#triples> "21"^^<http://www.w3.org/2001/XMLSchema#integer> .
"""
N_QUADS = 23  # 14 in Yining's graph, 9 in Arxan's
N_UNION = 21  # the law's two triples are in both graphs

RDFLIB_FORMAT = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}
OX_FORMAT = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}


def source_quads(with_default: bool = False) -> set[str]:
    quads = list(pyoxigraph.parse(input=DATASET, format=RdfFormat.TRIG))
    if with_default:
        quads += pyoxigraph.parse(input=DEFAULT_GRAPH_TRIPLES, format=RdfFormat.N_TRIPLES)
    return {str(q) for q in quads}


def source_triples(with_default: bool = False) -> set[str]:
    quads = list(pyoxigraph.parse(input=DATASET, format=RdfFormat.TRIG))
    if with_default:
        quads += pyoxigraph.parse(input=DEFAULT_GRAPH_TRIPLES, format=RdfFormat.N_TRIPLES)
    return {str(q.triple) for q in quads}


def build(path: Path, with_default: bool = False) -> Path:
    def fill(store: pyoxigraph.Store) -> None:
        store.bulk_load(input=DATASET, format=RdfFormat.TRIG)
        if with_default:
            store.load(input=DEFAULT_GRAPH_TRIPLES, format=RdfFormat.N_TRIPLES)

    atomic_build(path, fill)
    return path


@pytest.fixture
def store(tmp_path: Path):
    with OxigraphStore.open(build(tmp_path / "store")) as opened:
        yield opened


def rdflib_source_dataset(with_default: bool = False) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=DATASET, format="trig")
    if with_default:
        dataset.parse(data=DEFAULT_GRAPH_TRIPLES, format="nt")
    return dataset


def rdflib_graphs(dataset: Dataset) -> dict[str, set]:
    """graph name -> set of triples; the default graph under ''; empty graphs left out."""
    result: dict[str, set] = {}
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = "" if g is None or str(g) == "urn:x-rdflib:default" else str(g)
        result.setdefault(name, set()).add((s, p, o))
    return result


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_reparsed_by_pyoxigraph_equals_store(
    store: OxigraphStore, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "dump" / f"data.{FORMATS[fmt][1]}"
    written = export_store(store, fmt, out)
    parsed = list(pyoxigraph.parse(path=out, format=OX_FORMAT[fmt]))
    if fmt in QUAD_FORMATS:
        assert written == N_QUADS
        assert {str(q) for q in parsed} == source_quads()
        assert len(parsed) == N_QUADS
    else:
        assert written == N_UNION
        assert {str(q.triple) for q in parsed} == source_triples()
        assert all(isinstance(q.graph_name, pyoxigraph.DefaultGraph) for q in parsed)
        assert len(parsed) == N_UNION


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_reparsed_by_rdflib_is_isomorphic(
    store: OxigraphStore, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"data.{FORMATS[fmt][1]}"
    export_store(store, fmt, out)
    expected = rdflib_source_dataset()
    if fmt in QUAD_FORMATS:
        reread = Dataset()
        reread.parse(out, format=RDFLIB_FORMAT[fmt])
        got, want = rdflib_graphs(reread), rdflib_graphs(expected)
        assert sorted(got) == sorted(want) == [G_ARXAN, G_YINING]
        for name in want:
            assert isomorphic(_graph(got[name]), _graph(want[name])), name
    else:
        reread = Graph()
        reread.parse(out, format=RDFLIB_FORMAT[fmt])
        union = Graph()
        for s, p, o, _g in expected.quads((None, None, None, None)):
            union.add((s, p, o))
        assert len(reread) == len(union) == N_UNION
        assert isomorphic(reread, union)


def _graph(triples: set) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


@pytest.mark.parametrize("fmt", sorted(QUAD_FORMATS))
def test_default_graph_survives_quad_formats(tmp_path: Path, fmt: str) -> None:
    with OxigraphStore.open(build(tmp_path / "store", with_default=True)) as store:
        out = tmp_path / f"data.{FORMATS[fmt][1]}"
        assert export_store(store, fmt, out) == N_QUADS + 2
    parsed = {str(q) for q in pyoxigraph.parse(path=out, format=OX_FORMAT[fmt])}
    assert parsed == source_quads(with_default=True)
    reread = Dataset()
    reread.parse(out, format=RDFLIB_FORMAT[fmt])
    got = rdflib_graphs(reread)
    assert sorted(got) == ["", G_ARXAN, G_YINING]
    assert len(got[""]) == 2


@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - QUAD_FORMATS))
def test_triple_formats_merge_the_default_graph(tmp_path: Path, fmt: str) -> None:
    with OxigraphStore.open(build(tmp_path / "store", with_default=True)) as store:
        out = tmp_path / f"data.{FORMATS[fmt][1]}"
        assert export_store(store, fmt, out) == N_UNION + 2
    parsed = {str(q.triple) for q in pyoxigraph.parse(path=out, format=OX_FORMAT[fmt])}
    assert parsed == source_triples(with_default=True)


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_two_exports_are_byte_identical(store: OxigraphStore, tmp_path: Path, fmt: str) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    export_store(store, fmt, a)
    export_store(store, fmt, b)
    assert a.read_bytes() == b.read_bytes()
    assert serialize_store(store, fmt) == a.read_bytes()


def test_exports_do_not_depend_on_hash_seed_or_load_order(tmp_path: Path) -> None:
    """Another process with another hash seed, from a store filled in another order."""
    first = build(tmp_path / "first")
    second = tmp_path / "second"

    def fill_reversed(store: pyoxigraph.Store) -> None:
        for quad in reversed(list(pyoxigraph.parse(input=DATASET, format=RdfFormat.TRIG))):
            store.add(quad)

    atomic_build(second, fill_reversed)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from gongkai.store import OxigraphStore\n"
        "from gongkai.export import FORMATS, export_store\n"
        "with OxigraphStore.open(Path(sys.argv[1])) as s:\n"
        "    for f in FORMATS:\n"
        "        export_store(s, f, Path(sys.argv[2]) / f)\n"
    )
    root = Path(export_module.__file__).resolve().parent.parent
    for seed, store_dir in (("1", first), ("2", second), ("3", first)):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
        subprocess.run(
            [sys.executable, "-c", script, str(store_dir), str(tmp_path / f"seed{seed}")],
            check=True,
            env=env,
        )
    for fmt in FORMATS:
        dumps = {(tmp_path / f"seed{seed}" / fmt).read_bytes() for seed in "123"}
        assert len(dumps) == 1, fmt


def test_nquads_are_sorted_unique_and_hash_to_the_data_version(
    store: OxigraphStore, tmp_path: Path
) -> None:
    out = tmp_path / "data.nq"
    export_store(store, "nquads", out)
    data = out.read_bytes()
    lines = data.decode("utf-8").splitlines()
    assert lines == sorted(lines)
    assert len(lines) == len(set(lines)) == N_QUADS
    assert all(line.endswith(" .") for line in lines)
    assert '"社会保险登记"@zh' in data.decode("utf-8")  # UTF-8, not \\u escapes
    assert '"20"^^<http://www.w3.org/2001/XMLSchema#integer>' in data.decode("utf-8")
    assert data_version_of_nquads(data) == store.metadata()["data_version"]


def test_ntriples_are_the_sorted_union(store: OxigraphStore, tmp_path: Path) -> None:
    out = tmp_path / "data.nt"
    assert export_store(store, "ntriples", out) == N_UNION
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(lines))
    assert lines == sorted(t + " ." for t in source_triples())


# --------------------------------------------------------------------------- readable output


def test_turtle_uses_the_project_prefixes(store: OxigraphStore, tmp_path: Path) -> None:
    out = tmp_path / "data.ttl"
    export_store(store, "turtle", out)
    text = out.read_text(encoding="utf-8")
    assert "@prefix gk: <https://w3id.org/gongkai/ontology#> ." in text
    assert "@prefix skos: <http://www.w3.org/2004/02/skos/core#> ." in text
    assert 'skos:prefLabel "社会保险登记"@zh' in text
    assert "gk:timeLimitWorkingDays 20" in text
    assert "gk:proactive true" in text


def test_jsonld_has_one_graph_per_catalog(store: OxigraphStore, tmp_path: Path) -> None:
    out = tmp_path / "data.jsonld"
    export_store(store, "jsonld", out)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["@context"]["gk"] == "https://w3id.org/gongkai/ontology#"
    graphs = {entry["@id"]: entry["@graph"] for entry in document["@graph"]}
    assert sorted(graphs) == [G_ARXAN, G_YINING]
    assert len(graphs[G_YINING]) == 3
    assert len(graphs[G_ARXAN]) == 2
    assert "社会保险登记" in out.read_text(encoding="utf-8")


def test_trig_names_each_catalog_graph(store: OxigraphStore, tmp_path: Path) -> None:
    out = tmp_path / "data.trig"
    export_store(store, "trig", out)
    text = out.read_text(encoding="utf-8")
    assert text.index(f"<{G_ARXAN}> {{") < text.index(f"<{G_YINING}> {{")


def test_rdfxml_is_utf8_xml_with_language_tags(store: OxigraphStore, tmp_path: Path) -> None:
    out = tmp_path / "data.rdf"
    export_store(store, "rdfxml", out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert '<skos:prefLabel xml:lang="zh">社会保险登记</skos:prefLabel>' in text


def test_empty_store_exports(tmp_path: Path) -> None:
    atomic_build(tmp_path / "empty", lambda s: None)
    with OxigraphStore.open(tmp_path / "empty") as store:
        for fmt in FORMATS:
            out = tmp_path / f"empty.{FORMATS[fmt][1]}"
            assert export_store(store, fmt, out) == 0
            assert list(pyoxigraph.parse(path=out, format=OX_FORMAT[fmt])) == []
    assert (tmp_path / "empty.nq").read_bytes() == b""


def test_formats_table() -> None:
    assert FORMATS["turtle"] == ("text/turtle", "ttl")
    assert FORMATS["jsonld"] == ("application/ld+json", "jsonld")
    assert FORMATS["nquads"] == ("application/n-quads", "nq")
    assert set(FORMATS) == {"turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"}
    for media_type, extension in FORMATS.values():
        assert RdfFormat.from_media_type(media_type) is not None
        assert RdfFormat.from_extension(extension) is not None


def test_blank_nodes_do_not_crash_any_format(tmp_path: Path) -> None:
    data = (
        '_:b1 <http://x/p> "值"@zh <http://x/g> .\n<http://x/s> <http://x/q> _:b1 <http://x/g> .\n'
    )
    atomic_build(tmp_path / "bn", lambda s: s.load(input=data, format=RdfFormat.N_QUADS))
    with OxigraphStore.open(tmp_path / "bn") as store:
        for fmt in FORMATS:
            out = tmp_path / f"bn.{FORMATS[fmt][1]}"
            assert export_store(store, fmt, out) == 2
            parsed = list(pyoxigraph.parse(path=out, format=OX_FORMAT[fmt]))
            assert len(parsed) == 2
            (blank,) = {q.subject for q in parsed if isinstance(q.subject, pyoxigraph.BlankNode)}
            assert any(q.object == blank for q in parsed)


# --------------------------------------------------------------------------- failures


def test_unknown_format(store: OxigraphStore, tmp_path: Path) -> None:
    out = tmp_path / "data.n3"
    with pytest.raises(GongkaiError, match="unknown export format 'n3'"):
        export_store(store, "n3", out)
    assert list(tmp_path.iterdir()) == [tmp_path / "store"]


def test_unwritable_path_names_it(store: OxigraphStore, tmp_path: Path) -> None:
    blocker = tmp_path / "dumps"
    blocker.write_text("a file, not a folder")
    out = blocker / "data.ttl"
    with pytest.raises(GongkaiError) as info:
        export_store(store, "turtle", out)
    assert str(out) in str(info.value)
    with pytest.raises(GongkaiError) as info:
        export_store(store, "turtle", tmp_path)
    assert str(tmp_path) in str(info.value)


def test_failed_export_leaves_no_half_file(
    store: OxigraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dumps" / "data.nq"
    export_store(store, "nquads", out)
    good = out.read_bytes()

    def broken_writer(_store, handle) -> int:
        handle.write(b"<http://x/s> <http://x/p> ")
        raise RuntimeError("disk went away")

    monkeypatch.setitem(export_module._WRITERS, "nquads", broken_writer)
    with pytest.raises(RuntimeError, match="disk went away"):
        export_store(store, "nquads", out)
    assert out.read_bytes() == good
    assert [p.name for p in out.parent.iterdir()] == ["data.nq"]
    fresh = tmp_path / "dumps" / "new.nq"
    with pytest.raises(RuntimeError):
        export_store(store, "nquads", fresh)
    assert not fresh.exists()
    assert [p.name for p in out.parent.iterdir()] == ["data.nq"]


def test_rdfxml_refuses_predicates_it_cannot_write(tmp_path: Path) -> None:
    data = '<http://x/s> <http://x/p/> "1" <http://x/g> .\n'
    atomic_build(tmp_path / "odd", lambda s: s.load(input=data, format=RdfFormat.N_QUADS))
    with OxigraphStore.open(tmp_path / "odd") as store:
        out = tmp_path / "odd.rdf"
        with pytest.raises(GongkaiError, match="RDF/XML"):
            export_store(store, "rdfxml", out)
        assert not out.exists()
        assert export_store(store, "turtle", tmp_path / "odd.ttl") == 1
