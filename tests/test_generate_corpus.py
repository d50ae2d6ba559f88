"""The national-scale corpus generator (benchmarks/generate_corpus.py).

The generated catalogs must be deterministic, build with the real pipeline, and be
readable by the parser the way the seeds are: >= 90% of the items the generator meant
are recovered by name and line (truth.jsonl), and a small corpus validates without a
Violation.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from gongkai.manifest import load_manifest
from gongkai.normalize import clean
from gongkai.parse import Kind, classify
from tests.conftest import REPO, corpus_generator

gen = corpus_generator()


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def truth(folder: Path) -> list[dict]:
    return list(gen.iter_truth(folder))


@pytest.fixture(scope="module")
def corpus10(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "10"
    gen.generate(10, out)
    return out


def test_same_arguments_give_the_same_bytes(tmp_path):
    gen.generate(6, tmp_path / "a", seed=11)
    gen.generate(6, tmp_path / "b", seed=11)
    gen.generate(6, tmp_path / "c", seed=12)
    first, second, other = tree(tmp_path / "a"), tree(tmp_path / "b"), tree(tmp_path / "c")
    assert first == second
    assert {"sources.toml", "truth.jsonl"} <= set(first) and len(first) == 8
    assert first != other


def test_the_bytes_do_not_depend_on_the_process(tmp_path):
    import os
    import subprocess

    script = REPO / "benchmarks" / "generate_corpus.py"
    env = {**os.environ, "PYTHONHASHSEED": "1"}
    subprocess.run([sys.executable, str(script), "--size", "3", "--out", str(tmp_path / "a")],
                   check=True, env=env, capture_output=True)
    gen.generate(3, tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_regenerating_into_a_folder_replaces_its_catalogs(tmp_path):
    gen.generate(5, tmp_path)
    gen.generate(2, tmp_path)
    assert len(list((tmp_path / "sources").glob("*.txt"))) == 2
    assert len(load_manifest(tmp_path / "sources.toml")) == 2


def test_manifest_names_real_county_level_places(corpus10):
    sources = load_manifest(corpus10 / "sources.toml")
    assert len(sources) == 10
    codes = [s.place_code for s in sources]
    assert len(set(codes)) == 10 and codes == sorted(codes)
    for source in sources:
        assert source.path.is_file() and source.path.parent == corpus10 / "sources"
        assert source.domain == "social-insurance" and source.format == "pdf-text"
        assert not source.place_code.endswith("00") and source.province
        assert source.place_code in source.file_name
    table = gen.gb2260_places()
    if table is not None:  # names and codes from the GB/T 2260 table itself
        known = {p.code: p for p in table}
        assert all(known[s.place_code].name == s.place_name for s in sources)
        assert len(table) > 2800 and all(p.name != "市辖区" for p in table)


def test_synthetic_places_without_gb2260(tmp_path):
    gen.generate(8, tmp_path / "a", seed=3, places_source="synthetic")
    gen.generate(8, tmp_path / "b", seed=3, places_source="synthetic")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    sources = load_manifest(tmp_path / "a" / "sources.toml")
    assert len({s.place_code for s in sources}) == 8
    for source in sources:
        assert len(source.place_code) == 6 and not source.place_code.endswith("00")
        assert source.place_name.endswith(("县", "区", "市", "旗", "自治县"))
    places = gen.synthetic_places(2850, 0)
    assert len({p.code for p in places}) == len(places) >= 2850


def test_falls_back_to_synthetic_places_when_gb2260_is_absent(monkeypatch):
    monkeypatch.setitem(sys.modules, "gb2260", None)
    monkeypatch.setitem(sys.modules, "gb2260.data", None)
    assert gen.gb2260_places() is None
    places, origin = gen.choose_places(5, 1)
    assert origin == "synthetic" and len(places) == 5
    with pytest.raises(SystemExit):
        gen.choose_places(5, 1, "gb2260")


def test_truth_points_at_the_lines_that_print_each_item(corpus10):
    checked = 0
    for catalog in truth(corpus10):
        lines = (corpus10 / "sources" / catalog["file"]).read_text(encoding="utf-8").split("\n")
        assert catalog["lines"] == len(lines) - 1  # the file ends with a newline
        for item in catalog["items"]:
            if not item.get("damage") and not item.get("lost"):
                assert item["name"] in lines[item["line"] - 1].split("\t"), item
                checked += 1
    assert checked > 400


def test_the_generated_corpus_builds_with_the_real_pipeline(corpus10):
    from gongkai.pipeline import build_graphs

    build = build_graphs(load_manifest(corpus10 / "sources.toml"))
    assert len(build.graphs) == 10
    assert all(len(c.entries) > 40 for c in build.catalogs)
    assert build.triple_count > 20000


def test_parser_recovers_the_intended_items(corpus10):
    report = gen.evaluate(corpus10)
    assert report["items_recoverable"] > 600
    assert report["recall"] >= 0.90, report["examples"]["missed"]
    assert report["precision"] >= 0.90, report["examples"]["extra"]
    assert report["accuracy"]["category"] >= 0.90


def test_a_small_corpus_validates_without_violations(tmp_path):
    from gongkai.pipeline import build_graphs, validate_build

    gen.generate(3, tmp_path)
    report = validate_build(build_graphs(load_manifest(tmp_path / "sources.toml")))
    assert report.counts()["Violation"] == 0


def test_every_kind_of_variation_occurs_at_scale(tmp_path):
    gen.generate(150, tmp_path)
    catalogs = truth(tmp_path)
    damage = Counter(kind.split(":")[0] for c in catalogs for i in c["items"] for kind in i.get("damage", []))
    expected = {"renamed", "typo", "added", "wrapped", "html", "spaced", "traditional", "extra-ticks", "shifted",
                "lost-cell", "name-lost", "several-in-one-cell", "duplicate-row", "truncated", "slip",
                "cut-at-page-break"}
    assert expected <= set(damage), expected - set(damage)
    assert {c["layout"] for c in catalogs} == {"numbered", "three", "plain"}
    labels = {label for c in catalogs for label in c["tick_labels"]}
    assert {"特定群众", "特定群体", "依申请", "依申请公开", "乡、村级", "乡级", "乡镇级"} <= labels
    assert any(i.get("parent") for c in catalogs for i in c["items"])  # three-level items
    assert any(i["standard"] is None for c in catalogs for i in c["items"])  # local additions
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "sources").glob("*.txt"))[:40])
    for mark in ("■", "□", "<p>", "《信息公示条例》", "《劳动保障条例》", "中华人民共和国", "号）"):
        assert mark in text, mark
    # catalogs differ in length, as real ones do
    assert len({c["lines"] for c in catalogs}) > 30


def _reference_list():
    """The reference vocabulary of standard items (older checkouts: categories only)."""
    from rdflib import Graph

    vocab = REPO / "ontology" / "vocab"
    path = vocab / "standard-items-social-insurance.ttl"
    if not path.exists():
        path = vocab / "standard-categories.ttl"
    return Graph().parse(path, publicID="https://w3id.org/gongkai/")


def _zh_labels(graph, concept, *predicates) -> list[str]:
    from rdflib import Literal

    return [str(o) for p in predicates for o in graph.objects(concept, p) if isinstance(o, Literal) and o.language == "zh"]


def test_categories_are_those_of_the_vocabulary():
    from rdflib.namespace import RDF, SKOS

    from gongkai.namespaces import GK

    graph = _reference_list()
    level1 = {
        str(concept).rsplit("/", 1)[-1]: _zh_labels(graph, concept, SKOS.prefLabel)[0]
        for concept in graph.subjects(RDF.type, GK.Category)
        if str(graph.value(concept, GK.level)) == "1"
    }
    assert level1 == gen.CATEGORY_LABEL
    for key, label, shortened, _renamings in gen.CATEGORIES:
        assert all(label.startswith(s) for s in shortened), key


def test_standard_items_carry_the_notations_of_the_reference_list():
    from rdflib.namespace import RDF, SKOS

    from gongkai.namespaces import GK

    graph = _reference_list()
    reference = {
        str(graph.value(c, SKOS.notation)): set(_zh_labels(graph, c, SKOS.prefLabel, SKOS.altLabel))
        for c in graph.subjects(RDF.type, GK.StandardItem)
    }
    if not reference:
        pytest.skip("no standard-item list in ontology/vocab yet")
    used = set()
    for item in gen.STANDARD_ITEMS:
        if item.notation:
            assert item.notation in reference, item
            # the item is the reference item: one of its names is one of the reference labels
            assert {item.name, *item.variants} & reference[item.notation], item
            used.add(item.notation)
        assert all(child.notation == item.notation for child in item.children)
    assert used == set(reference)  # every reference item can appear in a generated catalog


def test_the_standard_item_list_is_well_formed(lexicon):
    keys = [i.key for i in gen.STANDARD_ITEMS] + [c.key for i in gen.STANDARD_ITEMS for c in i.children]
    assert len(keys) == len(set(keys)) > 110
    assert {i.category for i in gen.STANDARD_ITEMS} == set(gen.CATEGORY_LABEL)
    names = [n for i in gen.STANDARD_ITEMS for c in (i, *i.children) for n in (c.name, *c.variants)]
    names += [n for local in gen.LOCAL_ITEMS.values() for n in local]
    for item in gen.STANDARD_ITEMS:
        assert all(law in gen.LAWS for law in item.laws)
    # every name the generator prints is, to the parser, an item name
    assert [n for n in names if classify(n, lexicon) != Kind.NAME] == []


def test_traditional_characters_convert_back():
    texts = [n for i in gen.STANDARD_ITEMS for c in (i, *i.children) for n in (c.name, *c.variants)]
    texts += [t for law in gen.LAWS.values() for t in law if t]
    texts += [gen.CONTENT_FULL, gen.CONTENT_SHORT, *(t for t, _ in gen.TIME_LIMITS)]
    texts += ["伊宁市人力资源和社会保障局", "阿尔山市社会保险服务中心", "新疆政务服务网伊宁市分站", "政府门户网站"]
    changed = [t for t in texts if t.translate(gen.TRADITIONAL) != t]
    assert len(changed) > len(texts) * 0.9
    assert [t for t in texts if clean(t.translate(gen.TRADITIONAL)) != clean(t)] == []


def test_command_line(tmp_path, capsys):
    assert gen.main(["--size", "2", "--seed", "5", "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["catalogs"] == 2 and summary["items"] > 100
    assert len(load_manifest(tmp_path / "sources.toml")) == 2
