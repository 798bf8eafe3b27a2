"""LCM-LAI on LeCaRD: the resources training needs, the experiment config, and per-fold models.

* Corpus and query sentences are encoded once (see :mod:`lcr.fit.workspace`).
* LAP targets come from each LeCaRD candidate's own judgment (citation parser) and CAIL2018's
  ``relevant_articles``; every fifth LeCaRD candidate (by a hash of its id) is held out of all LAP
  training so LAP can be measured on it.
* LAP pre-training uses no query judgment, so one pre-trained model serves every fold; each fold then
  trains the joint objective on its training queries only and scores only its test queries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources as package_files
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from data_tools.cail2018 import iter_cail2018
from data_tools.registry import load_benchmark
from lcr.encode.embedding_cache import cached_encoder
from lcr.encode.legal_data import held_out  # LAP's held-out candidates are the legal encoder's dev set
from lcr.encode.sentence_store import SentenceStore
from lcr.errors import BadInput
from lcr.fit.workspace import sentence_store_for
from lcr.index.bundle import open_case_store
from lcr.models.checkpoint import load_model, save_model
from lcr.models.labels import ArticleLabels
from lcr.models.lcm_lai import LcmLai
from lcr.models.train import TrainConfig, new_model, pretrain_lap, train_ranking
from lcr.models.weak_supervision import pseudo_groups, pseudo_query_store
from lcr.paths import data_home, models_dir
from lcr.records import Qrels, Query

log = logging.getLogger(__name__)

VARIANTS: dict[str, dict] = {
    "lcm-lai": {},
    "lcm-lai-no-lap": {"use_lap": False},
    "lcm-lai-semantic-only": {"article_attention": False},
    "lcm-lai-pool": {},
    "lcm-lai-weak": {},
    "lcm-lai-weak-semantic-only": {"article_attention": False},
    "lcm-lai-weak-no-lap": {"use_lap": False},
    "lcm-lai-weak-circ": {},
    "lcm-lai-weak-exact": {"exact_articles": True},
}
#: Bump when the training code changes what a given config and data produce, so cached models retrain.
TRAINING_RECIPE = 2
#: Variants also trained on corpus pseudo-queries (:mod:`lcr.models.weak_supervision`).
WEAK_VARIANTS = frozenset(v for v in VARIANTS if v.startswith("lcm-lai-weak"))
#: Variants whose ranking loss also sees each training query's unlabelled pool documents (as grade 0).
POOL_VARIANTS = frozenset({"lcm-lai-pool"} | WEAK_VARIANTS)
#: Weak variants whose pseudo-queries' top grade also needs the same cited articles, not only the charges.
ARTICLE_GRADED = frozenset({"lcm-lai-weak-circ"})


def default_config_path() -> Path:
    """The experiment config shipped with lcr (``lcr/resources/configs/lcm-lai.json``)."""
    return Path(str(package_files.files("lcr") / "resources" / "configs" / "lcm-lai.json"))


class ExperimentConfig(BaseModel):
    """An experiment: the encoder, the FAISS article weight, the CAIL2018 folder for LAP pre-training
    (relative paths are under the data home, see :mod:`lcr.paths`; empty: none) and the training config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    encoder: str = "e5-torch"
    #: The LCM-LAI variant (:data:`VARIANTS`) the pipeline's stages read and ``lcr train`` ships.
    lcm_variant: Literal[tuple(VARIANTS)] = "lcm-lai"  # type: ignore[valid-type]
    article_weight: float = Field(0.3, ge=0, le=1)
    cail: str = "cail2018_sample"
    train: TrainConfig = Field(default_factory=TrainConfig)

    @classmethod
    def load(cls, path: Path | None = None) -> ExperimentConfig:
        """Read a JSON config (the shipped default when ``path`` is None); a missing file, bad JSON or an
        unknown key is a :class:`BadInput` naming the problem."""
        path = default_config_path() if path is None else Path(path)
        if not path.is_file():
            raise BadInput(f"no experiment config at {path}")
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in exc.errors())
            raise BadInput(f"experiment config {path}: {problems}") from None

    @property
    def cail_dir(self) -> Path | None:
        if not self.cail:
            return None
        path = Path(self.cail)
        return path if path.is_absolute() else data_home() / path

    def key(self, variant: str) -> str:
        blob = json.dumps({"encoder": self.encoder, "train": self.train.to_dict(), "variant": variant,
                           "cail": self.cail}, sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:10]


