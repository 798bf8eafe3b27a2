"""An lcr index: one folder holding the case store, the lexical index and (optionally) the LCM-LAI
dense part and a reranker, with a manifest. This module is the one place that knows the folder's
layout: :func:`build_index` writes it (beside the old folder, swapped in atomically) and
:meth:`IndexBundle.open` reads it. See ``indexes/README.md``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from lcr.artifacts import component_versions
from lcr.encode.embedding_cache import CachedEncoder, cached_encoder
from lcr.encode.sentence_store import SentenceStore
from lcr.encode.sentences import select_sentences
from lcr.encode.shards import encode_shards, merge_shards
from lcr.errors import BadInput, IndexMismatch, IndexMissing
from lcr.index.casestore import CaseStore
from lcr.index.dense import DenseIndex, FaissKind
from lcr.index.es_dense import KIND as ES_DENSE_KIND
from lcr.index.es_dense import ElasticsearchDense
from lcr.index.es_lexical import KIND as ES_KIND
from lcr.index.es_lexical import ElasticsearchBM25
from lcr.index.lexical import DEFAULT_FIELDS, LexicalBackend, TantivyBM25
from lcr.index.manifest import Manifest, atomic_build
from lcr.models.checkpoint import load_model, model_encoder_spec
from lcr.models.labels import ArticleLabels
from lcr.models.lcm_lai import LcmLai, case_vectors
from lcr.models.ranksvm import RankSVM
from lcr.paths import cache_dir, indexes_dir
from lcr.records import Case
from lcr.system_spec import SystemSpec

log = logging.getLogger(__name__)

INDEX_KIND = "lcr-index"
#: Layout versions this code reads; bump (and handle the old one, or refuse it) when the layout changes.
INDEX_VERSION = 1
SUPPORTED_VERSIONS = (1,)

CASES = "cases.sqlite"
LEXICAL = "lexical"
SENTENCES = "sentences"
DENSE = "dense"
CASE_ARTICLES = "case_articles.npy"
MODEL = "model"
RERANKER = "reranker"
#: The manifest config's key for the served system's spec (:class:`~lcr.system_spec.SystemSpec`).
SYSTEM = "system"


LexicalKind = Literal["tantivy", "elasticsearch"]
LEXICAL_KINDS: tuple[str, ...] = ("tantivy", "elasticsearch")
VectorKind = Literal["faiss", "elasticsearch"]
VECTOR_KINDS: tuple[str, ...] = ("faiss", "elasticsearch")


@dataclass
class DenseConfig:
    model_dir: Path
    encoder: str | None = None  # None: the encoder the model was trained over (its manifest's encoder_spec)
    max_sentences: int = 12
    article_weight: float = 0.3
    reranker_dir: Path | None = None
    faiss: FaissKind = "auto"
    ray: bool = False  # encode in resumable shards on Ray (RAY_ADDRESS, else a local Ray)
    vectors: VectorKind = "faiss"  # where the case vectors are searched: FAISS files, or an Elasticsearch alias



def open_lexical(folder: Path) -> LexicalBackend:
    """The lexical backend an index folder's manifest names: embedded tantivy, or an Elasticsearch alias."""
    kind = Manifest.load(folder).kind
    return ElasticsearchBM25().open(folder) if kind == ES_KIND else TantivyBM25(progress=False).open(folder)


def open_vectors(folder: Path) -> DenseIndex | ElasticsearchDense:
    """The case vectors an index folder holds: FAISS files, or (its manifest says so) an Elasticsearch alias."""
    if (folder / "manifest.json").exists() and Manifest.load(folder).kind == ES_DENSE_KIND:
        return ElasticsearchDense().open(folder)
    return DenseIndex.load(folder)


def served_system(manifest: Manifest) -> SystemSpec | None:
    """The spec of the system an index serves, as its manifest records it (``None``: built before lcr
    recorded it; it serves the richest system its parts allow)."""
    raw = manifest.config.get(SYSTEM)
    return SystemSpec.model_validate(raw) if raw is not None else None


