"""One manifest schema for every artifact lcr writes: index folders, LCM-LAI checkpoints, RankSVM models and
encoder deltas.

Each artifact folder holds a ``manifest.json`` whose header is the same for every kind:

* ``kind``: ``index``, ``lcm-lai``, ``ranksvm`` or ``lcr-encoder-delta``;
* ``format_version``: the layout of the folder, which this lcr reads only at :data:`FORMATS`'s version;
* ``lcr_version``: the lcr that wrote it; ``created``: when (UTC);
* ``components``: the versions of the libraries whose numerics it depends on (torch, scikit-learn, …).

Then come the kind's own fields (an index's config and corpus checksum, a model's training config and
data checksums, a delta's base and recipe). Loading compares versions, as stated: another kind or another
``format_version`` is refused (:class:`~lcr.errors.IndexMismatch`, naming both and what to do); an artifact
written by a newer lcr than this one, in a format this lcr reads, loads with a warning. Manifests written
before this schema (``version`` for an index's format, no ``format_version`` for a delta, library
versions as ``torch_version`` / ``scikit_learn_version``) read as format 1.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from lcr import __version__
from lcr.errors import IndexMismatch, IndexMissing

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
#: Every artifact kind and the one folder format this lcr writes and reads.
FORMATS: dict[str, int] = {"index": 1, "lcm-lai": 1, "ranksvm": 1, "lcr-encoder-delta": 1}
HEADER = ("kind", "format_version", "lcr_version", "created", "components")
_LEGACY_COMPONENTS = {"torch_version": "torch", "scikit_learn_version": "scikit-learn"}


def component_versions(*packages: str) -> dict[str, str]:
    """Installed versions of the named distributions (``"absent"`` when not installed)."""
    out = {}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def new_manifest(kind: str, fields: Mapping[str, Any], components: Iterable[str] = ()) -> dict[str, Any]:
    """A manifest of ``kind``: the common header (this lcr, now, ``components``' versions), then ``fields``."""
    if kind not in FORMATS:
        raise ValueError(f"unknown artifact kind {kind!r}")
    header = {"kind": kind, "format_version": FORMATS[kind], "lcr_version": __version__, "created": now(),
              "components": component_versions(*components)}
    clash = sorted(set(header) & set(fields))
    if clash:
        raise ValueError(f"manifest fields {clash} belong to the header")
    return {**header, **fields}


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``folder/manifest.json`` through a temporary file: a reader never sees half of it."""
    path = Path(folder) / MANIFEST_NAME
    tmp = path.with_name(f".{MANIFEST_NAME}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def upgrade_legacy(raw: dict[str, Any]) -> dict[str, Any]:
    """A manifest written before this schema, read with the common header."""
    out = dict(raw)
    if "format_version" not in out:
        out["format_version"] = out.pop("version", 1)
    components = dict(out.get("components") or {})
    for old, name in _LEGACY_COMPONENTS.items():
        if old in out:
            components.setdefault(name, out.pop(old))
    out["components"] = components
    out.setdefault("lcr_version", "unknown")
    return out


def _newer(version: str) -> bool:
    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split(".") if p.isdigit())

    return version != "unknown" and parts(version) > parts(__version__)


def read_manifest(folder: Path, kind: str, missing_hint: str = "") -> dict[str, Any]:
    """``folder``'s manifest, checked to be ``kind`` in the format this lcr reads (see the module docstring)."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        raise IndexMissing(f"no {kind} at {folder} ({MANIFEST_NAME} missing){'; ' + missing_hint if missing_hint else ''}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise IndexMismatch(f"unreadable manifest {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise IndexMismatch(f"unreadable manifest {path}: not a JSON object")
    manifest = upgrade_legacy(raw)
    have_kind, have_format = manifest.get("kind"), manifest["format_version"]
    if have_kind != kind:
        raise IndexMismatch(f"{folder} holds a {have_kind!r} artifact, not {kind!r}")
    if have_format != FORMATS[kind]:
        written = manifest["lcr_version"]
        fix = ("upgrade lcr to read it" if isinstance(have_format, int) and have_format > FORMATS[kind]
               else "rebuild it with this lcr")
        raise IndexMismatch(f"{folder} is a {kind} in format {have_format} (written by lcr {written}); this "
                            f"lcr {__version__} reads format {FORMATS[kind]}: {fix}")
    warn_if_newer(folder, manifest["lcr_version"])
    return manifest


def warn_if_newer(folder: Path, lcr_version: str) -> None:
    """Log a warning when ``folder`` was written by a newer lcr than this one (its format is still read)."""
    if _newer(lcr_version):
        log.warning("%s was written by lcr %s, newer than this lcr %s", folder, lcr_version, __version__)
