"""The embedded Oxigraph store: atomic builds, graphs, queries, metadata (real stores on disk)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pyoxigraph
import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat

from gongkai import store as store_module
from gongkai.errors import GongkaiError
from gongkai.store import (
    METADATA_FILE,
    Filled,
    OxigraphStore,
    atomic_build,
    canonical_lines,
    content_sha256,
)
from tests.conftest import data_version_of_nquads

G_YINING = "https://w3id.org/gongkai/catalog/654002/social-insurance"
G_ARXAN = "https://w3id.org/gongkai/catalog/152202/social-insurance"
ITEM = "https://w3id.org/gongkai/item/654002/social-insurance/"
ITEM_ARXAN = "https://w3id.org/gongkai/item/152202/social-insurance/"
LAW = "https://w3id.org/gongkai/law/social-insurance-law"

DATASET = f"""
@prefix gk: <https://w3id.org/gongkai/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .

<{G_YINING}> {{
  <{ITEM}registration> a gk:DisclosureItem ;
      skos:prefLabel "社会保险登记"@zh , "Social insurance registration"@en ;
      gk:timeLimitWorkingDays "20"^^xsd:integer ;
      gk:proactive "true"^^xsd:boolean ;
      gk:legalBasis <{LAW}> .
  <{ITEM}payment> a gk:DisclosureItem ;
      skos:prefLabel "社会保险费征缴"@zh ;
      gk:timeLimitWorkingDays "5"^^xsd:integer ;
      gk:proactive "false"^^xsd:boolean .
  <{LAW}> a eli:LegalResource ; skos:prefLabel "中华人民共和国社会保险法"@zh .
}}

