"""Incremental builds: only new or changed catalogs are rebuilt, the rest is copied from
the previous store, and the result is the store a full build gives, byte for byte."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai.errors import GongkaiError
from gongkai.export import serialize_store
from gongkai.manifest import load_manifest
from gongkai.model import LedgerStatus
from gongkai.pipeline import (
    BuildPlan,
    SourceFingerprint,
    build_graphs,
    build_store,
    environment_digest,
    fingerprint_sources,
    parse_source,
    plan_build,
    read_previous_metadata,
    store_build,
    validate_build,
)
from gongkai.store import OxigraphStore
from gongkai.vocab import load_vocabulary
from tests.conftest import REPO

SEED_000 = "000_c073cd0789e26141.txt"
SEED_001 = "001_cd5a28862c838c28.txt"
GRAPH_000 = "https://w3id.org/gongkai/catalog/152202/social-insurance"
GRAPH_001 = "https://w3id.org/gongkai/catalog/654002/social-insurance"


def corpus(folder: Path) -> Path:
    """A copy of data/sources/ and data/sources.toml; returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "data/sources", folder / "sources")
    shutil.copy(REPO / "data/sources.toml", folder / "sources.toml")
    return folder / "sources.toml"


def build(manifest: Path, store: Path, *, full: bool = False, base: str | None = None, workers: int = 2):
    kwargs = {"base": base} if base else {}
    return build_store(load_manifest(manifest), store, full=full, workers=workers, **kwargs)


def nquads(store: Path) -> bytes:
    with OxigraphStore.open(store) as opened:
        return serialize_store(opened, "nquads")


def graph_lines(store: Path, graph: str) -> list[str]:
    with OxigraphStore.open(store) as opened:
        return sorted(str(q) for q in opened.quads(graph))


@pytest.fixture(scope="module")
def full_store(tmp_path_factory) -> Path:
    """A full build of the seeds (the reference every incremental build is held to)."""
    folder = tmp_path_factory.mktemp("full")
    store = folder / "store"
    build(corpus(folder / "data"), store, full=True)
    return store


def test_unchanged_rebuild_reuses_everything_and_matches_a_full_build(full_store, tmp_path):
    manifest = corpus(tmp_path / "data")
    store = tmp_path / "store"
    shutil.copytree(full_store, store)
    result = build(manifest, store)
    assert not result.plan.full
    assert result.plan.rebuild == {} and sorted(result.plan.reuse) == [GRAPH_000, GRAPH_001]
    assert result.plan.summary() == "rebuilt 0 catalogs, reused 2 unchanged"
    assert result.up_to_date and result.catalogs == 2 and result.items == 148
    assert nquads(store) == nquads(full_store)
    before, after = read_previous_metadata(full_store), read_previous_metadata(store)
    for key in ("validation", "sources", "sources_digest", "catalogs", "items", "quads", "data_version",
                "catalog_graphs", "environment_digest", "source_entries"):
        assert after[key] == before[key], key


def _append_item_row(path: Path, source) -> None:
    """Append (a copy of) the file's last line that became an item."""
    parsed = parse_source(source, load_vocabulary())
    line = max(e.line for e in parsed.ledger if e.status == LedgerStatus.ITEM)
    raw = path.read_bytes().split(b"\n")[line - 1]
    data = path.read_bytes()
    path.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n") + raw + b"\n")


