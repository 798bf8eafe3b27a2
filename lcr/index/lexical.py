"""Lexical (BM25) retrieval over pre-segmented Chinese text.

``LexicalBackend`` is the interface every lexical engine implements (the embedded tantivy index
here; an Elasticsearch backend later). Text is segmented by ``lcr.text.segment.Segmenter`` on both
sides, and the index stores the tokens in whitespace-analysed fields, so the engine never has to
understand Chinese. Queries are built programmatically as a disjunction of term queries (no query
parser, so no escaping problems however long or punctuated the query text is).

Scoring is tantivy's BM25 with k1 = 1.2, b = 0.75 (fixed by tantivy), idf = ln(1 + (N - n + 0.5) /
(n + 0.5)). Each distinct query term counts once: on LeCaRD (107 long fact queries, exact BM25 over
the fact sections) weighting terms by their count in the query, as summing over query tokens does
in rank_bm25/bm25s, lowered pool-reranking MAP from .527 to .492 (names and stock phrases repeat).
Document lengths are quantised to one byte by tantivy, so scores differ slightly from exact BM25.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Protocol, runtime_checkable

import tantivy
from tqdm import tqdm

from lcr.artifacts import component_versions
from lcr.errors import BadInput, BadQuery, IndexMissing
from lcr.index.manifest import Manifest, atomic_build, case_hash, corpus_checksum
from lcr.iterutil import batched
from lcr.records import TEXT_FIELDS, Case, ScoredCase
from lcr.text.segment import Segmenter

log = logging.getLogger(__name__)

DEFAULT_FIELDS: tuple[str, ...] = ("facts", "reasoning", "full_text")
BM25_PARAMS = {"k1": 1.2, "b": 0.75}


@runtime_checkable
class LexicalBackend(Protocol):
    """A BM25-style index over case text fields."""

    name: str

    def build(
        self, cases: Iterable[Case], out_dir: str | Path, fields: Sequence[str] = DEFAULT_FIELDS
    ) -> Manifest:
        """Index ``cases`` (streamed) into ``out_dir``, replacing it atomically; then open it."""
        ...

    def open(self, index_dir: str | Path) -> LexicalBackend:
        """Load an index built by ``build``; returns ``self``."""
        ...

    def search(
        self, query_text: str, k: int, field: str = "facts", allowed_ids: set[str] | None = None
    ) -> list[ScoredCase]:
        """Top ``k`` cases for ``query_text`` on ``field``, optionally only among ``allowed_ids``."""
        ...

    def score(self, query_text: str, case_ids: Iterable[str], field: str = "facts") -> dict[str, float]:
        """Scores of exactly ``case_ids`` (0.0 where nothing matches)."""
        ...


# --- parallel segmentation (worker processes each hold one global Segmenter) -------------------

_worker_segmenter: Segmenter | None = None
_Job = tuple[str, tuple[str, ...]]  # case id, texts of the indexed fields
_Segmented = tuple[str, tuple[tuple[str, int], ...]]  # case id, (space-joined tokens, token count) per field


def _init_worker(config: dict[str, object]) -> None:
    global _worker_segmenter
    _worker_segmenter = Segmenter(
        backend=config["backend"],  # type: ignore[arg-type]
        user_dict=bool(config["user_dict"]),
        stopwords=bool(config["stopwords"]),
    )


def _segment_batch(jobs: list[_Job], segmenter: Segmenter | None = None) -> list[_Segmented]:
    seg = segmenter or _worker_segmenter
    assert seg is not None, "worker not initialised"
    out = []
    for case_id, texts in jobs:
        segmented = []
        for text in texts:
            tokens = seg.tokenize(text)
            segmented.append((" ".join(tokens), len(tokens)))
        out.append((case_id, tuple(segmented)))
    return out



def segment_stream(
    jobs: Iterable[_Job], segmenter: Segmenter, workers: int, batch: int = 16
) -> Iterator[_Segmented]:
    """Segment jobs in order, in ``workers`` processes (0: in this process), with bounded look-ahead
    so a corpus streamed from disk is never held in memory whole."""
    if workers <= 0:
        for b in batched(jobs, batch):
            yield from _segment_batch(b, segmenter)
        return
    ctx = multiprocessing.get_context("spawn")  # no fork: tantivy's writer threads may be running
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(segmenter.config(),)
    ) as ex:
        pending: deque[Future[list[_Segmented]]] = deque()
        for b in batched(jobs, batch):
            pending.append(ex.submit(_segment_batch, b))
            if len(pending) >= 4 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


# --- tantivy backend ---------------------------------------------------------------------------


class TantivyBM25:
    """Embedded on-disk tantivy index: one whitespace-analysed field per case field, a stored raw
    ``id`` field (for filters) and an ``ord`` fast field mapping hits to ``ids.json`` quickly."""

    name = "tantivy-bm25"
    KIND = "lexical/tantivy-bm25"
    FORMAT_VERSION = 1

    def __init__(
        self,
        segmenter: Segmenter | None = None,
        workers: int = 0,
        heap_bytes: int = 256_000_000,
        progress: bool = True,
    ) -> None:
        """``workers``: segmentation processes for ``build`` (0: segment in this process). On 2 shared
        cores one worker did not beat inline segmentation (pickling the text costs what it saves);
        use workers on machines with idle cores. Worker processes are spawned, so a script that
        builds with workers must guard its entry point with ``if __name__ == "__main__":``."""
        self.segmenter = segmenter
        self.workers = workers
        self.heap_bytes = heap_bytes
        self.progress = progress
        self.manifest: Manifest | None = None
        self._index: tantivy.Index | None = None
        self._schema: tantivy.Schema | None = None
        self._ids: list[str] = []
        self._fields: tuple[str, ...] = ()

    @staticmethod
    def _schema_for(fields: Sequence[str]) -> tantivy.Schema:
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
        sb.add_unsigned_field("ord", fast=True)
        for name in fields:
            sb.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
        return sb.build()

    def build(
        self, cases: Iterable[Case], out_dir: str | Path, fields: Sequence[str] = DEFAULT_FIELDS
    ) -> Manifest:
        fields = tuple(fields)
        bad = [f for f in fields if f not in TEXT_FIELDS]
        if bad or not fields:
            raise BadInput(f"cannot index fields {bad or fields!r}; choose from {', '.join(TEXT_FIELDS)}")
        segmenter = self.segmenter or Segmenter()
        ids: list[str] = []
        hashes: list[tuple[str, str]] = []
        tokens = dict.fromkeys(fields, 0)

        def jobs() -> Iterator[_Job]:
            for case in cases:
                hashes.append((case.case_id, case_hash(case)))
                yield case.case_id, tuple(case.field_text(f) for f in fields)

        with atomic_build(out_dir) as tmp:
            (tmp / "tantivy").mkdir()
            index = tantivy.Index(self._schema_for(fields), path=str(tmp / "tantivy"))
            writer = index.writer(heap_size=self.heap_bytes, num_threads=1)
            try:
                with closing(
                    segment_stream(jobs(), segmenter, self.workers)
                ) as stream:  # stops workers early
                    self._add_all(writer, stream, fields, ids, tokens)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                # joins tantivy's threads and releases its files now, not when a traceback lets go
                writer.wait_merging_threads()
            (tmp / "ids.json").write_text(json.dumps(ids, ensure_ascii=False), encoding="utf-8")
            manifest = Manifest(
                kind=self.KIND,
                format_version=self.FORMAT_VERSION,
                config={"fields": list(fields), "segmenter": segmenter.config(), "bm25": dict(BM25_PARAMS)},
                corpus_checksum=corpus_checksum(hashes),
                counts={"cases": len(ids), **{f"tokens_{f}": n for f, n in tokens.items()}},
                components=component_versions("tantivy", "rjieba", "jieba"),
            )
            manifest.save(tmp)
        log.info("indexed %d cases into %s", len(ids), out_dir)
        self.open(out_dir)
        return manifest

    def _add_all(
        self,
        writer: tantivy.IndexWriter,
        stream: Iterable[_Segmented],
        fields: tuple[str, ...],
        ids: list[str],
        tokens: dict[str, int],
    ) -> None:
        seen: set[str] = set()
        for case_id, segmented in tqdm(stream, desc="lexical index", unit="case", disable=not self.progress):
            if case_id in seen:
                raise BadInput(f"duplicate case id {case_id!r} in the corpus")
            seen.add(case_id)
            doc = tantivy.Document()
            doc.add_text("id", case_id)
            doc.add_unsigned("ord", len(ids))
            for name, (text, count) in zip(fields, segmented, strict=True):
                if text:
                    doc.add_text(name, text)
                tokens[name] += count
            writer.add_document(doc)
            ids.append(case_id)

    def open(self, index_dir: str | Path) -> TantivyBM25:
        index_dir = Path(index_dir)
        manifest = Manifest.load(index_dir)
        manifest.check({"kind": self.KIND, "format_version": self.FORMAT_VERSION})
        seg_config = manifest.config["segmenter"]
        segmenter = self.segmenter or Segmenter(
            backend=seg_config["backend"],
            user_dict=seg_config["user_dict"],
            stopwords=seg_config["stopwords"],
        )
        # tokens must be produced exactly as at build time (same backend, dictionary and stop words)
        manifest.check({"config": {"segmenter": segmenter.config()}})
        if not (index_dir / "tantivy").is_dir():
            raise IndexMissing(f"no tantivy index under {index_dir}")
        self._index = tantivy.Index.open(str(index_dir / "tantivy"))
        # A built index never changes; a rebuild swaps a new folder in at the same path. The default reader
        # reloads whenever meta.json at that path changes, so a searcher still serving the old index would
        # read the new one's segments against the old ids (IndexError under a rebuild): never reload.
        self._index.config_reader(reload_policy="Manual")
        self._schema = self._index.schema
        self._ids = json.loads((index_dir / "ids.json").read_text(encoding="utf-8"))
        self._fields = tuple(manifest.config["fields"])
        self.segmenter = segmenter
        self.manifest = manifest
        return self

    def _query(self, query_text: str, field: str) -> tantivy.Query | None:
        """Disjunction of the query's distinct terms; None if it has no usable term."""
        if self._index is None or self._schema is None or self.segmenter is None:
            raise IndexMissing("no lexical index open (call build or open first)")
        if field not in self._fields:
            raise BadInput(f"field {field!r} is not indexed; indexed fields: {', '.join(self._fields)}")
        if not query_text or not query_text.strip():
            raise BadQuery("empty query")
        terms = dict.fromkeys(self.segmenter.tokenize(query_text))
        if not terms:
            log.info("query has no indexable terms: %.40r", query_text)
            return None
        return tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.term_query(self._schema, field, term, index_option="freq"),
                )
                for term in terms
            ]
        )

    def _restricted(self, query: tantivy.Query, case_ids: Iterable[str]) -> tantivy.Query:
        ids_filter = tantivy.Query.term_set_query(self._schema, "id", list(case_ids))
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, query),
                (tantivy.Occur.Must, tantivy.Query.const_score_query(ids_filter, 0.0)),
            ]
        )

    def _hits(self, query: tantivy.Query, limit: int) -> list[tuple[str, float]]:
        assert self._index is not None
        searcher = self._index.searcher()
        hits = searcher.search(query, limit, count=False).hits
        ords = searcher.fast_field_values("ord", [addr for _, addr in hits])
        return [(self._ids[int(o)], float(s)) for (s, _), o in zip(hits, ords, strict=True)]  # type: ignore[arg-type]

    def search(
        self, query_text: str, k: int, field: str = "facts", allowed_ids: set[str] | None = None
    ) -> list[ScoredCase]:
        if k < 1:
            raise BadInput(f"k must be positive, got {k}")
        query = self._query(query_text, field)
        if query is None or (allowed_ids is not None and not allowed_ids):
            return []
        if allowed_ids is not None:
            query = self._restricted(query, allowed_ids)
            k = min(k, len(allowed_ids))
        feature = f"bm25_{field}"
        return [
            ScoredCase(case_id=cid, score=score, rank=rank, features={feature: score})
            for rank, (cid, score) in enumerate(self._hits(query, k), start=1)
        ]

    def score(self, query_text: str, case_ids: Iterable[str], field: str = "facts") -> dict[str, float]:
        wanted = dict.fromkeys(case_ids, 0.0)
        query = self._query(query_text, field)
        if query is None or not wanted:
            return wanted
        for cid, score in self._hits(self._restricted(query, wanted), len(wanted)):
            wanted[cid] = score
        return wanted

    def __len__(self) -> int:
        return len(self._ids)
