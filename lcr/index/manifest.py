"""Index manifests and atomic build-and-swap.

Every built index directory (the index folder and its lexical and vector parts) holds a ``manifest.json``
in the schema every lcr artifact shares (:mod:`lcr.artifacts`: kind, format version, the lcr that wrote
it, when, library versions), then how it was built (config), from which corpus (checksum) and its counts.
Loaders call ``Manifest.check`` so a stale or foreign index fails loudly, naming the field that differs,
instead of silently returning wrong results.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from lcr import __version__
from lcr.artifacts import MANIFEST_NAME, now, upgrade_legacy, warn_if_newer
from lcr.errors import BadInput, IndexMismatch, IndexMissing
from lcr.records import Case

log = logging.getLogger(__name__)

def text_hash(text: str) -> str:
    """Short content hash of a text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def case_hash(case: Case) -> str:
    """Content hash of every field of a case (text and metadata)."""
    return text_hash(json.dumps(asdict(case), ensure_ascii=False, sort_keys=True))


def corpus_checksum(case_ids_and_text_hashes: Iterable[tuple[str, str]]) -> str:
    """Order-independent checksum of a corpus given ``(case_id, content hash)`` pairs."""
    h = hashlib.sha256()
    for case_id, digest in sorted(case_ids_and_text_hashes):
        h.update(f"{case_id}\t{digest}\n".encode())
    return h.hexdigest()


@dataclass
class Manifest:
    """What an index directory holds; saved as ``manifest.json`` inside it."""

    kind: str
    format_version: int = 1
    lcr_version: str = __version__
    created: str = field(default_factory=now)
    components: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    corpus_checksum: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def save(self, directory: str | Path) -> Path:
        """Write ``manifest.json`` into ``directory`` (via a temp file, so it is never half-written)."""
        path = Path(directory) / MANIFEST_NAME
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(
            json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
        )
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, directory: str | Path) -> Manifest:
        """Read ``directory/manifest.json``; ``IndexMissing`` if absent, ``IndexMismatch`` if unreadable."""
        path = Path(directory) / MANIFEST_NAME
        if not path.is_file():
            raise IndexMissing(f"no {MANIFEST_NAME} in {directory} (build the index first)")
        try:
            raw = upgrade_legacy(json.loads(path.read_text(encoding="utf-8")))
            known = {f.name for f in fields(cls)}
            manifest = cls(**{k: v for k, v in raw.items() if k in known})
        except (ValueError, TypeError, AttributeError) as exc:
            raise IndexMismatch(f"unreadable manifest {path}: {exc}") from exc
        warn_if_newer(Path(directory), manifest.lcr_version)
        return manifest

    def check(self, expected: Manifest | Mapping[str, Any]) -> None:
        """Raise ``IndexMismatch`` naming the first field that differs from ``expected``.

        A mapping gives only the fields to compare (nested dicts, e.g. ``config``, are compared key
        by key, so the message names ``config.segmenter.backend`` rather than all of ``config``);
        a ``Manifest`` compares kind, format version, config and corpus checksum.
        """
        if isinstance(expected, Manifest):
            expected = {
                "kind": expected.kind,
                "format_version": expected.format_version,
                "config": expected.config,
                "corpus_checksum": expected.corpus_checksum,
            }
        actual = asdict(self)
        for name, want in expected.items():
            if name not in actual:
                raise IndexMismatch(f"manifest has no field {name!r}")
            _compare(name, actual[name], want)


def _compare(path: str, have: Any, want: Any) -> None:
    if isinstance(want, Mapping) and isinstance(have, Mapping):
        for key, sub in want.items():
            _compare(f"{path}.{key}", have.get(key, "<missing>"), sub)
        return
    if isinstance(want, tuple):
        want = list(want)
    if have != want:
        raise IndexMismatch(f"index manifest mismatch in {path}: index has {have!r}, expected {want!r}")




#: Every top-level name an lcr build writes into an index or model folder; anything else in one is a user's.
ARTIFACT_ENTRIES = frozenset({
    MANIFEST_NAME, "cases.sqlite", "lexical", "sentences", "dense", "case_articles.npy", "model", "reranker",
    "config.json", "labels.json", "model.safetensors", "weights.json", "delta.safetensors",
    "tantivy", "ids.json", "faiss.index", "vectors.npy", "dense.json",
})


def foreign_entries(target: Path) -> list[str]:
    """Names in the artifact folder ``target`` that no lcr build writes (a user's notes, say)."""
    return sorted(p.name for p in target.iterdir() if p.name not in ARTIFACT_ENTRIES)


def _refuse_foreign(target: Path, foreign: list[str]) -> None:
    shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    raise BadInput(f"{target} is an lcr folder but also holds files lcr did not write ({shown}); replacing it "
                   "would delete them. Move them out, choose another --out, or pass --force")


def check_replaceable(target: Path, force: bool = False) -> None:
    """Refuse to replace anything but an lcr artifact (a folder holding a ``manifest.json`` and nothing an
    lcr build did not write) or an empty folder, unless ``force``: a mistyped ``--out`` must never delete
    a user's files."""
    if force or not (target.exists() or target.is_symlink()):
        return
    if target.is_dir() and not target.is_symlink() and (target / MANIFEST_NAME).is_file():
        foreign = foreign_entries(target)
        if foreign:
            _refuse_foreign(target, foreign)
        return
    if target.is_dir() and not target.is_symlink() and not any(target.iterdir()):
        return
    what = ("a file" if not target.is_dir() else
            "a folder that is not an lcr index or model (it has no manifest.json)")
    raise BadInput(f"{target} is {what}; refusing to replace it. Choose another --out, or pass --force to "
                   "replace it")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_builds(target: Path) -> None:
    """Clean up after builds of ``target`` killed half-way (SIGKILL, power loss), once that process is gone:
    a ``.building-<pid>`` folder is removed; an ``.old-<pid>`` one (killed between the two renames) is put
    back in place when ``target`` is missing, else removed."""
    for kind in ("old", "building"):
        for leftover in sorted(target.parent.glob(f"{target.name}.{kind}-*")):
            pid = leftover.name.rsplit("-", 1)[-1]
            if not pid.isdigit() or _pid_alive(int(pid)):
                continue
            if kind == "old" and not target.exists():
                log.warning("restoring %s from %s, left by a build that did not finish", target, leftover)
                os.rename(leftover, target)
            else:
                log.warning("removing %s, left by a build that did not finish", leftover)
                shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def atomic_build(target_dir: str | Path, force: bool = False) -> Iterator[Path]:
    """Build into ``<target>.building-<pid>`` and swap it into place only on success; refuses a target
    that is not an lcr artifact unless ``force`` (:func:`check_replaceable`).

    On success the old target is renamed aside, the new directory renamed into place, then the old
    one deleted; readers see the old or the new index, never a half-built one (between the two
    renames the path is briefly absent). On failure the temp directory is removed and the old
    target is left untouched.
    """
    target = Path(target_dir)
    check_replaceable(target, force)
    _remove_stale_builds(target)
    building = target.with_name(f"{target.name}.building-{os.getpid()}")
    if building.exists():
        shutil.rmtree(building)
    building.mkdir(parents=True)
    try:
        yield building
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    old = target.with_name(f"{target.name}.old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    had_old = target.exists()
    if had_old:
        os.rename(target, old)
    try:
        os.rename(building, target)
    except OSError:
        if had_old:
            os.rename(old, target)
        shutil.rmtree(building, ignore_errors=True)
        raise
    if had_old:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    log.info("swapped new build into %s", target)