def resolve_index(path_or_name: str | Path) -> Path:
    """A bare name (``sample``) is an index under the indexes folder (``$LCR_INDEX_DIR``, see
    :mod:`lcr.paths`); anything with a folder in it is a path."""
    path = Path(path_or_name)
    named = indexes_dir() / str(path_or_name)
    bare = not path.is_absolute() and len(path.parts) == 1
    for candidate in ((named, path) if bare else (path,)):
        if (candidate / "manifest.json").exists():
            return candidate
    where = f"{path} (nor {named})" if bare else f"{path}"
    raise IndexMissing(f"no index at {where}; build one with `lcr index build`")


def open_case_store(index: str | Path) -> CaseStore:
    """An index's case store (its judgments' texts, metadata and citations), without opening the rest."""
    return CaseStore.open(resolve_index(index) / CASES)


def open_index_lexical(index: str | Path) -> LexicalBackend:
    """An index's lexical backend (tantivy or Elasticsearch, as its manifest says), without the rest."""
    return open_lexical(resolve_index(index) / LEXICAL)


@dataclass
class DenseParts:
    """The LCM-LAI side of an index (``faiss`` None: built from the model with the ranker, as a fold
    model's evaluation does)."""

    model: LcmLai
    labels: ArticleLabels
    sentences: SentenceStore
    faiss: DenseIndex | ElasticsearchDense | None
    encoder: CachedEncoder
    max_sentences: int
    article_weight: float


@dataclass
class IndexBundle:
    """An opened index: every part, checked against the manifest."""

    folder: Path
    manifest: Manifest
    store: CaseStore
    lexical: LexicalBackend
    dense: DenseParts | None = None
    reranker: RankSVM | None = None

    @classmethod
    def open(cls, index: str | Path) -> IndexBundle:
        folder = resolve_index(index)
        manifest = Manifest.load(folder)
        if manifest.kind != INDEX_KIND:
            raise IndexMismatch(f"{folder} holds a {manifest.kind!r}, not an lcr index ({INDEX_KIND!r})")
        if manifest.format_version not in SUPPORTED_VERSIONS:
            raise IndexMismatch(f"index {folder} has layout version {manifest.format_version} (written by lcr "
                                f"{manifest.lcr_version}); this lcr reads "
                                f"{', '.join(map(str, SUPPORTED_VERSIONS))}: rebuild it with `lcr index build`")
        store = CaseStore.open(folder / CASES)
        if store.checksum != manifest.corpus_checksum:
            raise IndexMismatch(f"index {folder}: the case store's checksum differs from the manifest's "
                                "(a part was replaced by hand?): rebuild the index")
        lexical = open_lexical(folder / LEXICAL)
        dense = reranker = None
        if "dense" in manifest.config:
            cfg = manifest.config["dense"]
            encoder = cached_encoder(cfg["encoder"])
            model, labels, _ = load_model(folder / MODEL, encoder.name)
            dense = DenseParts(model, labels, SentenceStore.load(folder / SENTENCES, encoder.name),
                               open_vectors(folder / DENSE), encoder, cfg["max_sentences"],
                               cfg["article_weight"])
            if (folder / RERANKER / "manifest.json").exists():
                reranker = RankSVM.load(folder / RERANKER)
        return cls(folder, manifest, store, lexical, dense, reranker)

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def backends(self) -> dict[str, str]:
        """Where each first-stage part searches: ``lexical`` tantivy | elasticsearch, ``vectors`` faiss |
        elasticsearch (absent without the LCM-LAI part)."""
        out = {"lexical": "elasticsearch" if isinstance(self.lexical, ElasticsearchBM25) else "tantivy"}
        if self.dense is not None:
            out["vectors"] = "elasticsearch" if isinstance(self.dense.faiss, ElasticsearchDense) else "faiss"
        return out


