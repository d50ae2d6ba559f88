"""The memory allocator of a build: jemalloc when the system has it.

Most of a national build's time goes to pyoxigraph's bulk loader and RocksDB, which
allocate and free millions of short-lived key buffers. Under glibc's malloc, a profile
of the bulk load (``perf``, benchmarks/README.md) spends about 15% of it keeping free
lists (``unlink_chunk``, ``malloc_consolidate``, ``_int_free``); RocksDB's own advice is
jemalloc. An allocator is fixed when a process starts, so ``gongkai build`` starts
itself once more with jemalloc preloaded (``LD_PRELOAD``) when the library is installed
(Debian: ``libjemalloc2``) and not already in use. ``GONGKAI_MALLOC=system`` keeps the
system allocator. The forked catalog workers inherit the parent's.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from gongkai.errors import GongkaiError

ENVIRONMENT_VARIABLE = "GONGKAI_MALLOC"
CHOICES = ("auto", "jemalloc", "system")


def jemalloc_library() -> str | None:
    """The name the dynamic linker knows jemalloc by (``libjemalloc.so.2``), or None."""
    return ctypes.util.find_library("jemalloc")


def preload_environment(environ: Mapping[str, str], library: str | None, platform: str) -> dict[str, str] | None:
    """The environment to start again with, or None to go on as we are.

    None when jemalloc is missing, is not wanted, or is already preloaded (so a process
    started again never starts a third time, even if the linker could not preload it).
    """
    choice = environ.get(ENVIRONMENT_VARIABLE, "auto").strip().lower() or "auto"
    if choice not in CHOICES:
        raise GongkaiError(f"{ENVIRONMENT_VARIABLE}={choice!r} is not one of {', '.join(CHOICES)}")
    preloaded = environ.get("LD_PRELOAD", "")
    if choice == "system" or "jemalloc" in preloaded:
        return None
    if library is None or not platform.startswith("linux"):
        if choice == "jemalloc":
            raise GongkaiError(f"{ENVIRONMENT_VARIABLE}=jemalloc, but no jemalloc library was found "
                               "(Debian: apt install libjemalloc2)")
        return None
    environment = dict(environ)
    environment["LD_PRELOAD"] = f"{library} {preloaded}".strip()
    return environment


def restart_with_jemalloc(arguments: Sequence[str]) -> None:
    """Replace this process by ``python -m gongkai.cli <arguments>`` with jemalloc
    preloaded, when :func:`preload_environment` says so; else return."""
    environment = preload_environment(os.environ, jemalloc_library(), sys.platform)
    if environment is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "gongkai.cli", *arguments], environment)


def allocator_in_use(maps: Path = Path("/proc/self/maps")) -> str:
    """"jemalloc" when the library is mapped into this process, else "system": what the
    build records in the store's metadata, so that a benchmark says what it measured."""
    try:
        mapped = maps.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "system"
    return "jemalloc" if "libjemalloc" in mapped else "system"
