"""An encoder delta: e5-small's retrained top layers, stored apart from the base they apply to.

A delta folder (a self-describing model folder, as sentence-transformers ships them) holds
``delta.safetensors`` (the trained layers under ``BertModel`` names, float32) and ``manifest.json``
(kind, the base model's checkpoint id, the training data and recipe, the dev scores). Applying it gives
one more converted model under ``cache_dir()/models/<base id>+<delta digest>/``, which every e5 backend
(torch, the ONNX exports) then reads like the base: the encoder's name carries the digest, so the
embedding cache and index manifests keep vectors of different deltas apart.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from lcr.artifacts import new_manifest, write_manifest
from lcr.artifacts import read_manifest as read_artifact_manifest
from lcr.atomic import staged_folder
from lcr.encode.fast_e5 import converted_dir
from lcr.errors import BadInput, IndexMismatch, IndexMissing
from lcr.paths import cache_dir

DELTA_FILE = "delta.safetensors"
KIND = "lcr-encoder-delta"
#: The delta lcr ships: the legal encoder trained by ``lcr train --encoder`` (spec ``e5-torch:legal``).
SHIPPED_DELTAS = {"legal": Path(__file__).resolve().parents[1] / "resources" / "models" / "e5-legal"}


def resolve_delta(name_or_path: str) -> Path:
    """A shipped delta's name (``legal``) or a delta folder's path -> that folder (checked to exist)."""
    folder = SHIPPED_DELTAS.get(name_or_path, Path(name_or_path))
    if not (folder / DELTA_FILE).exists():
        valid = ", ".join(SHIPPED_DELTAS)
        raise IndexMissing(f"no encoder delta at {folder} (shipped deltas: {valid}; or give a delta folder)")
    return folder


def delta_digest(folder: Path) -> str:
    return hashlib.sha1((folder / DELTA_FILE).read_bytes()).hexdigest()[:12]


def read_manifest(folder: Path) -> dict:
    """The delta's manifest, checked to be an encoder delta in this lcr's format (:mod:`lcr.artifacts`)."""
    return read_artifact_manifest(folder, KIND, "train one with `lcr train --encoder`")


def save_delta(folder: Path, tensors: dict, manifest: dict, force: bool = False) -> None:
    """Write a delta folder atomically: built beside, then swapped in; an existing one needs ``force``."""
    from safetensors.torch import save_file

    if folder.exists() and not force:
        raise BadInput(f"{folder} exists; pass --force to replace it")
    with staged_folder(folder) as staging:
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(staging / DELTA_FILE))
        write_manifest(staging, new_manifest(KIND, {"base": converted_dir().name, **manifest},
                                             components=("torch", "transformers")))


def merged_dir(folder: Path) -> Path:
    """Apply (once) the delta at ``folder`` to the base model; return the merged model folder."""
    from safetensors.numpy import load_file, save_file

    manifest = read_manifest(folder)
    base = converted_dir()
    if manifest["base"] != base.name:
        raise IndexMismatch(f"encoder delta {folder} was trained on {manifest['base']}, but the installed "
                            f"base model is {base.name}; retrain it (lcr train --encoder)")
    out = cache_dir() / "models" / f"{base.name}+{delta_digest(folder)}"
    if (out / "model.safetensors").exists():
        return out
    weights = load_file(str(base / "model.safetensors"))
    delta = load_file(str(folder / DELTA_FILE))
    unknown = sorted(set(delta) - set(weights))
    if unknown:
        raise IndexMismatch(f"encoder delta {folder} names tensors the base lacks: {unknown[:3]}")
    for name, value in delta.items():
        if value.shape != weights[name].shape:
            raise IndexMismatch(f"encoder delta {folder}: {name} is {value.shape}, the base's {weights[name].shape}")
        weights[name] = value
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as staging:
        tmp = Path(staging)
        for f in ("config.json", "tokenizer.json", "normalisation.json"):
            shutil.copy(base / f, tmp / f)
        save_file(weights, str(tmp / "model.safetensors"))
        for f in ("config.json", "tokenizer.json", "normalisation.json", "model.safetensors"):
            os.replace(tmp / f, out / f)  # model.safetensors last: its presence marks a complete merge
    return out
