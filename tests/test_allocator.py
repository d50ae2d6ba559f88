"""The build's memory allocator: when `gongkai build` starts itself again with jemalloc."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gongkai.allocator import allocator_in_use, jemalloc_library, preload_environment
from gongkai.errors import GongkaiError
from tests.conftest import REPO

LIBRARY = "libjemalloc.so.2"


def test_auto_preloads_jemalloc_before_what_was_preloaded():
    env = preload_environment({"PATH": "/bin", "LD_PRELOAD": "libfoo.so"}, LIBRARY, "linux")
    assert env == {"PATH": "/bin", "LD_PRELOAD": "libjemalloc.so.2 libfoo.so"}
    assert preload_environment({}, LIBRARY, "linux") == {"LD_PRELOAD": "libjemalloc.so.2"}


@pytest.mark.parametrize("environ", [
    {"GONGKAI_MALLOC": "system"},
    {"GONGKAI_MALLOC": " System "},
    {"LD_PRELOAD": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"},  # started again already
    {"GONGKAI_MALLOC": "jemalloc", "LD_PRELOAD": "libjemalloc.so.2"},
])
def test_no_restart_when_not_wanted_or_already_preloaded(environ):
    assert preload_environment(environ, LIBRARY, "linux") is None


def test_no_restart_without_the_library_or_off_linux():
    assert preload_environment({}, None, "linux") is None
    assert preload_environment({}, LIBRARY, "darwin") is None


def test_asking_for_jemalloc_without_it_is_an_error():
    with pytest.raises(GongkaiError, match="no jemalloc library was found"):
        preload_environment({"GONGKAI_MALLOC": "jemalloc"}, None, "linux")


def test_an_unknown_choice_names_the_variable_and_the_choices():
    with pytest.raises(GongkaiError, match=r"GONGKAI_MALLOC='tcmalloc' is not one of auto, jemalloc, system"):
        preload_environment({"GONGKAI_MALLOC": "tcmalloc"}, LIBRARY, "linux")


def test_allocator_in_use_reads_the_process_maps(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text("7f00-7f01 r-xp 0 08:01 1 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n")
    assert allocator_in_use(maps) == "jemalloc"
    maps.write_text("7f00-7f01 r-xp 0 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n")
    assert allocator_in_use(maps) == "system"
    assert allocator_in_use(tmp_path / "missing") == "system"


def _build(tmp_path, **environ: str) -> tuple[subprocess.CompletedProcess, dict]:
    store = tmp_path / "store"
    result = subprocess.run(
        [sys.executable, "-m", "gongkai.cli", "build", "--full", "--store", str(store)], cwd=REPO,
        capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", **environ})
    assert result.returncode == 0, result.stderr
    return result, json.loads((store / "gongkai-store.json").read_text(encoding="utf-8"))


@pytest.fixture
def jemalloc() -> str:
    library = jemalloc_library()
    if library is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have jemalloc (.ci/run installs libjemalloc2)")
        pytest.skip("no jemalloc on this machine (Debian: libjemalloc2)")
    return library


def test_build_restarts_with_jemalloc_and_records_it(tmp_path, jemalloc):
    result, metadata = _build(tmp_path)
    assert "(memory allocator: jemalloc)" in result.stderr
    assert metadata["allocator"] == "jemalloc"
    assert "2 catalogs, 148 items" in result.stdout


def test_build_keeps_the_system_allocator_when_told(tmp_path, jemalloc):
    result, metadata = _build(tmp_path, GONGKAI_MALLOC="system")
    assert "(memory allocator: system)" in result.stderr
    assert metadata["allocator"] == "system"
    assert "2 catalogs, 148 items" in result.stdout


def test_a_bad_choice_fails_the_build_before_it_starts(tmp_path):
    store = tmp_path / "store"
    result = subprocess.run(
        [sys.executable, "-m", "gongkai.cli", "build", "--store", str(store)], cwd=REPO, capture_output=True,
        text=True, timeout=120, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "GONGKAI_MALLOC": "fast"})
    assert result.returncode == 2
    assert "GONGKAI_MALLOC='fast' is not one of auto, jemalloc, system" in result.stderr
    assert not store.exists()