def test_changed_source_rebuilds_only_its_catalog(full_store, tmp_path):
    manifest = corpus(tmp_path / "data")
    store = tmp_path / "store"
    shutil.copytree(full_store, store)
    sources = {s.file_name: s for s in load_manifest(manifest)}
    _append_item_row(manifest.parent / "sources" / SEED_001, sources[SEED_001])

    result = subprocess.run(
        [sys.executable, "-m", "gongkai.cli", "build", "--store", str(store), "--manifest", str(manifest)],
        cwd=REPO, capture_output=True, text=True, timeout=600, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert f"rebuilt 1 catalog ({SEED_001}: changed), reused 1 unchanged" in result.stdout
    assert f"parsed {SEED_001}" in result.stderr and f"parsed {SEED_000}" not in result.stderr

    assert graph_lines(store, GRAPH_000) == graph_lines(full_store, GRAPH_000)
    assert graph_lines(store, GRAPH_001) != graph_lines(full_store, GRAPH_001)
    # the same as a full build of the changed corpus
    reference = tmp_path / "reference"
    build(manifest, reference, full=True)
    assert nquads(store) == nquads(reference)
    meta, ref = read_previous_metadata(store), read_previous_metadata(reference)
    assert meta["validation"] == ref["validation"]
    # the digests an incremental build records without reading the store back (the
    # reused graphs', the validation graph's from its lines file) are the full build's
    assert meta["graph_digests"] == ref["graph_digests"] and meta["data_version"] == ref["data_version"]
    assert (store / "validation-graph.nt").read_bytes() == (reference / "validation-graph.nt").read_bytes()
    assert meta["sources"] == ref["sources"] and meta["sources"][SEED_001] != read_previous_metadata(
        full_store)["sources"][SEED_001]
    assert meta["build_plan"]["rebuilt"] == {SEED_001: "changed"}


def test_catalog_removed_from_the_manifest_is_dropped(full_store, tmp_path):
    manifest = corpus(tmp_path / "data")
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    second = [n for n, line in enumerate(lines) if line.strip() == "[[catalog]]"][1]
    manifest.write_text("".join(lines[:second]), encoding="utf-8")  # only 000 is left
    store = tmp_path / "store"
    shutil.copytree(full_store, store)
    result = build(manifest, store)
    assert result.plan.dropped == (GRAPH_001,) and list(result.plan.reuse) == [GRAPH_000]
    with OxigraphStore.open(store) as opened:
        assert GRAPH_001 not in opened.graphs() and GRAPH_000 in opened.graphs()
        ask = opened.query(f"ASK {{ GRAPH <https://w3id.org/gongkai/graph/validation> {{ ?r ?p <{GRAPH_001}> }} }}")
        assert not bool(ask)
    reference = tmp_path / "reference"
    build(manifest, reference, full=True)
    assert nquads(store) == nquads(reference)
    assert read_previous_metadata(store)["validation"] == read_previous_metadata(reference)["validation"]
    assert read_previous_metadata(store)["catalogs"] == 1
    assert read_previous_metadata(store)["data_version"] == read_previous_metadata(reference)["data_version"]


def test_another_base_forces_a_full_build(full_store, tmp_path):
    manifest = corpus(tmp_path / "data")
    store = tmp_path / "store"
    shutil.copytree(full_store, store)
    result = build(manifest, store, base="https://example.org/gk/")
    assert result.plan.full and "base changed" in result.plan.reason
    with OxigraphStore.open(store) as opened:
        assert all(g.startswith("https://example.org/gk/") for g in opened.graphs())


def test_full_flag_forces_a_full_build(full_store, tmp_path):
    manifest = corpus(tmp_path / "data")
    store = tmp_path / "store"
    shutil.copytree(full_store, store)
    result = build(manifest, store, full=True)
    assert result.plan.full and result.plan.reason == "--full" and result.catalogs == 2
    assert not result.up_to_date and result.items == 148
    assert nquads(store) == nquads(full_store)


def test_streamed_store_equals_the_in_memory_build(full_store, tmp_path):
    """The two ways a store gets built (streamed from sources by build_store, or from
    an in-memory Build by store_build) give the same store: same quads, same digests."""
    in_memory = build_graphs(load_manifest(REPO / "data/sources.toml"))
    validate_build(in_memory)
    store = tmp_path / "store"
    store_build(in_memory, store)
    assert nquads(store) == nquads(full_store)
    streamed, stored = read_previous_metadata(full_store), read_previous_metadata(store)
    for key in ("data_version", "graph_digests", "quads", "default_graph_triples", "validation", "catalog_graphs"):
        assert streamed[key] == stored[key], key


def test_one_worker_and_several_give_the_same_store(full_store, tmp_path):
    store = tmp_path / "store"
    build(corpus(tmp_path / "data"), store, full=True, workers=1)
    assert nquads(store) == nquads(full_store)
    assert read_previous_metadata(store)["data_version"] == read_previous_metadata(full_store)["data_version"]


@pytest.mark.parametrize("full", [True, False])
def test_a_bad_source_fails_naming_it_and_leaves_the_store_untouched(full_store, tmp_path, full):
    manifest = corpus(tmp_path / "data")
    store = tmp_path / "store"
    shutil.copytree(full_store, store)
    (manifest.parent / "sources" / SEED_001).write_bytes(b"\xff\xfe\x00 not a catalog \x81\n")
    with pytest.raises(GongkaiError) as caught:
        build(manifest, store, full=full)
    assert SEED_001 in str(caught.value)
    assert nquads(store) == nquads(full_store)
    assert read_previous_metadata(store) == read_previous_metadata(full_store)
    assert not list(tmp_path.glob(".store.building-*"))


# ---- the plan on its own: a pure function of the previous metadata and the sources


def _fingerprints() -> dict[str, SourceFingerprint]:
    return fingerprint_sources(load_manifest(REPO / "data/sources.toml"), "https://w3id.org/gongkai/")


def test_plan_vocabulary_or_code_change_forces_a_full_build(full_store):
    previous = read_previous_metadata(full_store)
    current = _fingerprints()
    assert not plan_build(previous, current, previous["base"], environment_digest()).full
    plan = plan_build(previous, current, previous["base"], "another-ontology-digest")
    assert plan.full and "ontology" in plan.reason and set(plan.rebuild) == {SEED_000, SEED_001}
    assert plan_build({}, current, previous["base"], environment_digest()).full
    old = {k: v for k, v in previous.items() if k not in ("environment_digest", "catalog_graphs")}
    assert plan_build(old, current, previous["base"], environment_digest()).full


def test_plan_reasons(full_store):
    previous = json.loads(json.dumps(read_previous_metadata(full_store)))
    current = _fingerprints()
    base, env = previous["base"], environment_digest()
    changed = dict(current)
    changed[SEED_000] = SourceFingerprint(SEED_000, "0" * 64, current[SEED_000].entry, current[SEED_000].graph)
    plan = plan_build(previous, changed, base, env)
    assert plan.rebuild == {SEED_000: "changed"} and list(plan.reuse) == [GRAPH_001]
    assert plan.rebuilt_graphs == (GRAPH_000,)

    entry = dict(current)
    entry[SEED_001] = SourceFingerprint(SEED_001, current[SEED_001].sha256, "other-entry", current[SEED_001].graph)
    assert plan_build(previous, entry, base, env).rebuild == {SEED_001: "manifest entry changed"}

    added = dict(current)
    added["002_new.txt"] = SourceFingerprint("002_new.txt", "1" * 64, "e", GRAPH_001)  # joins 654002's catalog
    plan = plan_build(previous, added, base, env)
    assert plan.rebuild == {"002_new.txt": "new", SEED_001: "its catalog changed"}
    assert list(plan.reuse) == [GRAPH_000]

    unreadable = dict(current)
    unreadable[SEED_000] = SourceFingerprint(SEED_000, None, current[SEED_000].entry, current[SEED_000].graph)
    assert plan_build(previous, unreadable, base, env).rebuild == {SEED_000: "changed"}


def test_plan_summary_wording():
    plan = BuildPlan(False, "", {"001_x.txt": "changed"}, {"g": None}, (), ("h",))  # type: ignore[dict-item]
    assert plan.summary() == "rebuilt 1 catalog (001_x.txt: changed), reused 1 unchanged"
    assert BuildPlan(True, "--full").summary() == "full build (--full)"


def test_repeated_triples_read_from_the_store_metadata(full_store):
    from gongkai.pipeline import repeated_triples

    assert repeated_triples(read_previous_metadata(full_store)) == 0  # the seeds' graphs are disjoint
    assert repeated_triples({"default_graph": "union", "quads": 120, "default_graph_triples": 112}) == 8
    # a store whose default graph is its own (not the union) repeats nothing into it
    assert repeated_triples({"default_graph": "own", "quads": 120, "default_graph_triples": 0}) == 0