<{G_ARXAN}> {{
  <{ITEM_ARXAN}registration> a gk:DisclosureItem ;
      skos:prefLabel "社会保险登记"@zh ;
      gk:timeLimitWorkingDays "20"^^xsd:integer ;
      gk:proactive "true"^^xsd:boolean ;
      gk:legalBasis <{LAW}> ;
      gk:responsibleBody <https://w3id.org/gongkai/org/654301/hrss> .
  <{LAW}> a eli:LegalResource ; skos:prefLabel "中华人民共和国社会保险法"@zh .
}}
"""
# 12 quads in Yining's graph, 8 in Arxan's; the law's 2 triples are in both graphs
N_QUADS = 20
N_UNION = 18


def fill_fixture(store: pyoxigraph.Store) -> None:
    store.bulk_load(input=DATASET.encode("utf-8"), format=RdfFormat.TRIG)


def expected_nquads() -> bytes:
    quads = pyoxigraph.parse(input=DATASET, format=RdfFormat.TRIG)
    lines = {pyoxigraph.serialize([q], format=RdfFormat.N_QUADS).decode("utf-8") for q in quads}
    return "".join(sorted(lines)).encode("utf-8")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below folder -> sha256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def all_rows(store: OxigraphStore) -> list[tuple[str, ...]]:
    rows = store.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    return sorted(tuple(str(term) for term in row) for row in rows)


def count(store: OxigraphStore, sparql: str, **kwargs) -> int:
    (row,) = list(store.query(sparql, **kwargs))
    return int(row["n"].value)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    path = tmp_path / "var" / "store"
    atomic_build(path, fill_fixture, metadata={"sources": {"000_c073cd0789e26141.txt": "c073"}})
    return path


# --------------------------------------------------------------------------- building


def test_atomic_build_creates_a_store_with_both_graphs(built: Path) -> None:
    assert sorted(p.name for p in built.parent.iterdir()) == ["store"]
    with OxigraphStore.open(built) as store:
        assert store.read_only
        assert store.graphs() == [G_ARXAN, G_YINING]
        assert store.triple_count() == N_QUADS
        assert sum(1 for _ in store.quads()) == N_QUADS
        assert sum(1 for _ in store.quads(G_ARXAN)) == 8
        assert sum(1 for _ in store.quads(G_YINING)) == 12


def test_metadata_round_trip(built: Path) -> None:
    with OxigraphStore.open(built) as store:
        meta = store.metadata()
    assert meta["data_version"] == data_version_of_nquads(expected_nquads())
    assert sorted(meta["graph_digests"]) == [G_ARXAN, G_YINING]
    assert meta["quads"] == N_QUADS
    assert meta["named_graphs"] == 2
    assert meta["format"] == "gongkai-store/1"
    assert meta["sources"] == {"000_c073cd0789e26141.txt": "c073"}
    assert meta["pyoxigraph_version"] == pyoxigraph.__version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["built_at"])
    on_disk = (built / METADATA_FILE).read_text(encoding="utf-8")
    assert '"data_version": "' + meta["data_version"] + '"' in on_disk


def test_work_done_meanwhile_adds_its_graph_digests(tmp_path: Path, built: Path) -> None:
    """Filled.meanwhile runs while the store is optimised; the digests it returns are
    recorded as if the fill had computed them (a graph it names is not read back)."""
    with OxigraphStore.open(built) as store:
        digests = store.metadata()["graph_digests"]
    other = tmp_path / "other"
    calls = []

    def fill(store: pyoxigraph.Store) -> Filled:
        fill_fixture(store)

        def meanwhile() -> dict[str, tuple[str, int]]:
            calls.append(True)
            return {G_ARXAN: ("f" * 64, 8)}

        return Filled(meanwhile=meanwhile)

    atomic_build(other, fill)
    assert calls == [True]
    with OxigraphStore.open(other) as store:
        meta = store.metadata()
    assert meta["graph_digests"] == {G_ARXAN: "f" * 64, G_YINING: digests[G_YINING]}
    assert meta["quads"] == N_QUADS
    assert meta["store_timings"]["meanwhile_wait_s"] >= 0


def test_failed_work_meanwhile_leaves_the_store_as_it_was(built: Path) -> None:
    before = snapshot(built)

    def fill(store: pyoxigraph.Store) -> Filled:
        store.load(input=f"<{ITEM}x> <urn:p> <urn:o> .", format=RdfFormat.N_TRIPLES, to_graph=NamedNode(G_ARXAN))

        def meanwhile() -> dict[str, tuple[str, int]]:
            raise GongkaiError("the report lines could not be sorted", file="validation-graph.nt")

        return Filled(meanwhile=meanwhile)

    with pytest.raises(GongkaiError, match="could not be sorted"):
        atomic_build(built, fill)
    assert snapshot(built) == before
    assert sorted(p.name for p in built.parent.iterdir()) == ["store"]


def test_same_content_gives_same_data_version(tmp_path: Path, built: Path) -> None:
    other = tmp_path / "other"

    def fill_reversed(store: pyoxigraph.Store) -> None:  # same quads, other order and API
        quads = list(pyoxigraph.parse(input=DATASET, format=RdfFormat.TRIG))
        for quad in reversed(quads):
            store.add(quad)

    atomic_build(other, fill_reversed)
    with OxigraphStore.open(built) as a, OxigraphStore.open(other) as b:
        assert a.metadata()["data_version"] == b.metadata()["data_version"]
        assert "sources" not in b.metadata()


def test_atomic_build_replaces_previous_content(built: Path) -> None:
    with OxigraphStore.open(built) as store:
        old_version = store.metadata()["data_version"]

    def fill_new(store: pyoxigraph.Store) -> None:
        store.load(
            input=f'<{ITEM}x> <http://www.w3.org/2004/02/skos/core#prefLabel> "就业登记"@zh .',
            format=RdfFormat.N_TRIPLES,
            to_graph=NamedNode("https://w3id.org/gongkai/catalog/654002/employment"),
        )

    atomic_build(built, fill_new)
    assert sorted(p.name for p in built.parent.iterdir()) == ["store"]
    with OxigraphStore.open(built) as store:
        assert store.graphs() == ["https://w3id.org/gongkai/catalog/654002/employment"]
        assert store.triple_count() == 1
        (row,) = list(store.query("SELECT ?label WHERE { ?s ?p ?label }"))
        assert row["label"] == Literal("就业登记", language="zh")
        assert store.metadata()["data_version"] != old_version
        assert store.metadata()["quads"] == 1


def test_failed_fill_leaves_previous_store_untouched(built: Path) -> None:
    with OxigraphStore.open(built) as store:
        rows_before = all_rows(store)
        meta_before = store.metadata()
    files_before = snapshot(built)
    assert "CURRENT" in files_before and METADATA_FILE in files_before

    def fill_then_fail(store: pyoxigraph.Store) -> None:
        store.load(input=b"<http://x/s> <http://x/p> <http://x/o> .", format=RdfFormat.N_TRIPLES)
        raise RuntimeError("reader crashed half-way")

    with pytest.raises(RuntimeError, match="reader crashed half-way"):
        atomic_build(built, fill_then_fail)

    assert snapshot(built) == files_before
    assert sorted(p.name for p in built.parent.iterdir()) == ["store"]
    with OxigraphStore.open(built) as store:
        assert all_rows(store) == rows_before
        assert len(rows_before) == N_QUADS
        assert store.metadata() == meta_before


def test_failed_swap_puts_the_previous_store_back(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files_before = snapshot(built)
    real_rename = os.rename

    def rename(src, dst):
        if ".building-" in str(src):
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(store_module.os, "rename", rename)
    with pytest.raises(OSError, match="No space left"):
        atomic_build(built, lambda s: None)
    monkeypatch.undo()

    assert snapshot(built) == files_before
    assert sorted(p.name for p in built.parent.iterdir()) == ["store"]
    with OxigraphStore.open(built) as store:
        assert store.graphs() == [G_ARXAN, G_YINING]


def test_stale_build_folders_are_cleaned_up(built: Path) -> None:
    stale = built.parent / ".store.building-999999"
    stale.mkdir()
    (stale / "CURRENT").write_text("junk")
    old = built.parent / ".store.old"
    old.mkdir()
    atomic_build(built, fill_fixture)
    assert sorted(p.name for p in built.parent.iterdir()) == ["store"]


def test_parent_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "var"
    blocker.write_text("not a folder")
    target = blocker / "store"
    with pytest.raises(GongkaiError) as info:
        atomic_build(target, fill_fixture)
    assert str(target) in str(info.value)
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["var"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_parent_is_read_only(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(GongkaiError) as info:
            atomic_build(locked / "store", fill_fixture)
        assert str(locked / "store") in str(info.value)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_unwritable_parent_as_seen_by_mkdir(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same path as a read-only parent, reproducible as root: the temp folder cannot be made."""
    files_before = snapshot(built)
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if ".building-" in self.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(GongkaiError) as info:
        atomic_build(built, fill_fixture)
    monkeypatch.undo()
    assert str(built) in str(info.value)
    assert "Permission denied" in str(info.value)
    assert snapshot(built) == files_before