class LoadCounts(Protocol):
    """What a loader's report says (``data_tools.loading.LoadReport``): records read and skipped."""

    read: int
    skipped: int
    problems: list


#: The share of bad corpus records above which a build is abandoned (``lcr index build --max-rejected``).
MAX_REJECTED = 0.1


def _check_rejections(report: LoadCounts, max_rejected: float, source: str) -> None:
    """Refuse a corpus whose loader skipped more than a ``max_rejected`` share of its records."""
    if report.read and report.skipped > max_rejected * report.read:
        first = f"; first: {report.problems[0]}" if report.problems else ""
        raise BadInput(f"{report.skipped} of {report.read} records of {source} are bad (more than "
                       f"--max-rejected {max_rejected:g}){first}; nothing was built (is --format right?)")


def build_index(cases: Iterable[Case], out: Path, fields: Sequence[str] = DEFAULT_FIELDS,
                dense: DenseConfig | None = None, source: str = "", show_progress: bool = True,
                force: bool = False, report: LoadCounts | None = None,
                lexical_backend: LexicalKind = "tantivy", max_rejected: float = MAX_REJECTED,
                system: SystemSpec | None = None) -> Manifest:
    """Build a complete index folder at ``out`` (atomically: the old one serves until this succeeds).
    ``out`` must be absent, empty or an lcr index unless ``force``. ``report``: the loader's counts of the
    ``cases`` stream; once the cases are read, more than a ``max_rejected`` share of bad records abandons
    the build (the old index stays). A corpus of no case is always refused. The manifest records every
    setting (backends, FAISS kind, ``max_rejected``) so :func:`rebuild_index` can repeat the build, and
    ``system``, the spec of the system the index serves (``config.system``; checked by its caller,
    ``lcr.pipeline.compose.planned_spec``: an index without one serves the richest its parts allow)."""
    if dense is not None and dense.reranker_dir is not None:
        RankSVM.load(dense.reranker_dir)  # refuse a broken reranker before any work
    with atomic_build(out, force) as tmp:
        store = CaseStore.create(tmp / CASES, cases)
        if len(store) == 0:
            raise BadInput(f"no case could be read from {source or 'the corpus'} (is the corpus format right?); "
                           "nothing was built, the old index (if any) is unchanged")
        if report is not None:
            _check_rejections(report, max_rejected, source or "the corpus")
        log.info("case store: %d cases", len(store))
        lexical = (TantivyBM25(progress=show_progress) if lexical_backend == "tantivy"
                   else ElasticsearchBM25(alias=f"lcr-{Path(out).name}"))
        lex_manifest = lexical.build(store.iter_cases(), tmp / LEXICAL, fields)
        config: dict = {"fields": list(fields), "source": source, "lexical": lex_manifest.config,
                        "lexical_backend": lexical_backend, "max_rejected": max_rejected}
        if system is not None:
            config[SYSTEM] = system.model_dump(exclude_defaults=True)
        counts = {"cases": len(store)}
        if dense is not None:
            if dense.encoder is None:
                dense = replace(dense, encoder=model_encoder_spec(dense.model_dir))
            counts.update(_build_dense(tmp, store, dense, show_progress, Path(out).name))
            config["dense"] = {"encoder": dense.encoder, "max_sentences": dense.max_sentences,
                               "article_weight": dense.article_weight, "model": str(dense.model_dir),
                               "reranker": str(dense.reranker_dir) if dense.reranker_dir else None,
                               "vectors": dense.vectors, "faiss": dense.faiss}
        manifest = Manifest(kind=INDEX_KIND, format_version=INDEX_VERSION, config=config,
                            corpus_checksum=store.checksum, counts=counts,
                            components=component_versions("lcr", "tantivy", "faiss-cpu", "torch"))
        store.close()
        manifest.save(tmp)
    return manifest


