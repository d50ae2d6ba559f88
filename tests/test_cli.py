"""The `gongkai` command end to end, as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from tests.conftest import FIXTURES, REPO, SEED_000, SEED_001


def gongkai(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def store_files(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A store built by the real command from the real manifest."""
    store = tmp_path_factory.mktemp("cli") / "store"
    result = gongkai("build", "--store", str(store), "--ledger", str(store.parent / "ledger.csv"))
    assert result.returncode == 0, result.stderr
    assert "built" in result.stdout and "2 catalogs, 148 items" in result.stdout
    assert "validation: 0 violations" in result.stdout
    assert "parsed 000_c073cd0789e26141.txt: 67 items" in result.stderr  # progress
    return store


def test_help_documents_every_command():
    result = gongkai("--help")
    for command in ("build", "ingest", "validate", "export", "query", "stats"):
        assert command in result.stdout


def test_ledger_csv_covers_every_line(built):
    text = (built.parent / "ledger.csv").read_text(encoding="utf-8-sig")
    rows = text.splitlines()[1:]
    assert rows[0].startswith("000_c073cd0789e26141.txt,1,blank")
    assert sum(1 for r in rows if r.startswith("000_")) == 95
    assert sum(1 for r in rows if r.startswith("001_")) == 119


def test_stats(built):
    result = gongkai("stats", "--store", str(built), "--format", "json")
    stats = json.loads(result.stdout)
    assert (stats["catalogs"], stats["places"], stats["items"], stats["violations"]) == (2, 2, 148, 0)
    assert stats["warnings"] > 0 and stats["triples"] > 6000


def test_query_formats(built):
    query = "SELECT ?name WHERE { ?i a gk:DisclosureItem ; skos:prefLabel ?name ; gk:inCatalog/dct:spatial/gk:divisionCode \"654002\" } ORDER BY ?name LIMIT 2"
    table = gongkai("query", "--store", str(built), query)
    assert table.returncode == 0, table.stderr
    assert "一次性工伤医疗补助金申请" in table.stdout and "(2 rows)" in table.stdout
    data = json.loads(gongkai("query", "--store", str(built), "--format", "json", query).stdout)
    assert [b["name"]["value"] for b in data["results"]["bindings"]][0] == "一次性工伤医疗补助金申请"
    csv_text = gongkai("query", "--store", str(built), "--format", "csv", query).stdout
    assert csv_text.splitlines()[0] == "name"
    tsv_text = gongkai("query", "--store", str(built), "--format", "tsv", query).stdout
    assert tsv_text.splitlines()[0] == "?name" and '"一次性工伤医疗补助金申请"@zh' in tsv_text


def test_query_from_file_and_bad_syntax(built, tmp_path):
    rq = tmp_path / "count.rq"
    rq.write_text("SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a gk:DisclosureItem }", encoding="utf-8")
    assert "148" in gongkai("query", "--store", str(built), str(rq)).stdout
    bad = gongkai("query", "--store", str(built), "SELECT WHERE {")
    assert bad.returncode == 2 and "SPARQL syntax error" in bad.stderr


def test_validate_exit_code_and_formats(built):
    text = gongkai("validate", "--store", str(built))
    assert text.returncode == 0, text.stdout[-2000:]
    assert "0 Violation" in text.stdout.splitlines()[0]
    report = json.loads(gongkai("validate", "--store", str(built), "--format", "json").stdout)
    assert report["conforms"] is True
    turtle = gongkai("validate", "--store", str(built), "--format", "turtle").stdout
    assert "sh:ValidationReport" in turtle


FORMATS = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig", "jsonld": "json-ld", "rdfxml": "xml"}
OX = {"turtle": pyoxigraph.RdfFormat.TURTLE, "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
      "nquads": pyoxigraph.RdfFormat.N_QUADS, "trig": pyoxigraph.RdfFormat.TRIG,
      "jsonld": pyoxigraph.RdfFormat.JSON_LD, "rdfxml": pyoxigraph.RdfFormat.RDF_XML}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_round_trips_through_rdflib_and_pyoxigraph(built, tmp_path, fmt):
    out = tmp_path / f"dump.{fmt}"
    result = gongkai("export", "--store", str(built), "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    from gongkai.store import OxigraphStore

    with OxigraphStore.open(built) as opened:
        # the named graphs: the default graph only holds their materialized union
        named_quads = list(opened.quads())
    reference = pyoxigraph.Store()
    reference.bulk_extend(named_quads)
    quads = fmt in ("nquads", "trig", "jsonld")
    expected = Dataset() if quads else Graph()
    nquads = reference.dump(format=pyoxigraph.RdfFormat.N_QUADS)
    if quads:
        expected.parse(data=nquads, format="nquads")
    else:
        expected.parse(data=b"".join(reference.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=g)
                                     for g in reference.named_graphs()), format="nt")
    parsed = (Dataset() if quads else Graph()).parse(out, format=FORMATS[fmt])
    if quads:
        for graph in expected.graphs():
            if len(graph):
                assert isomorphic(graph, parsed.graph(graph.identifier)), graph.identifier
    else:
        assert isomorphic(expected, parsed)
    loaded = pyoxigraph.Store()
    loaded.load(path=str(out), format=OX[fmt])
    if quads:
        assert set(loaded) == set(reference)
    else:
        assert {(q.subject, q.predicate, q.object) for q in loaded} == {
            (q.subject, q.predicate, q.object) for q in reference}


