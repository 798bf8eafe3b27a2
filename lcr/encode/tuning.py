"""Train e5-small's top layers on the corpus's own structure: the legal encoder.

The bottom ``12 - layers`` layers stay frozen and are never rerun: training reads their output from
:class:`LayerStates`. What is trained is a copy of the top layers, against three objectives over a batch
of judgments, each represented as e5-cosine represents a case (the normalised mean of its fact-sentence
vectors):

* ``label``: the judgment's charges and cited 刑法 articles from its fact vector (multi-label, exact: the
  judgment's own), through a linear head that is thrown away;
* ``peer``: supervised contrastive between judgments: two judgments convicting of the same charges are
  positives, every other judgment in the batch a negative (batches pair each anchor with one such peer);
* ``reasoning``: facts ↔ the court's reasoning (本院认为…), in-batch InfoNCE, as SAILER pre-trains.

Dev: held-out judgments (:mod:`lcr.encode.legal_data`); each evaluation scores charge precision of the
10 nearest dev judgments and facts → reasoning MRR, keeps the best layers and stops when neither improves
for ``patience`` evaluations. Training is resumable: a checkpoint (trained layers, heads, optimiser,
step, best so far) is written atomically every ``checkpoint_s`` seconds; per-step randomness is derived
from ``(seed, step)``, so a resumed run takes the same batches as an uninterrupted one.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import os
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lcr.encode.fast_e5 import mean_pool
from lcr.encode.layer_states import LayerStates
from lcr.encode.legal_data import TrainingDoc
from lcr.errors import BadInput

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.safetensors"
PROGRESS = "progress.json"


@dataclass
class TuningConfig:
    layers: int = 2  # top layers trained
    steps: int = 400
    batch_docs: int = 32
    train_sentences: int = 6  # fact sentences sampled per judgment in a training step (dev reads all)
    lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: int = 20
    temperature: float = 0.05
    weights: dict[str, float] = field(default_factory=lambda: {"label": 1.0, "peer": 1.0, "reasoning": 1.0})
    label_min_count: int = 3
    eval_every: int = 50
    patience: int = 3
    dev_docs: int = 600
    seed: int = 13
    checkpoint_s: float = 180.0
    num_threads: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.weights) - {"label", "peer", "reasoning"}
        if unknown:
            raise BadInput(f"unknown objectives {sorted(unknown)}; choose from label, peer, reasoning")
        if not 1 <= self.layers <= 6:
            raise BadInput(f"layers must be in 1..6, got {self.layers}")

    def to_dict(self) -> dict:
        return asdict(self)


#: The recipe the shipped legal encoder was trained with.
SHIPPED_RECIPE = Path(__file__).resolve().parents[1] / "resources" / "recipes" / "legal-encoder.json"


def load_tuning_config(path: Path | None = None) -> TuningConfig:
    path = path or SHIPPED_RECIPE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return TuningConfig(**raw)
    except (OSError, ValueError, TypeError) as err:
        raise BadInput(f"encoder recipe {path}: {err}") from err


class TopLayers(nn.Module):
    """The frozen layers between the stored states and the trained ones, then the trained copies."""

    def __init__(self, bert: nn.Module, state_layer: int, layers: int) -> None:
        super().__init__()
        total = bert.config.num_hidden_layers
        first_trained = total - layers
        if first_trained < state_layer:
            raise BadInput(f"states enter layer {state_layer}: at most {total - state_layer} top layers can train")
        self.config = bert.config
        self.first_trained = first_trained
        self.frozen = nn.ModuleList(copy.deepcopy(bert.encoder.layer[state_layer:first_trained]))
        self.trained = nn.ModuleList(copy.deepcopy(bert.encoder.layer[first_trained:]))
        for p in self.frozen.parameters():
            p.requires_grad_(False)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        from transformers.masking_utils import create_bidirectional_mask

        attn = create_bidirectional_mask(config=self.config, inputs_embeds=states, attention_mask=mask)
        h = states
        with torch.no_grad():
            for layer in self.frozen:
                h = _out(layer(h, attention_mask=attn))
        for layer in self.trained:
            h = _out(layer(h, attention_mask=attn))
        return mean_pool(h, mask)

    def delta(self) -> dict[str, torch.Tensor]:
        """The trained layers under ``BertModel`` names (``encoder.layer.11.attention...``)."""
        return {f"encoder.layer.{self.first_trained + i}.{k}": v.detach().clone().contiguous()
                for i, layer in enumerate(self.trained) for k, v in layer.state_dict().items()}


def _out(x):
    return x[0] if isinstance(x, tuple) else x


@dataclass
class _Batchable:
    docs: list[TrainingDoc]
    sentence_rows: list[list[int]]
    reasoning_rows: list[list[int]]
    targets: np.ndarray  # float32 (docs, labels)
    peer_key: list[str]


def _prepare(docs: Sequence[TrainingDoc], states: LayerStates, labels: Sequence[str]) -> _Batchable:
    row = {t: i for i, t in enumerate(states.texts)}
    missing = [s for d in docs for s in d.sentences + d.reasoning if s not in row]
    if missing:
        raise BadInput(f"{len(missing)} sentences have no stored layer states (first: {missing[0][:40]!r})")
    pos = {lab: i for i, lab in enumerate(labels)}
    y = np.zeros((len(docs), len(labels)), dtype=np.float32)
    for i, d in enumerate(docs):
        for lab in d.charges + [f"art:{a}" for a in d.articles]:
            if lab in pos:
                y[i, pos[lab]] = 1.0
    return _Batchable(list(docs), [[row[s] for s in d.sentences] for d in docs],
                      [[row[s] for s in d.reasoning] for d in docs], y, ["|".join(d.charges) for d in docs])


def label_vocabulary(docs: Sequence[TrainingDoc], min_count: int) -> list[str]:
    counts: dict[str, int] = defaultdict(int)
    for d in docs:
        for lab in d.charges + [f"art:{a}" for a in d.articles]:
            counts[lab] += 1
    return sorted(k for k, n in counts.items() if n >= min_count)


def _encode_groups(model: TopLayers, states: LayerStates, groups: list[list[int]]) -> torch.Tensor:
    """One normalised mean vector per group of state rows (a judgment's sentences)."""
    flat = [r for g in groups for r in g]
    x, mask = states.padded(flat)
    vecs = model(x, mask)
    out, start = [], 0
    for g in groups:
        out.append(nn.functional.normalize(vecs[start : start + len(g)].sum(0), dim=-1))
        start += len(g)
    return torch.stack(out)


def _peer_loss(d: torch.Tensor, keys: list[str], tau: float) -> torch.Tensor:
    sim = d @ d.T / tau
    n = len(keys)
    eye = torch.eye(n, dtype=torch.bool)
    pos = torch.tensor([[keys[i] == keys[j] for j in range(n)] for i in range(n)]) & ~eye
    has = pos.any(1)
    if not has.any():
        return sim.sum() * 0.0
    logp = sim.masked_fill(eye, float("-inf")).log_softmax(1)
    per = -(logp.masked_fill(~pos, 0.0).sum(1) / pos.sum(1).clamp(min=1))
    return per[has].mean()


def _info_nce(a: torch.Tensor, b: torch.Tensor, tau: float) -> torch.Tensor:
    logits = a @ b.T / tau
    target = torch.arange(len(a))
    return 0.5 * (nn.functional.cross_entropy(logits, target) + nn.functional.cross_entropy(logits.T, target))


class _Run:
    """Model, heads and optimiser of one training run, with its checkpoint I/O."""

    def __init__(self, bert: nn.Module, states: LayerStates, cfg: TuningConfig, n_labels: int) -> None:
        self.model = TopLayers(bert, states.layer, cfg.layers)
        self.head = nn.Linear(bert.config.hidden_size, n_labels)
        self.scale = nn.Parameter(torch.tensor(10.0))
        self.opt = torch.optim.AdamW([
            {"params": [p for p in self.model.parameters() if p.requires_grad], "lr": cfg.lr,
             "weight_decay": cfg.weight_decay},
            {"params": [*self.head.parameters(), self.scale], "lr": cfg.head_lr, "weight_decay": 0.0},
        ])
        self.base_lrs = [g["lr"] for g in self.opt.param_groups]

    def tensors(self) -> dict[str, torch.Tensor]:
        out = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        out.update({f"head.{k}": v for k, v in self.head.state_dict().items()})
        out["scale"] = self.scale.detach()
        for gi, group in enumerate(self.opt.param_groups):
            for pi, p in enumerate(group["params"]):
                for name, value in self.opt.state.get(p, {}).items():
                    out[f"opt.{gi}.{pi}.{name}"] = torch.as_tensor(value).detach()
        return {k: v.contiguous() for k, v in out.items()}

    def restore(self, tensors: dict[str, torch.Tensor]) -> None:
        self.model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        self.head.load_state_dict({k[5:]: v for k, v in tensors.items() if k.startswith("head.")})
        with torch.no_grad():
            self.scale.copy_(tensors["scale"])
        for gi, group in enumerate(self.opt.param_groups):
            for pi, p in enumerate(group["params"]):
                state = {k.split(".", 3)[3]: v for k, v in tensors.items() if k.startswith(f"opt.{gi}.{pi}.")}
                if state:
                    self.opt.state[p] = state

    def set_lr(self, step: int, cfg: TuningConfig) -> None:
        warm = min(1.0, (step + 1) / max(cfg.warmup, 1))
        decay = max(0.0, (cfg.steps - step) / max(cfg.steps - cfg.warmup, 1))
        for group, base in zip(self.opt.param_groups, self.base_lrs, strict=True):
            group["lr"] = base * min(warm, decay)


def _batch(data: _Batchable, train_idx: np.ndarray, by_key: dict[str, list[int]], cfg: TuningConfig,
           rng: np.random.Generator) -> list[int]:
    """``batch_docs`` training judgments: half anchors, each with a peer of the same charges if any."""
    picked: list[int] = []
    for i in rng.choice(train_idx, size=cfg.batch_docs // 2, replace=False):
        picked.append(int(i))
        peers = [j for j in by_key[data.peer_key[i]] if j != i]
        if peers:
            picked.append(int(peers[rng.integers(len(peers))]))
    while len(picked) < cfg.batch_docs:
        picked.append(int(rng.choice(train_idx)))
    return list(dict.fromkeys(picked))


def _sample(rows: list[int], k: int, rng: np.random.Generator) -> list[int]:
    if len(rows) <= k:
        return rows
    return sorted(rng.choice(rows, size=k, replace=False).tolist())


def _step_loss(run: _Run, data: _Batchable, states: LayerStates, picked: list[int], cfg: TuningConfig,
               rng: np.random.Generator) -> tuple[torch.Tensor, dict[str, float]]:
    d = _encode_groups(run.model, states, [_sample(data.sentence_rows[i], cfg.train_sentences, rng)
                                           for i in picked])
    parts: dict[str, torch.Tensor] = {}
    w = cfg.weights
    if w.get("label"):
        logits = run.head(d) * run.scale
        parts["label"] = nn.functional.binary_cross_entropy_with_logits(
            logits, torch.from_numpy(data.targets[picked]))
    if w.get("peer"):
        parts["peer"] = _peer_loss(d, [data.peer_key[i] for i in picked], cfg.temperature)
    with_r = [k for k, i in enumerate(picked) if data.reasoning_rows[i]]
    if w.get("reasoning") and len(with_r) > 1:
        r = _encode_groups(run.model, states, [data.reasoning_rows[picked[k]] for k in with_r])
        parts["reasoning"] = _info_nce(d[with_r], r, cfg.temperature)
    loss = sum(w[k] * v for k, v in parts.items())
    return loss, {k: float(v.detach()) for k, v in parts.items()}


@torch.no_grad()
def dev_scores(model: TopLayers, data: _Batchable, states: LayerStates, rows: Sequence[int]) -> dict[str, float]:
    """Charge precision of each dev judgment's 10 nearest dev judgments, and facts → reasoning MRR."""
    model.eval()
    rows = list(rows)
    d = torch.cat([_encode_groups(model, states, [data.sentence_rows[i] for i in rows[s : s + 64]])
                   for s in range(0, len(rows), 64)])
    sim = (d @ d.T).fill_diagonal_(-2.0)
    top = sim.topk(min(10, len(rows) - 1), dim=1).indices.numpy()
    charges = [set(data.docs[i].charges) for i in rows]
    p10 = float(np.mean([np.mean([bool(charges[i] & charges[j]) for j in top[i]]) for i in range(len(rows))]))
    with_r = [k for k, i in enumerate(rows) if data.reasoning_rows[i]]
    r = torch.cat([_encode_groups(model, states, [data.reasoning_rows[rows[k]] for k in with_r[s : s + 64]])
                   for s in range(0, len(with_r), 64)])
    rs = d[with_r] @ r.T
    rank = (rs > rs.diagonal()[:, None]).sum(1) + 1
    model.train()
    return {"charge_p10": p10, "reasoning_mrr": float((1.0 / rank.float()).mean()),
            "score": 0.5 * p10 + 0.5 * float((1.0 / rank.float()).mean())}


def _save_atomic(folder: Path, tensors: dict[str, torch.Tensor], progress: dict) -> None:
    from safetensors.torch import save_file

    tmp = folder / (CHECKPOINT + ".tmp")
    save_file(tensors, str(tmp))
    os.replace(tmp, folder / CHECKPOINT)
    tmp_json = folder / (PROGRESS + ".tmp")
    tmp_json.write_text(json.dumps(progress, indent=1), encoding="utf-8")
    os.replace(tmp_json, folder / PROGRESS)


def train_top_layers(bert: nn.Module, states: LayerStates, docs: Sequence[TrainingDoc], cfg: TuningConfig,
                     work: Path, resume: bool = False, show_progress: bool = True,
                     until_step: int | None = None) -> tuple[dict[str, torch.Tensor], dict]:
    """Train; return (the best trained layers under ``BertModel`` names, the training log).

    ``work`` holds the checkpoint; ``resume=True`` continues from it (same config required), otherwise a
    checkpoint there is refused rather than overwritten. ``until_step`` checkpoints and returns after that
    step (``progress["unfinished"]`` is then true).
    """
    from safetensors.torch import load_file
    from tqdm.auto import tqdm

    work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.num_threads or len(os.sched_getaffinity(0)))
    labels = label_vocabulary([d for d in docs if d.split == "train"], cfg.label_min_count)
    data = _prepare(docs, states, labels)
    train_idx = np.array([i for i, d in enumerate(docs) if d.split == "train"])
    dev_all = [i for i, d in enumerate(docs) if d.split == "dev" and d.source == "lecard"]
    dev_rows = sorted(np.random.default_rng(cfg.seed).choice(dev_all, size=min(cfg.dev_docs, len(dev_all)),
                                                             replace=False).tolist())
    by_key: dict[str, list[int]] = defaultdict(list)
    for i in train_idx:
        by_key[data.peer_key[i]].append(int(i))
    torch.manual_seed(cfg.seed)
    run = _Run(bert, states, cfg, len(labels))
    progress: dict = {"config": cfg.to_dict(), "step": 0, "evals": [], "best": None, "losses": [],
                      "train_docs": len(train_idx), "dev_docs": len(dev_rows), "labels": len(labels)}
    best: dict[str, torch.Tensor] = run.model.delta()
    if (work / CHECKPOINT).exists():
        if not resume:
            raise BadInput(f"{work} holds a checkpoint; pass --resume to continue it or choose another folder")
        saved = json.loads((work / PROGRESS).read_text(encoding="utf-8"))
        if saved["config"] != cfg.to_dict():
            raise BadInput(f"{work}: the checkpoint was trained with another config; start a new folder")
        tensors = load_file(str(work / CHECKPOINT))
        run.restore(tensors)
        best = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")} or best
        progress = saved
        log.info("resuming at step %d", progress["step"])
    if progress["step"] == 0 and not progress["evals"]:
        progress["evals"].append({"step": 0, **dev_scores(run.model, data, states, dev_rows)})
        progress["best"] = progress["evals"][-1]
    run.model.train()
    last_save = time.monotonic()
    bar = tqdm(total=cfg.steps, initial=progress["step"], desc="encoder", disable=not show_progress)
    end = min(cfg.steps, until_step or cfg.steps)
    while progress["step"] < end and not progress.get("stopped"):
        step = progress["step"]
        rng = np.random.default_rng([cfg.seed, step])
        torch.manual_seed(cfg.seed * 100_003 + step)
        run.set_lr(step, cfg)
        loss, parts = _step_loss(run, data, states, _batch(data, train_idx, by_key, cfg, rng), cfg, rng)
        run.opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_([p for g in run.opt.param_groups for p in g["params"]], 1.0)
        run.opt.step()
        progress["step"] = step + 1
        progress["losses"].append({"step": step + 1, **parts})
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        stop = False
        if (step + 1) % cfg.eval_every == 0 or step + 1 == cfg.steps:
            scores = {"step": step + 1, **dev_scores(run.model, data, states, dev_rows)}
            progress["evals"].append(scores)
            log.info("dev at step %d: %s", step + 1, scores)
            if scores["score"] > progress["best"]["score"]:
                progress["best"] = scores
                best = run.model.delta()
            stop = len(progress["evals"]) - 1 - progress["evals"].index(progress["best"]) >= cfg.patience
            progress["stopped"] = stop
        if stop or time.monotonic() - last_save > cfg.checkpoint_s or progress["step"] == end:
            _save_atomic(work, {**run.tensors(), **{f"best.{k}": v for k, v in best.items()}}, progress)
            last_save = time.monotonic()
        if stop:
            log.info("early stop at step %d: no dev gain in %d evaluations", step + 1, cfg.patience)
            break
    bar.close()
    progress["unfinished"] = progress["step"] < cfg.steps and not progress.get("stopped")
    if not math.isfinite(progress["losses"][-1].get("label", 0.0) if progress["losses"] else 0.0):
        raise BadInput("training diverged (non-finite loss)")
    return best, progress