def rebuild_index(folder: Path, cases: Iterable[Case], report: LoadCounts, source: str,
                  show_progress: bool = False) -> Manifest:
    """Rebuild the index at ``folder`` from a new corpus with the settings it was built with: its fields,
    lexical and vector backends, FAISS kind, bad-record limit, and its own LCM-LAI model and reranker
    (copied out first: the build replaces the folder they live in). ``report`` counts the corpus loader's
    records for the bad-record limit, and the system it serves. Atomic as :func:`build_index`: a failure
    leaves the old index."""
    manifest = Manifest.load(folder)
    cfg = manifest.config
    lexical: LexicalKind = cfg.get("lexical_backend") or (
        "elasticsearch" if Manifest.load(folder / LEXICAL).kind == ES_KIND else "tantivy")
    max_rejected = float(cfg.get("max_rejected", MAX_REJECTED))
    with tempfile.TemporaryDirectory(prefix="lcr-rebuild-") as scratch:
        dense = None
        if "dense" in cfg:
            d = cfg["dense"]
            reranker = _kept(folder / RERANKER, Path(scratch)) if (folder / RERANKER).is_dir() else None
            dense = DenseConfig(_kept(folder / MODEL, Path(scratch)), d["encoder"], d["max_sentences"],
                                d["article_weight"], reranker, faiss=d.get("faiss", "auto"),
                                vectors=d.get("vectors", "faiss"))
        return build_index(cases, folder, cfg.get("fields", list(DEFAULT_FIELDS)), dense, source=source,
                           show_progress=show_progress, report=report,
                           lexical_backend=lexical, max_rejected=max_rejected, system=served_system(manifest))


def _kept(model_dir: Path, scratch: Path) -> Path:
    """A copy of a model folder outside the index."""
    copy = scratch / model_dir.name
    shutil.copytree(model_dir, copy)
    return copy


def _build_dense(folder: Path, store: CaseStore, cfg: DenseConfig, show_progress: bool,
                 index_name: str) -> dict[str, int]:
    """Encode each case once (through the embedding cache), then index the LCM-LAI case vectors: FAISS
    files, or behind the alias ``lcr-<index_name>-vectors`` when ``cfg.vectors`` is elasticsearch.
    ``cfg.encoder`` is resolved: :func:`build_index` fills it from the model's manifest when unset."""
    assert cfg.encoder is not None
    encoder = cached_encoder(cfg.encoder)
    model, _, _ = load_model(cfg.model_dir, encoder.name)
    ids, sents = [], []
    for case in store.iter_cases(show_progress=show_progress, desc="sentences"):
        ids.append(case.case_id)
        sents.append(select_sentences(case.facts, cfg.max_sentences))
    if cfg.ray:  # shards kept under the cache, keyed by what they encode: a killed build resumes
        key = hashlib.sha1(json.dumps([encoder.name, ids, sents], ensure_ascii=False).encode()).hexdigest()[:16]
        shards = cache_dir() / "shards" / key
        encode_shards(ids, sents, cfg.encoder, shards, ray=True)
        sentences = merge_shards(shards, encoder.name)
    else:
        sentences = SentenceStore.encode(ids, sents, encoder, show_progress=show_progress)
    sentences.save(folder / SENTENCES)
    vectors, probs = case_vectors(model, sentences, ids, cfg.max_sentences, cfg.article_weight)
    meta = {"encoder": encoder.name, "article_weight": cfg.article_weight}
    if cfg.vectors == "elasticsearch":
        ElasticsearchDense().build(ids, vectors, folder / DENSE, alias=f"lcr-{index_name}-vectors", meta=meta)
    else:
        DenseIndex.build(ids, vectors, meta=meta, kind=cfg.faiss).save(folder / DENSE)
    if probs is not None:
        np.save(folder / DENSE / CASE_ARTICLES, probs.astype(np.float16))
    shutil.copytree(cfg.model_dir, folder / MODEL)
    if cfg.reranker_dir is not None:
        shutil.copytree(cfg.reranker_dir, folder / RERANKER)
    return {"sentences": int(sentences.offsets[-1]), "dense_vectors": len(ids)}
