"""Shared fixtures: the real vocabulary, the seed catalogs, one built store per session."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gongkai.manifest import load_manifest
from gongkai.vocab import Lexicon, Vocabulary, load_vocabulary

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SEED_000 = REPO / "data/sources/000_c073cd0789e26141.txt"
SEED_001 = REPO / "data/sources/001_cd5a28862c838c28.txt"
SHARED = REPO.parent / "shared"


def data_version_of_nquads(data: bytes) -> str:
    """The data version as documented (gongkai.store.version_of), recomputed from an
    N-Quads dump with nothing but hashlib: per named graph, sha256 of its sorted triple
    lines; then sha256 of the sorted "<graph IRI> TAB <digest>" lines."""
    graphs: dict[str, list[str]] = {}
    for line in data.decode("utf-8").splitlines():
        head, graph = line[: -len(" .")].rsplit(" ", 1)
        graphs.setdefault(graph.strip("<>"), []).append(head + " .\n")
    lines = [f"{g}\t{hashlib.sha256(''.join(sorted(ls)).encode()).hexdigest()}\n" for g, ls in graphs.items()]
    return hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()


def benchmark_module(name: str):
    """benchmarks/<name>.py imported with benchmarks/ on sys.path (its scripts import each
    other by name); a generator for a module-scoped fixture, which takes the path back."""
    import importlib
    import sys

    folder = str(REPO / "benchmarks")
    sys.path.insert(0, folder)
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(folder)


def corpus_generator():
    """benchmarks/generate_corpus.py as a module (it is a script, not a package)."""
    import importlib.util
    import sys

    path = REPO / "benchmarks" / "generate_corpus.py"
    spec = importlib.util.spec_from_file_location("generate_corpus", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def seeds_naming_what_no_list_has(folder: Path) -> Path:
    """A copy of the seeds (returns its manifest), each with one row citing a law of no
    reference list and naming a content element the vocabulary lacks -- the same title
    and label in both catalogs."""
    import shutil

    shutil.copytree(REPO / "data/sources", folder / "sources")
    shutil.copy(REPO / "data/sources.toml", folder / "sources.toml")
    for name, line in (("000_c073cd0789e26141.txt", 15), ("001_cd5a28862c838c28.txt", 8)):
        path = folder / "sources" / name
        lines = path.read_text(encoding="utf-8").split("\n")
        assert "《社会保险费征缴暂行条例》" in lines[line - 1] and "监督投诉渠道" in lines[line - 1]
        lines[line - 1] = (lines[line - 1].replace("《社会保险费征缴暂行条例》", "《某某地方社保暂行规定》")
                           .replace("监督投诉渠道", "监督投诉渠道、某某特有要素"))
        path.write_text("\n".join(lines), encoding="utf-8")
    return folder / "sources.toml"


def shared_path(relative: str) -> Path:
    """A file of ../shared/vendor; skipped where absent, except in CI where it must be there."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="session")
def lexicon(vocabulary: Vocabulary) -> Lexicon:
    return vocabulary.lexicon


@pytest.fixture(scope="session")
def seed_build():
    """The seeds read, parsed and mapped once (not validated: see seed_report)."""
    from gongkai.pipeline import build_graphs

    return build_graphs(load_manifest(REPO / "data/sources.toml"))


@pytest.fixture(scope="session")
def seed_report(seed_build):
    from gongkai.pipeline import validate_build

    return validate_build(seed_build)


@pytest.fixture(scope="session")
def seed_store(seed_build, seed_report, tmp_path_factory) -> Path:
    from gongkai.pipeline import store_build

    store = tmp_path_factory.mktemp("seed") / "store"
    store_build(seed_build, store)
    return store


@pytest.fixture(scope="session")
def seed_app(seed_store):
    """The web app over the seed store (Flask test client use; no live server)."""
    import webapp

    application = webapp.create_app({"GONGKAI_STORE": str(seed_store), "TESTING": True})
    yield application
    application.extensions["gongkai"].close()


@pytest.fixture(scope="session")
def live_site(seed_store):
    """The real app under waitress on a random loopback port (for browsers and clients)."""
    import webapp
    from webapp.serve import serving_in_thread

    application = webapp.create_app({"GONGKAI_STORE": str(seed_store)})
    with serving_in_thread(application, threads=4) as port:
        yield f"http://127.0.0.1:{port}"
    application.extensions["gongkai"].close()