def test_two_builds_give_identical_bytes(built, tmp_path):
    again = tmp_path / "again"
    assert gongkai("build", "-q", "--store", str(again)).returncode == 0
    for fmt in ("nquads", "turtle"):
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        gongkai("export", "--store", str(built), "--format", fmt, "-o", str(a))
        gongkai("export", "--store", str(again), "--format", fmt, "-o", str(b))
        assert a.read_bytes() == b.read_bytes()


def test_ingest_another_place(tmp_path):
    out, ledger = tmp_path / "banner.ttl", tmp_path / "ledger.csv"
    result = gongkai("ingest", str(FIXTURES / "catalogs/inner-mongolia-banner.txt"), "--place-code", "152221",
                     "--place-name", "科尔沁右翼前旗", "--domain", "social-insurance", "-o", str(out), "--ledger", str(ledger))
    assert result.returncode == 0, result.stderr
    graph = Graph().parse(out)
    names = sorted(str(o) for s, o in graph.subject_objects(URIRef_prefLabel()) if "item/" in str(s))
    assert names == ["个人基本信息变更", "单位基本信息变更", "城乡居民养老保险参保登记", "城乡居民养老保险待遇申领", "机关事业单位社会保险登记"]
    channel_names = {str(o) for s, o in graph.subject_objects(URIRef_prefLabel()) if "channel/" in str(s)}
    assert channel_names == {"政府网站", "便民服务站"}  # □政务新媒体 was not ticked
    assert "incomplete" in ledger.read_text(encoding="utf-8-sig")


def URIRef_prefLabel():
    from rdflib.namespace import SKOS

    return SKOS.prefLabel


@pytest.mark.parametrize("fmt", ["nquads", "trig", "jsonld"])
def test_ingest_quad_formats_hold_one_named_graph(tmp_path, fmt):
    out = tmp_path / f"x.{fmt}"
    result = gongkai("ingest", str(FIXTURES / "catalogs/county-export.csv"), "--input-format", "csv",
                     "--place-code", "110101", "--place-name", "某县", "--domain", "social-insurance",
                     "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = Dataset().parse(out, format={"nquads": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt])
    names = {str(g.identifier) for g in data.graphs() if len(g)}
    assert names == {"https://w3id.org/gongkai/catalog/110101/social-insurance"}


# --- bad input: one line naming the file (and line), exit 2, previous store intact ------


def manifest_with(tmp_path: Path, text: str, files: dict[str, bytes]) -> Path:
    (tmp_path / "sources").mkdir(exist_ok=True)
    for name, data in files.items():
        (tmp_path / "sources" / name).write_bytes(data)
    manifest = tmp_path / "sources.toml"
    manifest.write_text(text, encoding="utf-8")
    return manifest


def entry(file: str) -> str:
    return f'[[catalog]]\nfile = "{file}"\nplace_code = "654002"\nplace_name = "伊宁市"\ndomain = "social-insurance"\n'


BAD_INPUTS = {
    "missing": (entry("missing.txt"), {}, "sources/missing.txt: no such file"),
    "binary": (entry("x.txt"), {"x.txt": b"%PDF\n\x00\x00"}, "sources/x.txt:2: binary file"),
    "empty": (entry("x.txt"), {"x.txt": b""}, "sources/x.txt: empty file"),
    "no header": (entry("x.txt"), {"x.txt": "一些文字\t更多文字\n".encode()}, "sources/x.txt:1: no recognisable header"),
    "malformed manifest": ('[[catalog]]\nfile = "x.txt\n', {}, "sources.toml:2: malformed manifest"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_leaves_the_store_intact(built, tmp_path, case):
    text, files, message = BAD_INPUTS[case]
    store = tmp_path / "store"
    shutil.copytree(built, store)
    before = store_files(store)
    result = gongkai("build", "-q", "--store", str(store), "--manifest", str(manifest_with(tmp_path, text, files)))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gongkai: error: ")
    assert message in lines[0]
    assert store_files(store) == before


def test_unwritable_store_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = gongkai("build", "-q", "--store", str(blocker / "store"))
    assert result.returncode == 2
    assert str(blocker / "store") in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_store(tmp_path):
    result = gongkai("stats", "--store", str(tmp_path / "none"))
    assert result.returncode == 2 and "store does not exist" in result.stderr


def test_ingest_bad_place_code(tmp_path):
    result = gongkai("ingest", str(SEED_000), "--place-code", "12", "--place-name", "x", "--domain", "social-insurance")
    assert result.returncode == 2 and "6-digit" in result.stderr


def test_seeds_are_byte_identical_copies():
    shared = REPO.parent / "shared/seeds"
    if shared.is_dir():
        for seed in (SEED_000, SEED_001):
            assert seed.read_bytes() == (shared / seed.name).read_bytes()
