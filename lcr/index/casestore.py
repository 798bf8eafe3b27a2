"""On-disk case store (SQLite): case text and metadata by id, plus metadata filters.

The corpus never sits in RAM: each lookup reads one row. Text columns are zlib-compressed (Chinese
judgments compress ~3x). Charges and cited articles also go into side tables with indexes, so
``filter_ids`` is an indexed query. Each case's sentencing circumstances are extracted from its facts
once, at build time (a few ms a judgment: too slow for the ~100 candidates of every search), under the
rules' version recorded in ``meta``. Each thread gets its own read-only connection, which makes one
store object safe to share across a FastAPI app's worker threads.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from lcr.errors import BadInput, CaseNotFound, IndexMismatch, IndexMissing
from lcr.index.manifest import case_hash, corpus_checksum
from lcr.iterutil import batched
from lcr.records import ArticleRef, Case
from lcr.text.circumstances import RULES_VERSION, Circumstances, extract_circumstances

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
_TEXT_COLUMNS = ("facts", "title", "reasoning", "result", "full_text")
_COLUMNS = ("case_id", *_TEXT_COLUMNS, "charges", "articles", "court", "year", "source")
_BATCH = 500  # rows per executemany / ids per IN (...) lookup

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE cases (
    case_id TEXT PRIMARY KEY, facts BLOB, title BLOB, reasoning BLOB, result BLOB, full_text BLOB,
    charges TEXT NOT NULL, articles TEXT NOT NULL, court TEXT NOT NULL, year INTEGER, source TEXT NOT NULL
);
CREATE TABLE case_charges (case_id TEXT NOT NULL, charge TEXT NOT NULL);
CREATE TABLE case_articles (case_id TEXT NOT NULL, article TEXT NOT NULL);
CREATE TABLE case_circumstances (case_id TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX case_charges_charge ON case_charges (charge);
CREATE INDEX case_articles_article ON case_articles (article);
CREATE INDEX cases_year ON cases (year);
"""


def normalise_charge(charge: str) -> str:
    """Charge key for matching: 危险驾驶罪 and 危险驾驶 are the same charge."""
    charge = charge.strip()
    return charge[:-1] if charge.endswith("罪") and len(charge) > 1 else charge


def _pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


def _unpack(blob: bytes | None) -> str:
    return zlib.decompress(blob).decode("utf-8") if blob else ""


def _row(case: Case) -> tuple[object, ...]:
    return (
        case.case_id,
        *(_pack(getattr(case, col)) for col in _TEXT_COLUMNS),
        json.dumps(case.charges, ensure_ascii=False),
        json.dumps([asdict(a) for a in case.articles], ensure_ascii=False),
        case.court,
        case.year,
        case.source,
    )


def _case(row: Sequence[object], text_columns: Sequence[str] = _TEXT_COLUMNS) -> Case:
    """A case from a row of ``case_id, *text_columns, charges, articles, court, year, source``; text
    columns not read stay empty."""
    columns = ("case_id", *text_columns, *_COLUMNS[1 + len(_TEXT_COLUMNS):])
    values = dict(zip(columns, row, strict=True))
    return Case(
        case_id=str(values["case_id"]),
        **{col: _unpack(values[col]) for col in text_columns},  # type: ignore[arg-type]
        charges=json.loads(str(values["charges"])),
        articles=[ArticleRef(**a) for a in json.loads(str(values["articles"]))],
        court=str(values["court"]),
        year=values["year"],  # type: ignore[arg-type]
        source=str(values["source"]),
    )