def test_refuses_to_replace_a_folder_that_is_not_a_store(tmp_path: Path) -> None:
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.md").write_text("第一章")
    with pytest.raises(GongkaiError) as info:
        atomic_build(precious, fill_fixture)
    assert str(precious) in str(info.value)
    assert (precious / "chapter1.md").read_text() == "第一章"


def test_reserved_metadata_key_is_refused_before_building(built: Path) -> None:
    files_before = snapshot(built)
    with pytest.raises(ValueError, match="data_version"):
        atomic_build(built, fill_fixture, metadata={"data_version": "mine"})
    assert snapshot(built) == files_before


def test_changed_on_disk_after_rebuild(built: Path) -> None:
    store = OxigraphStore.open(built)
    try:
        assert not store.changed_on_disk()
        atomic_build(built, fill_fixture)
        assert store.changed_on_disk()
    finally:
        store.close()


# --------------------------------------------------------------------------- opening


def test_open_missing_store_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "store"
    with pytest.raises(GongkaiError) as info:
        OxigraphStore.open(missing)
    assert str(missing) in str(info.value)
    assert "does not exist" in str(info.value)
    assert not missing.exists()


def test_open_something_that_is_not_a_store(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("hello")
    with pytest.raises(GongkaiError) as info:
        OxigraphStore.open(folder, read_only=False)
    assert str(folder) in str(info.value)
    a_file = tmp_path / "file.nq"
    a_file.write_text("")
    with pytest.raises(GongkaiError, match="file.nq"):
        OxigraphStore.open(a_file)


def test_closed_store_refuses_queries(built: Path) -> None:
    store = OxigraphStore.open(built)
    store.close()
    with pytest.raises(GongkaiError, match="closed"):
        store.graphs()


# --------------------------------------------------------------------------- querying


def test_queries_see_the_union_of_all_graphs_by_default(built: Path) -> None:
    with OxigraphStore.open(built) as store:
        # the build materializes the union into the default graph: set semantics, a
        # triple present in two graphs is seen once
        assert store.default_graph_is_union
        assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == N_UNION
        distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
        assert count(store, distinct) == N_UNION
        # Oxigraph's own union mode still has bag semantics over the named graphs
        # (plus, here, the materialized default graph)
        assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union_default_graph=True) == N_QUADS + N_UNION
        assert store.triple_count() == N_QUADS
        assert sum(1 for _ in store.quads()) == N_QUADS
        items = "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a <https://w3id.org/gongkai/ontology#DisclosureItem> }"
        assert count(store, items) == 3
        assert count(store, items, default_graph=[G_ARXAN]) == 1
        assert bool(store.query(f"ASK {{ GRAPH <{G_YINING}> {{ <{ITEM}payment> ?p ?o }} }}"))


