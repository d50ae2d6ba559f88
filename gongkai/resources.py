"""Locate the data-as-code folders (ontology/, shapes/, queries/, data/mappings/).

They live at the top of the repository and are shipped inside the installed package
under ``gongkai/_data``; this is the one place that knows both layouts.
"""

from __future__ import annotations

from pathlib import Path

_SOURCE_LAYOUT = {
    "ontology": "ontology",
    "shapes": "shapes",
    "queries": "queries",
    "mappings": "data/mappings",
}


def resource_dir(name: str) -> Path:
    """The folder for ``name`` (one of ontology, shapes, queries, mappings)."""
    if name not in _SOURCE_LAYOUT:
        raise KeyError(f"unknown resource folder {name!r}")
    packaged = Path(__file__).parent / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / _SOURCE_LAYOUT[name]


def ontology_files() -> list[Path]:
    """The ontology and every SKOS vocabulary, in a stable order."""
    root = resource_dir("ontology")
    return sorted(root.glob("*.ttl")) + sorted((root / "vocab").glob("*.ttl"))


def shape_files() -> list[Path]:
    return sorted(resource_dir("shapes").glob("*.ttl"))