class CaseStore:
    """Read-only access to a store built by ``CaseStore.create``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise IndexMissing(f"no case store at {self.path}")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        meta = dict(self._conn().execute("SELECT key, value FROM meta").fetchall())
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise IndexMismatch(
                f"case store {self.path} has schema_version {meta.get('schema_version')!r}, expected {SCHEMA_VERSION!r}"
            )
        self.checksum: str = meta.get("corpus_checksum", "")
        self._count = int(meta.get("count", "0"))
        #: whether the stored circumstances were extracted by today's rules (a store built before they
        #: were stored, or under other rules, has them extracted on use instead)
        self.has_circumstances = meta.get("circumstances_rules") == RULES_VERSION
        if not self.has_circumstances:
            log.info("case store %s: no circumstances stored under rules %s; they are extracted on use",
                     self.path, RULES_VERSION)

    @classmethod
    def open(cls, path: str | Path) -> CaseStore:
        return cls(path)

    @classmethod
    def create(cls, path: str | Path, cases: Iterable[Case]) -> CaseStore:
        """Write a new store from a stream of cases (replacing any file at ``path`` only on success)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.building-{os.getpid()}")
        tmp.unlink(missing_ok=True)
        hashes: list[tuple[str, str]] = []
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
            for batch in batched(cases, _BATCH):
                conn.executemany(
                    f"INSERT INTO cases VALUES ({', '.join('?' * len(_COLUMNS))})", map(_row, batch)
                )
                conn.executemany(
                    "INSERT INTO case_charges VALUES (?, ?)",
                    [(c.case_id, normalise_charge(ch)) for c in batch for ch in set(c.charges)],
                )
                conn.executemany(
                    "INSERT INTO case_articles VALUES (?, ?)",
                    [(c.case_id, key) for c in batch for key in {a.key for a in c.articles}],
                )
                conn.executemany(
                    "INSERT INTO case_circumstances VALUES (?, ?)",
                    [(c.case_id, json.dumps(extract_circumstances(c.facts).to_dict(), ensure_ascii=False))
                     for c in batch],
                )
                hashes.extend((c.case_id, case_hash(c)) for c in batch)
            conn.executescript(_INDEXES)
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("schema_version", SCHEMA_VERSION),
                    ("count", str(len(hashes))),
                    ("corpus_checksum", corpus_checksum(hashes)),
                    ("circumstances_rules", RULES_VERSION),
                ],
            )
            conn.commit()
        except BaseException as exc:
            conn.close()
            tmp.unlink(missing_ok=True)
            if isinstance(exc, sqlite3.IntegrityError):
                raise BadInput(f"cannot build case store {path}: {exc} (duplicate case id?)") from exc
            raise
        conn.close()
        os.replace(tmp, path)
        log.info("case store %s: %d cases", path, len(hashes))
        return cls(path)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __len__(self) -> int:
        return self._count

    def __contains__(self, case_id: object) -> bool:
        if not isinstance(case_id, str):
            return False
        return (
            self._conn().execute("SELECT 1 FROM cases WHERE case_id = ?", (case_id,)).fetchone() is not None
        )

    def charge_names(self) -> set[str]:
        """Every charge some case convicts of, as stored (the matching key: without 罪)."""
        return {r[0] for r in self._conn().execute("SELECT DISTINCT charge FROM case_charges")}

    def ids(self) -> list[str]:
        """All case ids in insertion order."""
        return [r[0] for r in self._conn().execute("SELECT case_id FROM cases ORDER BY rowid")]

    def get(self, case_id: str) -> Case:
        row = (
            self._conn()
            .execute(f"SELECT {', '.join(_COLUMNS)} FROM cases WHERE case_id = ?", (case_id,))
            .fetchone()
        )
        if row is None:
            raise CaseNotFound(f"case {case_id!r} is not in the case store")
        return _case(row)

    def iter_cases(self, batch: int = 256, show_progress: bool = False, desc: str = "") -> Iterator[Case]:
        """Every case, in id order, read ``batch`` at a time (never the whole corpus in memory)."""
        ids = self.ids()
        with tqdm(total=len(ids), desc=desc, unit="case", disable=not show_progress) as bar:
            for chunk_ids in batched(ids, batch):
                chunk = self.get_many(chunk_ids)
                yield from chunk
                bar.update(len(chunk))

    def get_many(self, case_ids: Sequence[str], text_fields: Sequence[str] = _TEXT_COLUMNS) -> list[Case]:
        """Cases in the order given; ``CaseNotFound`` names any missing ids. Only ``text_fields`` are read
        and decompressed (the others stay empty): a results page needs the title and facts, not the
        whole judgment."""
        unknown = [f for f in text_fields if f not in _TEXT_COLUMNS]
        if unknown:
            raise BadInput(f"unknown text field(s) {unknown}; choose from {', '.join(_TEXT_COLUMNS)}")
        columns = ("case_id", *text_fields, *_COLUMNS[1 + len(_TEXT_COLUMNS):])
        found: dict[str, Case] = {}
        for batch in batched(dict.fromkeys(case_ids), _BATCH):
            rows = self._conn().execute(
                f"SELECT {', '.join(columns)} FROM cases WHERE case_id IN ({', '.join('?' * len(batch))})",
                batch,
            )
            found.update((c.case_id, c) for c in (_case(r, text_fields) for r in rows))
        missing = [cid for cid in case_ids if cid not in found]
        if missing:
            raise CaseNotFound(
                f"{len(missing)} case id(s) not in the case store: {', '.join(map(repr, missing[:5]))}"
            )
        return [found[cid] for cid in case_ids]

    def legal_many(self, case_ids: Sequence[str]) -> dict[str, tuple[list[str], list[ArticleRef]]]:
        """Charges and cited articles of each case, without reading (or decompressing) any text: the
        reranker needs them for every candidate of every query."""
        out: dict[str, tuple[list[str], list[ArticleRef]]] = {}
        for batch in batched(list(dict.fromkeys(case_ids)), _BATCH):
            sql = f"SELECT case_id, charges, articles FROM cases WHERE case_id IN ({', '.join('?' * len(batch))})"
            for cid, charges, articles in self._conn().execute(sql, batch):
                out[cid] = (json.loads(charges), [ArticleRef(**a) for a in json.loads(articles)])
        missing = [c for c in case_ids if c not in out]
        if missing:
            raise CaseNotFound(f"{len(missing)} case ids are not in the case store, e.g. {missing[0]!r}")
        return out

    def circumstances_many(self, case_ids: Sequence[str]) -> dict[str, Circumstances]:
        """Each case's sentencing circumstances: stored ones when :attr:`has_circumstances`, else extracted
        from the facts now."""
        if not self.has_circumstances:
            return {c.case_id: extract_circumstances(c.facts) for c in self.get_many(case_ids, ("facts",))}
        out: dict[str, Circumstances] = {}
        for batch in batched(list(dict.fromkeys(case_ids)), _BATCH):
            sql = f"SELECT case_id, value FROM case_circumstances WHERE case_id IN ({', '.join('?' * len(batch))})"
            out.update((cid, Circumstances.from_dict(json.loads(v))) for cid, v in self._conn().execute(sql, batch))
        missing = [c for c in case_ids if c not in out]
        if missing:
            raise CaseNotFound(f"{len(missing)} case ids are not in the case store, e.g. {missing[0]!r}")
        return out

    def facts(self, case_id: str) -> str:
        """Fact section only (the cheap path for "find cases similar to this one")."""
        row = self._conn().execute("SELECT facts FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise CaseNotFound(f"case {case_id!r} is not in the case store")
        return _unpack(row[0])

    def filter_ids(
        self,
        charges: Iterable[str] | None = None,
        articles: Iterable[str] | None = None,
        court: str | None = None,
        year: int | tuple[int, int] | None = None,
    ) -> set[str]:
        """Ids matching every filter given (no filter: all ids).

        ``charges``: any of them (with or without 罪); ``articles``: any of these ``ArticleRef.key``
        values (e.g. ``"刑法:133"``); ``court``: substring of the court name; ``year``: a year or an
        inclusive ``(first, last)`` range.
        """
        clauses: list[str] = []
        params: list[object] = []
        if charges is not None:
            keys = sorted({normalise_charge(c) for c in charges})
            clauses.append(
                f"case_id IN (SELECT case_id FROM case_charges WHERE charge IN ({', '.join('?' * len(keys))}))"
            )
            params.extend(keys)
        if articles is not None:
            keys = sorted(set(articles))
            clauses.append(
                f"case_id IN (SELECT case_id FROM case_articles WHERE article IN ({', '.join('?' * len(keys))}))"
            )
            params.extend(keys)
        if court is not None:
            clauses.append("instr(court, ?) > 0")
            params.append(court)
        if year is not None:
            first, last = (year, year) if isinstance(year, int) else year
            clauses.append("year BETWEEN ? AND ?")
            params.extend((first, last))
        sql = "SELECT case_id FROM cases" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        return {r[0] for r in self._conn().execute(sql, params)}