def test_query_substitutions_bind_rdf_terms(built: Path) -> None:
    query = """
        PREFIX gk: <https://w3id.org/gongkai/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?item ?label ?days ?proactive WHERE {
          ?item skos:prefLabel ?label ; gk:timeLimitWorkingDays ?days ; gk:proactive ?proactive .
        } ORDER BY ?item
    """
    with OxigraphStore.open(built) as store:
        rows = list(
            store.query(query, substitutions={"label": Literal("社会保险登记", language="zh")})
        )
        assert [r["item"].value for r in rows] == [
            ITEM_ARXAN + "registration",
            ITEM + "registration",
        ]
        assert [int(r["days"].value) for r in rows] == [20, 20]
        assert {r["proactive"].value for r in rows} == {"true"}
        rows = list(store.query(query, substitutions={"?item": NamedNode(ITEM + "payment")}))
        assert [(int(r["days"].value), r["proactive"].value) for r in rows] == [(5, "false")]


def test_bad_sparql_raises_syntax_error(built: Path) -> None:
    with OxigraphStore.open(built) as store, pytest.raises(SyntaxError):
        store.query("SELEC ?x WHERE { ?x ?y ?z }")


# --------------------------------------------------------------------------- graph updates


def test_load_replace_and_drop_graphs(tmp_path: Path) -> None:
    g1 = "https://w3id.org/gongkai/catalog/1"
    g2 = "https://w3id.org/gongkai/catalog/2"
    with OxigraphStore.open(tmp_path / "s", read_only=False, create=True) as store:
        assert store.graphs() == []
        store.load_graph(g1, '<http://x/a> <http://x/p> "一"@zh .'.encode())
        store.load_graph(g2, "@prefix x: <http://x/> . x:a x:p 2, 3 .", "text/turtle")
        assert store.graphs() == [g1, g2]
        assert store.triple_count() == 3

        store.replace_graph(g2, "<http://x/b> <http://x/q> true .", "text/turtle")
        assert [str(q.object) for q in store.quads(g2)] == [
            '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
        ]
        with pytest.raises(GongkaiError, match="catalog/2"):
            store.replace_graph(g2, "<http://x/b> <http://x/q> .", "text/turtle")
        assert sum(1 for _ in store.quads(g2)) == 1  # bad data did not drop the graph

        store.drop_graph(g1)
        store.drop_graph("https://w3id.org/gongkai/catalog/never")
        assert store.graphs() == [g2]
        assert store.triple_count() == 1

        with pytest.raises(GongkaiError, match="quads"):
            store.load_graph(g1, b"", "application/n-quads")
        with pytest.raises(GongkaiError, match="unknown RDF format"):
            store.load_graph(g1, b"", "application/pdf")
        with pytest.raises(GongkaiError, match="graph IRI"):
            store.load_graph("not an iri", b"")

    with OxigraphStore.open(tmp_path / "s") as store:
        assert store.graphs() == [g2]
        with pytest.raises(GongkaiError, match="read-only"):
            store.load_graph(g1, b"<http://x/a> <http://x/p> <http://x/o> .")


# --------------------------------------------------------------------------- canonical order


def test_canonical_lines_external_sort_matches_in_memory_sort() -> None:
    quads = list(pyoxigraph.parse(input=DATASET, format=RdfFormat.TRIG))
    doubled = quads + quads[::-1]
    in_memory = list(canonical_lines(doubled))
    spilled = list(canonical_lines(doubled, chunk=3))
    assert spilled == in_memory
    assert len(in_memory) == N_QUADS
    assert "".join(in_memory).encode() == expected_nquads()
    union = list(canonical_lines(doubled, triples=True, chunk=4))
    assert len(union) == N_UNION
    assert union == sorted(set(union))
    memory = pyoxigraph.Store()
    memory.extend(quads)
    assert content_sha256(memory) == data_version_of_nquads(expected_nquads())