@dataclass
class Resources:
    cases: SentenceStore
    queries: SentenceStore
    qrels: Qrels
    labels: ArticleLabels
    case_articles: dict[str, list]  # LeCaRD candidate -> its cited 刑法 articles
    cail: SentenceStore | None
    cail_articles: dict[str, list]
    cail_split: dict[str, str]
    pools: dict[str, list[str]] = field(default_factory=dict)
    query_texts: dict[str, str] = field(default_factory=dict)
    case_charges: dict[str, list[str]] = field(default_factory=dict)  # LeCaRD candidate -> its charges

    @cached_property
    def lap_fingerprint(self) -> str:
        """Hash of everything LAP pre-training sees: the case sentences and embeddings, the label set and
        the LAP targets."""
        h = hashlib.sha1()
        for store in (self.cases, self.cail):
            if store is not None:
                h.update(store.encoder_name.encode())
                h.update(json.dumps([store.case_ids, store.sentences], ensure_ascii=False).encode())
                h.update(np.ascontiguousarray(store.emb).tobytes())
        h.update(json.dumps(self.labels.keys).encode())
        arts = {c: sorted(a.key for a in refs) for c, refs in {**self.case_articles, **self.cail_articles}.items()}
        h.update(json.dumps([arts, self.cail_split], sort_keys=True, ensure_ascii=False).encode())
        return h.hexdigest()[:12]

    def training_fingerprint(self, train_qids: list[str], with_pools: bool, weak: bool = False) -> str:
        """Hash of everything a fold model sees: the LAP data, and each training query's text, sentence
        embeddings and judgments (and pool, for pool-trained variants). Editing a query's text therefore
        trains a new model instead of reusing one trained on the original. ``weak`` (pseudo-query
        variants) adds every query's pool (the evaluated queries' pools decide which judgments are left
        out) and the pooled judgments' charges (they grade the pseudo-queries)."""
        h = hashlib.sha1(self.lap_fingerprint.encode())
        if weak:
            pooled = sorted({c for pool in self.pools.values() for c in pool})
            h.update(json.dumps([{q: sorted(p) for q, p in sorted(self.pools.items())},
                                 [(c, sorted(self.case_charges.get(c, ()))) for c in pooled]],
                                ensure_ascii=False).encode())
        for q in sorted(train_qids):
            rows = [q, self.query_texts.get(q, ""), sorted(self.qrels.get(q, {}).items()),
                    sorted(self.pools.get(q, ())) if with_pools else []]
            h.update(json.dumps(rows, ensure_ascii=False).encode())
            if q in self.queries:
                h.update(np.ascontiguousarray(self.queries.embeddings(q)).tobytes())
        return h.hexdigest()[:12]

    def exact_articles(self) -> dict[str, np.ndarray]:
        """Every LeCaRD candidate's cited articles (multi-hot): a judgment's own, known when it is ranked."""
        return {c: self.labels.multi_hot(a) for c, a in self.case_articles.items() if a}

    def lap_targets(self, include_cail_test: bool = False) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """LAP training targets: (LeCaRD candidates not held out, CAIL2018 train cases)."""
        lecard = {c: self.labels.multi_hot(a) for c, a in self.case_articles.items() if not held_out(c) and a}
        cail = {c: self.labels.multi_hot(a) for c, a in self.cail_articles.items()
                if include_cail_test or self.cail_split[c] == "train"}
        return lecard, cail


def prepare(index_folder: Path, queries: dict[str, Query], qrels: Qrels, cfg: ExperimentConfig,
            show_progress: bool = True, pools: dict[str, list[str]] | None = None) -> Resources:
    encoder = cached_encoder(cfg.encoder)
    store = open_case_store(index_folder)
    ids, facts, arts, charges = [], [], {}, {}
    for case in store.iter_cases():
        ids.append(case.case_id)
        facts.append(case.facts)
        arts[case.case_id] = [a for a in case.articles if a.statute == "刑法"]
        charges[case.case_id] = list(case.charges)
    ms = cfg.train.max_sentences
    cases = sentence_store_for(ids, facts, encoder, ms, "cases", show_progress)
    qids = sorted(queries)
    qstore = sentence_store_for(qids, [queries[q].text for q in qids], encoder, ms, "queries", show_progress)
    cail, cail_arts, cail_split = None, {}, {}
    cail_dir = cfg.cail_dir
    if cail_dir is not None and cail_dir.exists():
        cail_cases = [c for f in ("data_train.jsonl", "data_test.jsonl") for c in iter_cail2018(cail_dir / f)]
        cail_arts = {c.case_id: c.articles for c in cail_cases}
        cail_split = {c.case_id: ("test" if c.source.endswith("test") else "train") for c in cail_cases}
        cail = sentence_store_for([c.case_id for c in cail_cases], [c.facts for c in cail_cases], encoder, ms,
                                  "cail2018", show_progress)
    else:
        log.warning("CAIL2018 not found at %s: LAP trains on LeCaRD candidates only", cail_dir)
    train_lists = [a for c, a in arts.items() if not held_out(c)]
    train_lists += [a for c, a in cail_arts.items() if cail_split[c] == "train"]
    labels = ArticleLabels.build(train_lists, cfg.train.label_min_count)
    return Resources(cases, qstore, qrels, labels, arts, cail, cail_arts, cail_split, pools or {},
                     {q: queries[q].text for q in qids}, charges)


