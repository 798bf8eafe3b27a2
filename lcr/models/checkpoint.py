"""An LCM-LAI model is a self-describing folder: ``model.safetensors`` (weights), ``config.json``
(model config), ``labels.json`` (article label set) and ``manifest.json`` (lcr version, encoder, training
config, data checksums). Never pickle."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import load_file, save_file

from lcr.artifacts import new_manifest, read_manifest, write_manifest
from lcr.atomic import staged_folder
from lcr.errors import IndexMismatch
from lcr.models.labels import ArticleLabels
from lcr.models.lcm_lai import LcmLai, LcmLaiConfig

MODEL_KIND = "lcm-lai"


def save_model(folder: Path, model: LcmLai, labels: ArticleLabels, encoder_name: str, extra: dict) -> None:
    """Write the model folder atomically (:func:`lcr.atomic.staged_folder`): an interrupted save leaves
    the previous model, never weights without their manifest."""
    with staged_folder(folder) as out:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"))
        (out / "config.json").write_text(json.dumps(model.config.to_dict(), indent=1), encoding="utf-8")
        labels.save(out / "labels.json")
        write_manifest(out, new_manifest(MODEL_KIND, {"encoder": encoder_name, "n_articles": len(labels), **extra},
                                         components=("torch",)))


def _read_manifest(folder: Path) -> dict:
    return read_manifest(folder, MODEL_KIND, "train one with `lcr train`")


def model_encoder_spec(folder: Path) -> str:
    """The encoder spec (``e5-torch``) a model folder was trained over, for building indexes with it."""
    spec = _read_manifest(folder).get("encoder_spec")
    if not spec:
        raise IndexMismatch(f"{folder}/manifest.json names no encoder_spec; pass the encoder explicitly")
    return str(spec)


def load_model(folder: Path, encoder_name: str | None = None) -> tuple[LcmLai, ArticleLabels, dict]:
    """Load a model folder; refuse one made for another encoder or in another format (:mod:`lcr.artifacts`)."""
    manifest = _read_manifest(folder)
    if encoder_name is not None and manifest["encoder"] != encoder_name:
        raise IndexMismatch(f"model {folder} was trained on {manifest['encoder']!r} embeddings, "
                            f"but the index uses {encoder_name!r}")
    config = LcmLaiConfig(**json.loads((folder / "config.json").read_text(encoding="utf-8")))
    labels = ArticleLabels.load(folder / "labels.json")
    if len(labels) != config.n_articles:
        raise IndexMismatch(f"{folder}: labels.json has {len(labels)} articles, config says {config.n_articles}")
    model = LcmLai(config)
    model.load_state_dict(load_file(str(folder / "model.safetensors")))
    model.eval()
    return model, labels, manifest