def merged_lap_store(res: Resources, lecard: dict, cail: dict) -> tuple[SentenceStore, dict[str, np.ndarray]]:
    """One store holding the LAP training cases of both sources (ids prefixed to keep them apart)."""
    parts = [("lecard:", res.cases, lecard)] + ([("cail:", res.cail, cail)] if res.cail is not None else [])
    ids, sents, embs, targets = [], [], [], {}
    for prefix, store, tg in parts:
        for c, y in tg.items():
            ids.append(prefix + c)
            sents.append(store.texts(c))
            embs.append(store.embeddings(c))
            targets[prefix + c] = y
    merged = SentenceStore.from_parts(ids, sents, embs, res.cases.encoder_name, res.cases.emb.shape[1])
    return merged, targets


def pretrained_lap(res: Resources, cfg: ExperimentConfig, variant: str, show_progress: bool = True) -> LcmLai:
    """The LAP-pretrained starting point of every fold (cached on disk)."""
    mcfg = cfg.train
    model = new_model(mcfg, res.cases.emb.shape[1], len(res.labels))
    for k, v in VARIANTS[variant].items():
        setattr(model.config, k, v)
    model = LcmLai(model.config)
    if not model.config.use_lap:
        return model
    folder = models_dir() / "lap-pretrained" / f"{cfg.key('lap')}-r{TRAINING_RECIPE}-{res.lap_fingerprint}"
    if (folder / "manifest.json").exists():
        pre, _, _ = load_model(folder, res.cases.encoder_name)
        state = pre.state_dict()
        if state["head.weight"].shape != model.head.weight.shape:  # LAP pre-training never trains the head
            state = {k: v for k, v in state.items() if not k.startswith("head.")}
        model.load_state_dict(state, strict="head.weight" in state)
        return model
    lecard, cail = res.lap_targets()
    store, targets = merged_lap_store(res, lecard, cail)
    losses = pretrain_lap(model, store, targets, mcfg, show_progress)
    save_model(folder, model, res.labels, res.cases.encoder_name,
               {"phase": "lap-pretraining", "encoder_spec": cfg.encoder, "train_config": mcfg.to_dict(),
                "lap_losses": losses, "lap_cases": len(targets), "data_fingerprint": res.lap_fingerprint})
    return model


def fold_model_dir(res: Resources, cfg: ExperimentConfig, variant: str, fold: int | str,
                   train_qids: list[str]) -> Path:
    """Where the model of one fold lives: keyed by the config and by everything the model saw."""
    data = res.training_fingerprint(train_qids, variant in POOL_VARIANTS, variant in WEAK_VARIANTS)
    return models_dir() / variant / f"{cfg.key(variant)}-r{TRAINING_RECIPE}" / f"fold-{fold}-{data}"


def fold_model(res: Resources, cfg: ExperimentConfig, variant: str, fold: int | str, train_qids: list[str],
               show_progress: bool = True) -> LcmLai:
    """Train (or load) the model of one fold: joint ranking + λ·LAP on ``train_qids`` only."""
    folder = fold_model_dir(res, cfg, variant, fold, train_qids)
    if (folder / "manifest.json").exists():
        model, _, _ = load_model(folder, res.cases.encoder_name)
        return model
    model = pretrained_lap(res, cfg, variant, show_progress)
    lecard, _ = res.lap_targets()
    qrels = res.qrels
    if variant in POOL_VARIANTS:
        qrels = {q: {**dict.fromkeys(res.pools.get(q, ()), 0), **g} for q, g in res.qrels.items()}
    pseudo = None
    if variant in WEAK_VARIANTS:
        arts = ({c: frozenset(a.key for a in refs) for c, refs in res.case_articles.items()}
                if variant in ARTICLE_GRADED else None)
        groups = pseudo_groups(res.pools, res.case_charges, train_qids, res.cases, arts)
        store = pseudo_query_store(res.cases, sorted(groups))
        pseudo = (store, {c: groups[c] for c in store.case_ids})
    losses = train_ranking(model, res.queries, res.cases, qrels, train_qids, lecard, cfg.train, show_progress,
                           pseudo, res.exact_articles() if model.config.exact_articles else None)
    save_model(folder, model, res.labels, res.cases.encoder_name,
               {"phase": "joint", "encoder_spec": cfg.encoder, "variant": variant, "fold": fold,
                "train_qids": sorted(train_qids), "train_config": cfg.train.to_dict(),
                "data_fingerprint": folder.name.rsplit("-", 1)[1],
                "final_loss": float(np.mean(losses[-20:])) if losses else None})
    return model


@functools.cache
def resources(index_folder: Path, data: Path, config: Path | None = None) -> tuple[Resources, ExperimentConfig]:
    """Everything LCM-LAI training reads for the LeCaRD v1 benchmark at ``data`` over the index at
    ``index_folder``, under ``config`` (memoised per process)."""
    # The heads are small: one torch thread is as fast, two collapse whenever anything else runs on a
    # 2-core machine, and one thread keeps every sum in one order, so reruns give the same models.
    torch.set_num_threads(1)
    cfg = ExperimentConfig.load(config)
    ds, queries = load_benchmark("lecard-v1", data)
    return prepare(index_folder, queries, ds.qrels, cfg, pools=ds.pools), cfg
