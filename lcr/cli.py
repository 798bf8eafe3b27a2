"""The ``lcr`` command: build indexes, search them, evaluate on LeCaRD, train LCM-LAI, write reports.

Thin by design: it parses arguments and calls the library. Domain errors become a one-line message on
stderr and a non-zero exit code (2 bad input, 3 missing index, 4 mismatched index, 5 unknown case).
Default locations (indexes, models, data, reports) come from :mod:`lcr.paths`, never from the working
directory. Library imports happen inside the commands, so ``--help`` answers without loading torch.
"""

from __future__ import annotations

import itertools
import json
import logging
import shlex
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from lcr.errors import LcrError
from lcr.records import MAX_K

USER_HELP = """lcr: find the precedents that matter for a criminal case's facts (Chinese legal case retrieval).

Start with `lcr index build` (or `bash scripts/demo.sh`), then `lcr search "<facts>"`, `lcr serve` for the \
web page and API, `lcr eval` to score a system on LeCaRD. Every command has its own --help."""

app = typer.Typer(help=USER_HELP, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
index_app = typer.Typer(help="Build and inspect indexes.", no_args_is_help=True)
app.add_typer(index_app, name="index")

DataOpt = Annotated[Path | None, typer.Option(help="LeCaRD v1 folder (default: $LCR_DATA_HOME/lecard, i.e. "
                                                   "shared/data/lecard beside the checkout).")]
ConfigOpt = Annotated[Path | None, typer.Option(help="Experiment config (JSON; default: the one shipped in "
                                                     "lcr/resources/configs/lcm-lai.json).")]


def _data(data: Path | None) -> Path:
    from lcr.paths import lecard_v1

    return data if data is not None else lecard_v1()


@app.callback()
def _setup(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False):
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@index_app.command("build")
def index_build(
    data: Annotated[Path, typer.Option(help="Corpus: a LeCaRD folder, a LeCaRDv2 candidate folder/JSONL, "
                                            "a CAIL2018 or generic JSONL file.")],
    out: Annotated[Path, typer.Option(help="Index folder to create or replace atomically.")],
    fmt: Annotated[str, typer.Option("--format", help="lecard-v1 | lecardv2 | cail2018 | jsonl")] = "lecard-v1",
    fields: Annotated[str, typer.Option(help="Comma-separated text fields to index for BM25.")]
    = "facts,reasoning,full_text",
    model: Annotated[Path | None, typer.Option(help="LCM-LAI model folder: also build the FAISS dense "
                                                    "part (encodes each case's fact sentences once).")] = None,
    encoder: Annotated[str | None, typer.Option(help="Sentence encoder (default: the one the --model was "
                                                     "trained over, from its manifest).")] = None,
    reranker: Annotated[Path | None, typer.Option(help="RankSVM model folder to rerank with (needs --model).")]
    = None,
    max_sentences: Annotated[int, typer.Option(help="Fact sentences encoded per case.")] = 12,
    article_weight: Annotated[float, typer.Option(help="Weight of the article distribution in the FAISS "
                                                       "case vector.")] = 0.3,
    on_error: Annotated[str, typer.Option(help="Bad corpus records: 'skip' (report and go on) or 'raise'.")]
    = "skip",
    force: Annotated[bool, typer.Option(help="Replace --out even if it is not an lcr index (its files are "
                                             "deleted).")] = False,
    max_rejected: Annotated[float, typer.Option(min=0.0, max=1.0, help="Fail (and keep the old index) when "
                                                "more than this share of the records is bad.")] = 0.1,
    field_map: Annotated[list[str] | None, typer.Option(
        "--field", help="jsonl only: CASE_FIELD=JSON_FIELD (repeatable, dotted paths allowed), e.g. title=name, "
                        "charges=meta.accusation, court=court_name, year=year, articles=meta.articles, "
                        "id=uuid, facts=text (defaults: id=id, facts=fact).")] = None,
    encoding: Annotated[str, typer.Option(help="Encoding of the corpus files.")] = "utf-8",
    lexical: Annotated[str, typer.Option(help="BM25 backend: tantivy (embedded, the default) | elasticsearch "
                                              "(the cluster LCR_ES_URL names; credentials from LCR_ES_*)")]
    = "tantivy",
    ray: Annotated[bool, typer.Option(help="With --model: encode in resumable shards on Ray (the cluster "
                                           "RAY_ADDRESS names, else a local Ray); a killed build resumes.")]
    = False,
    faiss: Annotated[str, typer.Option(help="FAISS index with --model: auto (flat below 50,000 cases, HNSW "
                                            "above) | flat | hnsw | ivf-pq (≈1/20 the size, lower recall; "
                                            "see benchmarks/bench_faiss.py)")] = "auto",
    vectors: Annotated[str, typer.Option(help="With --model: where the case vectors are searched: faiss (files in "
                                              "the index, the default) | elasticsearch (dense_vector kNN in the "
                                              "cluster LCR_ES_URL names)")] = "faiss",
    system: Annotated[str | None, typer.Option(help="The system the index serves, by its catalogue name: "
                                                    "bm25-facts | lcm-lai (needs --model) | hybrid-rrf@0.25 "
                                                    "(needs --model) | the --reranker's (ranksvm-legal for the "
                                                    "shipped one). Default: the richest the parts allow.")]
    = None,
):
    """Build an index (case store + BM25, and FAISS when --model is given) from a corpus.

    The new index is built beside --out and swapped in only when complete; an --out that holds anything but
    an lcr index is refused unless --force. Its manifest names the system it serves (--system)."""
    from data_tools.loading import LoadReport
    from data_tools.registry import iter_corpus
    from lcr.errors import BadInput
    from lcr.index.bundle import (
        LEXICAL_KINDS,
        VECTOR_KINDS,
        DenseConfig,
        build_index,
    )
    from lcr.index.dense import FAISS_KINDS
    from lcr.index.manifest import check_replaceable
    from lcr.pipeline.compose import planned_spec

    report = LoadReport()
    mapping = {}
    for item in field_map or ():
        attr, sep, name = item.partition("=")
        if not sep or not attr.strip() or not name.strip():
            raise BadInput(f"--field wants CASE_FIELD=JSON_FIELD, got {item!r}")
        mapping[attr.strip()] = name.strip()
    cases = iter_corpus(fmt, data, on_error=on_error, report=report, encoding=encoding,  # type: ignore[arg-type]
                        fields=mapping)
    if reranker is not None and model is None:
        raise BadInput("--reranker needs --model (the reranker's features come from the LCM-LAI model)")
    if lexical not in LEXICAL_KINDS:
        raise BadInput(f"unknown --lexical {lexical!r}; choose one of {', '.join(LEXICAL_KINDS)}")
    if faiss not in FAISS_KINDS:
        raise BadInput(f"unknown --faiss {faiss!r}; choose one of {', '.join(FAISS_KINDS)}")
    if vectors not in VECTOR_KINDS:
        raise BadInput(f"unknown --vectors {vectors!r}; choose one of {', '.join(VECTOR_KINDS)}")
    if vectors != "faiss" and model is None:
        raise BadInput("--vectors needs --model (the case vectors come from the LCM-LAI model)")
    dense = (DenseConfig(model, encoder, max_sentences, article_weight, reranker, faiss, ray, vectors)  # type: ignore[arg-type]
             if model is not None else None)
    check_replaceable(out, force)
    spec = planned_spec(dense, system)
    if lexical != "tantivy":
        spec = spec.model_copy(update={"backend": lexical})

    manifest = build_index(cases, out, [f.strip() for f in fields.split(",") if f.strip()], dense,
                           source=f"{fmt}:{data}", force=force, report=report,
                           lexical_backend=lexical, max_rejected=max_rejected, system=spec)  # type: ignore[arg-type]
    typer.echo(f"built {out}: {manifest.counts}; serves {spec.name}; corpus checksum "
               f"{manifest.corpus_checksum[:12]}")
    if report.skipped:
        typer.echo(f"skipped {report.skipped} bad records, e.g. {report.problems[0]}", err=True)


@index_app.command("rebuild")
def index_rebuild(
    index: Annotated[str, typer.Argument(help="Index path or name under indexes/.")],
    data: Annotated[Path, typer.Option(help="The new corpus (same kinds as `lcr index build --data`).")],
    fmt: Annotated[str, typer.Option("--format", help="lecard-v1 | lecardv2 | cail2018 | jsonl")] = "lecard-v1",
    encoding: Annotated[str, typer.Option(help="Encoding of the corpus files.")] = "utf-8",
):
    """Rebuild an index from a new corpus with the settings it was built with (fields, BM25 and vector
    backends, FAISS kind, bad-record limit, its own LCM-LAI model and reranker), as the service's
    POST /v1/admin/index/rebuild does. Atomic: a failed rebuild leaves the old index serving."""
    from data_tools.loading import LoadReport
    from data_tools.registry import iter_corpus
    from lcr.index.bundle import rebuild_index, resolve_index

    folder = resolve_index(index)
    report = LoadReport()
    cases = iter_corpus(fmt, data, report=report, encoding=encoding)  # type: ignore[arg-type]
    manifest = rebuild_index(folder, cases, report, f"{fmt}:{data}", show_progress=True)
    typer.echo(f"rebuilt {folder}: {manifest.counts}; corpus checksum {manifest.corpus_checksum[:12]}")
    if report.skipped:
        typer.echo(f"skipped {report.skipped} bad records, e.g. {report.problems[0]}", err=True)


@index_app.command("info")
def index_info(index: Annotated[str, typer.Argument(help="Index path or name under indexes/.")]):
    """Print an index's manifest."""
    from lcr.index.bundle import resolve_index
    from lcr.index.manifest import Manifest

    typer.echo(json.dumps(asdict(Manifest.load(resolve_index(index))), ensure_ascii=False, indent=1))


def _decoded(raw: bytes, encoding: str, what: str) -> str:
    """``raw`` decoded as ``encoding``, or a one-line :class:`BadInput` naming the first bad byte."""
    from lcr.errors import BadInput

    try:
        return raw.decode(encoding)
    except LookupError:
        raise BadInput(f"unknown encoding {encoding!r} (e.g. utf-8, gbk, gb18030)") from None
    except UnicodeDecodeError as e:
        hint = " (pass --encoding gbk for GBK text)" if encoding.lower().replace("-", "") == "utf8" else ""
        raise BadInput(f"{what} is not valid {encoding}: byte 0x{raw[e.start]:02x} at offset {e.start}{hint}") from None


@app.command()
def search(
    text: Annotated[str | None, typer.Argument(help="Facts of the case to find precedents for.")] = None,
    index: Annotated[str, typer.Option(help="Index path or name under indexes/.")] = "sample",
    k: Annotated[int, typer.Option("-k", min=1, max=MAX_K, help=f"Number of results (1 to {MAX_K}).")] = 10,
    similar_to: Annotated[str | None, typer.Option(help="Use an indexed case (its facts) as the query.")] = None,
    charge: Annotated[list[str] | None, typer.Option(help="Only cases convicted of this charge (repeatable).")]
    = None,
    article: Annotated[list[str] | None, typer.Option(help="Only cases citing this article, e.g. 刑法:133.")]
    = None,
    court: Annotated[str | None, typer.Option(help="Only courts whose name contains this.")] = None,
    year_from: Annotated[int | None, typer.Option(help="Earliest judgment year.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Latest judgment year.")] = None,
    charge_hint: Annotated[list[str] | None, typer.Option(help="A charge you believe applies, e.g. 危险驾驶罪 "
                                                               "(repeatable): boosts such cases, never filters.")]
    = None,
    encoding: Annotated[str, typer.Option(help="Encoding of the facts (argument or stdin), e.g. gbk.")] = "utf-8",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
):
    """Search an index with the facts of a case (or a case id with --similar-to)."""
    from lcr.errors import BadQuery
    from lcr.pipeline import Filters, Searcher

    facts: str | None = None
    if similar_to is not None and text is not None:
        raise BadQuery("give either the facts or --similar-to ID, not both")
    if similar_to is None:
        if text is None or text == "-":
            facts = _decoded(sys.stdin.buffer.read(), encoding, "stdin") if text == "-" else ""
        else:  # the shell hands over bytes: Python keeps undecodable ones as surrogates (PEP 383)
            facts = _decoded(text.encode(sys.getfilesystemencoding(), "surrogateescape"), encoding,
                             "the facts argument")
        if not facts.strip():
            raise BadQuery("give the facts as an argument, '-' to read them from stdin, or --similar-to ID")
    filters = Filters(charge, article, court, year_from, year_to)
    searcher = Searcher.open(index)
    if facts is None:
        hits = searcher.similar(similar_to, k, filters)  # type: ignore[arg-type]
    else:
        hits = searcher.search(facts, k, filters, charge_hint=charge_hint or ())
    if as_json:
        typer.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
        return
    if not hits:
        typer.echo("no matching cases")
    for h in hits:
        typer.echo(f"{h.rank:>3}. [{h.case_id}] {h.score:8.3f}  {h.title}  ({h.court} {h.year or ''})")
        typer.echo(f"     charges: {'、'.join(h.charges) or '-'}   articles: {', '.join(h.articles) or '-'}")
        for line in h.explanation.reasons:
            typer.echo(f"     {line}")


@app.command("case")
def show_case(
    case_id: Annotated[str, typer.Argument(help="Case id as indexed.")],
    index: Annotated[str, typer.Option(help="Index path or name under indexes/.")] = "sample",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
):
    """Print a judgment as a lawyer reads it: 事实, 本院认为, 判决结果, and its cited articles quoted
    (--json: the same document as the API's GET /v1/cases/{id})."""
    from lcr.api.models import CaseDetail
    from lcr.index.bundle import open_case_store

    case = CaseDetail.from_case(open_case_store(index).get(case_id))
    if as_json:
        typer.echo(json.dumps(case.model_dump(), ensure_ascii=False, indent=1))
        return
    typer.echo(f"{case.title}  ({case.court} {case.year or ''})   罪名: {'、'.join(case.charges) or '-'}")
    for heading, body in (("事实", case.facts), ("本院认为", case.reasoning), ("判决结果", case.result)):
        typer.echo(f"\n【{heading}】\n{body.strip() or '-'}")
    typer.echo("\n【引用法条】")
    for a in case.cited_articles:
        typer.echo(f"{a.name}\n  {a.text.strip()}")


@app.command()
def serve(
    index: Annotated[str | None, typer.Option(help="Index path or name under $LCR_INDEX_DIR "
                                                   "(default: $LCR_INDEX, else sample).")] = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default: $LCR_HOST, else 127.0.0.1). "
                                                  "Every interface (0.0.0.0, ::) needs LCR_ALLOW_PUBLIC=1: "
                                                  "the API has no authentication.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: $LCR_PORT, else 8000).")] = None,
    log_level: Annotated[str | None, typer.Option(help="debug | info | warning | error "
                                                       "(default: $LCR_LOG_LEVEL, else info).")] = None,
):
    """Serve the search API over HTTP (FastAPI + uvicorn): /v1 search, cases, similar cases, health; docs at
    /docs. The index is opened before anything listens (exit 3 if missing, 4 if unreadable; 2 bad settings)."""
    from lcr.api import server
    from lcr.api.settings import Settings

    settings = Settings.from_env(index=index, host=host, port=port, log_level=log_level)
    server.serve(settings)


@app.command("eval")
def evaluate(
    system: Annotated[str, typer.Option(help="System(s), comma-separated: ranksvm-legal (the served system: "
                                             "hybrid first stage, RankSVM over legal features), bm25-facts, "
                                             "bm25-full-text, bm25-reasoning, "
                                             "e5-cosine, lcm-lai[-no-lap|-semantic-only|-pool], "
                                             "lcm-lai-weak[-semantic-only|-no-lap|-circ|-exact], hybrid-rrf[@w], "
                                             "hybrid-weighted[@w] (w = 0.5, 0.25), ranksvm, ranksvm-pool, "
                                             "ranksvm-lcm-pooled, ranksvm-minus-<lexical|encoder|lcm|articles>, "
                                             "feature:<name>, or a .trec[.gz] run file.")],
    index: Annotated[str, typer.Option(help="Index (path or name) over the benchmark's corpus.")] = "lecard-v1",
    dataset: Annotated[str, typer.Option(help="lecard-v1 | lecardv2")] = "lecard-v1",
    data: DataOpt = None,
    protocol: Annotated[str, typer.Option(help="Protocol(s), comma-separated: official | hard | keller | corpus "
                                               "(v1); corpus | pool | keller (v2)")] = "official",
    queries: Annotated[str, typer.Option(help="Query set(s), comma-separated: all | test | train | common | "
                                              "controversial | original | cv5; a -short suffix (cv5-short) "
                                              "cuts each query to its first sentences (≤150 characters)")]
    = "all",
    depth: Annotated[int, typer.Option(help="Ranking depth for corpus-wide protocols.")] = 1000,
    record: Annotated[bool, typer.Option(help="Write the run and upsert reports/results.json.")] = False,
    config: ConfigOpt = None,
):
    """Evaluate systems under published protocols; prints the metrics (and records them with --record).

    Learned systems with --queries cv5 train one model per fold on the other four folds' queries."""
    from lcr.eval import get_protocol
    from lcr.experiments.evaluate import evaluate_system

    command = "lcr " + shlex.join(sys.argv[1:])
    for sys_name in [x.strip() for x in system.split(",") if x.strip()]:
        for query_set, prot_name in itertools.product([x.strip() for x in queries.split(",") if x.strip()],
                                                      [x.strip() for x in protocol.split(",") if x.strip()]):
            prot = get_protocol(dataset, prot_name)
            entry, result = evaluate_system(sys_name, index, dataset, _data(data), prot, query_set, depth, record,
                                            command=command, config=config)
            typer.echo(f"{dataset} / {prot_name} / queries {query_set} / {entry.system}: "
                       f"{len(result.per_query)} queries scored, {len(result.missing)} missing")
            typer.echo("  " + "  ".join(f"{n} {v:.4f}" for n, v in entry.metrics.items()))
            if record:
                typer.echo(f"  run written to {entry.run}; reports/results.json updated")


@app.command()
def train(
    config: ConfigOpt = None,
    index: Annotated[str, typer.Option(help="Index over the LeCaRD corpus (its case store is read).")]
    = "lecard-v1",
    data: DataOpt = None,
    variant: Annotated[str | None, typer.Option(help="LCM-LAI variant: lcm-lai | lcm-lai-no-lap | "
                                                     "lcm-lai-semantic-only | lcm-lai-pool | lcm-lai-weak[-semantic-only|-no-lap|-circ|-exact] "
                                                     "(default: the config's lcm_variant).")]
    = None,
    fold: Annotated[int | None, typer.Option(help="Train the model of one cv5 fold (0-4) instead of the "
                                                  "production model on all queries.")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the production model (default: "
                                                  "$LCR_MODELS_DIR/lcm-lai-production).")] = None,
    reranker: Annotated[Path | None, typer.Option(help="Also train the production RankSVM (ranksvm-legal: whole "
                                                       "pools, features cross-fitted with the cv5 fold models).")]
    = None,
    force: Annotated[bool, typer.Option(help="Replace --out / --reranker / --encoder even if they exist.")]
    = False,
    encoder: Annotated[Path | None, typer.Option(
        "--encoder", help="Train the legal encoder instead (e5-small's top layers, on the corpus's own facts, "
                          "reasoning, charges and articles; never on query labels) and write its delta "
                          "folder here. Serve it with the encoder spec e5-torch:<folder>, or e5-torch:legal "
                          "for the shipped one.")] = None,
    encoder_config: Annotated[Path | None, typer.Option(help="With --encoder: training recipe (JSON with "
                                                             "TuningConfig fields; default: the shipped one).")]
    = None,
    cail: Annotated[Path | None, typer.Option(help="With --encoder: CAIL2018 folder (data_train.jsonl, "
                                                   "data_test.jsonl) trained on as well.")] = None,
    exclude: Annotated[Path | None, typer.Option(help="With --encoder: a leakage report (lcr leakage) or a "
                                                      "JSON list of case ids left out of training.")] = None,
    resume: Annotated[bool, typer.Option(help="With --encoder: continue the checkpointed run of this recipe "
                                              "and data.")] = False,
    until_step: Annotated[int | None, typer.Option(min=1, help="With --encoder: checkpoint and stop after "
                                                               "this step (continue later with --resume).")]
    = None,
):
    """Train LCM-LAI: LAP pre-training (CAIL2018 + LeCaRD candidates), then ranking + λ·LAP on LeCaRD queries.
    With --encoder, train the legal encoder instead."""
    import shutil

    if encoder is not None:
        _train_encoder(encoder, _data(data), cail, exclude, encoder_config, resume, until_step, force)
        return

    from data_tools.registry import load_benchmark
    from lcr.errors import BadInput
    from lcr.eval.querysets import cv5_folds, train_qids_for_fold
    from lcr.fit.lcm_lai import VARIANTS, fold_model, fold_model_dir, resources
    from lcr.fit.reranker import PRODUCTION_RERANKER, SERVED_RECIPE, lexical_and_store
    from lcr.index.bundle import resolve_index
    from lcr.index.manifest import atomic_build, check_replaceable
    from lcr.paths import models_dir
    from lcr.pipeline.compose import SYSTEM_KEY
    from lcr.rerank.features import FeatureSpec

    if variant is not None and variant not in VARIANTS:
        raise BadInput(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    res, cfg = resources(resolve_index(index), _data(data), config)
    variant = variant or cfg.lcm_variant
    if fold is not None:
        train_qids = train_qids_for_fold("lecard-v1", fold)
        fold_model(res, cfg, variant, fold, train_qids)
        typer.echo(f"trained fold {fold}: {fold_model_dir(res, cfg, variant, fold, train_qids)}")
        return
    out = out if out is not None else models_dir() / "lcm-lai-production"
    check_replaceable(out, force)
    if reranker is not None:
        check_replaceable(reranker, force)
    # the queries this data has judgments for (all 107 on LeCaRD v1; fewer on the bundled sample)
    all_qids = [q for f in cv5_folds("lecard-v1") for q in f if q in res.qrels]
    fold_model(res, cfg, variant, "all", all_qids)
    src = fold_model_dir(res, cfg, variant, "all", all_qids)
    with atomic_build(out, force) as tmp:
        shutil.copytree(src, tmp, dirs_exist_ok=True)
    typer.echo(f"production model (trained on all {len(all_qids)} queries) written to {out}")
    if reranker is not None:
        lexical, store = lexical_and_store(resolve_index(index))
        ds, queries_ = load_benchmark("lecard-v1", _data(data))
        model, n_queries = SERVED_RECIPE.fit_production(res, cfg, lexical, store, queries_, ds.pools)
        model.metadata[SYSTEM_KEY] = PRODUCTION_RERANKER
        model.save(reranker)  # staged beside and swapped in (RankSVM.save); --force was checked above
        typer.echo(
            f"RankSVM (C={model.C}, {FeatureSpec.of(model).normalise} features, cross-fitted features of "
            f"{n_queries} queries) written to {reranker}"
        )


def _train_encoder(out: Path, data: Path, cail: Path | None, exclude: Path | None, recipe: Path | None,
                   resume: bool, until_step: int | None, force: bool) -> None:
    from data_tools.cail2018 import iter_cail2018
    from data_tools.registry import iter_corpus
    from lcr.encode.legal_encoder import docs_from, train_legal_encoder
    from lcr.encode.tuning import load_tuning_config

    cfg = load_tuning_config(recipe)
    left_out = _excluded_ids(exclude)
    cail_train = iter_cail2018(cail / "data_train.jsonl") if cail else ()
    cail_test = iter_cail2018(cail / "data_test.jsonl") if cail else ()
    docs = docs_from(iter_corpus("lecard-v1", data), cail_train, cail_test, left_out)
    sources = {"lecard": data.name, "cail": cail.name if cail else None, "excluded": len(left_out)}
    manifest = train_legal_encoder(docs, out, cfg, resume=resume, force=force, sources=sources,
                                   until_step=until_step)
    if manifest.get("unfinished"):
        typer.echo(f"checkpointed at step {manifest['steps_run']}; continue with --resume")
        return
    best = manifest["dev"]["best"]
    typer.echo(f"encoder delta written to {out} (dev charge P@10 {best['charge_p10']:.3f}, reasoning MRR "
               f"{best['reasoning_mrr']:.3f}; at the start {manifest['dev']['initial']['charge_p10']:.3f} / "
               f"{manifest['dev']['initial']['reasoning_mrr']:.3f})")


def _excluded_ids(path: Path | None) -> set[str]:
    """Case ids a leakage report flags (``queries[].leaked[].doc_id``), or a JSON list of ids."""
    if path is None:
        return set()
    from lcr.errors import BadInput

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BadInput(f"--exclude {path}: {err}") from err
    if isinstance(raw, dict) and "queries" in raw:
        return {d["doc_id"] for q in raw["queries"] for d in q.get("leaked", [])}
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        return set(raw)
    raise BadInput(f"--exclude {path}: expected a leakage report or a JSON list of case ids")


@app.command("lap-report")
def lap_report(
    config: ConfigOpt = None,
    index: Annotated[str, typer.Option(help="Index over the LeCaRD corpus.")] = "lecard-v1",
    data: DataOpt = None,
    out: Annotated[Path | None, typer.Option(help="Report file (default: <reports>/lap.json).")] = None,
    queries: Annotated[bool, typer.Option(help="Also score the query side: each LeCaRD query's predicted "
                                               "charges (cv5 fold models) against its true charges.")] = True,
):
    """Measure LAP: micro/macro-F1 on CAIL2018 test and held-out LeCaRD candidates vs a TF-IDF baseline, and
    the query side (top-1 charge accuracy, charge-set and article-set F1 on the 107 LeCaRD queries)."""
    from lcr.experiments.lap_eval import evaluate_lap
    from lcr.experiments.query_lap import PRODUCT, evaluate_query_charges, pseudo_queries_report
    from lcr.fit.lcm_lai import pretrained_lap, resources
    from lcr.index.bundle import resolve_index
    from lcr.paths import reports_dir

    out = out if out is not None else reports_dir() / "lap.json"
    res, cfg = resources(resolve_index(index), _data(data), config)
    model = pretrained_lap(res, cfg, "lcm-lai")
    result = evaluate_lap(model, res, cfg.train.max_sentences)
    if queries:
        side = evaluate_query_charges(resolve_index(index), _data(data), config)
        result["top1_charge_accuracy"] = side[PRODUCT]["all"]["top1_charge_accuracy"]
        result["top1_charge_accuracy_lcm_lai_lap"] = side["lap"]["all"]["top1_charge_accuracy"]
        result["query_side"] = side
        result["query_side_product"] = PRODUCT
        result["pseudo_query_side"] = pseudo_queries_report(resolve_index(index), _data(data), config)
    result["command"] = "lcr " + shlex.join(sys.argv[1:])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    typer.echo(json.dumps(result["results"], indent=1))


@app.command("circumstances-report")
def circumstances_report(
    out: Annotated[Path | None, typer.Option(help="Report file (default: <reports>/circumstances.json).")] = None,
):
    """Precision/recall of the sentencing-circumstance extractor on the hand-labelled LeCaRD sentences."""
    from lcr.experiments.circumstance_eval import evaluate_circumstances
    from lcr.paths import reports_dir

    out = out if out is not None else reports_dir() / "circumstances.json"
    result = evaluate_circumstances()
    result["command"] = "lcr " + shlex.join(sys.argv[1:])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    typer.echo(f"flags (micro, {result['sentences']} sentences): " + json.dumps(result["flags_micro"]))
    typer.echo("numeric fields: " + json.dumps(result["numeric"]))


@app.command("predict-articles")
def predict_articles_cmd(
    text: Annotated[str, typer.Argument(help="Facts of a case ('-' reads stdin).")],
    model: Annotated[Path | None, typer.Option(help="LCM-LAI model folder (default: the one lcr ships).")]
    = None,
    k: Annotated[int, typer.Option("-k", help="How many articles.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
):
    """Predict the Criminal Law articles a case's facts fall under, with the sentences that drove them."""
    from lcr.models.lap import predict_articles_for_text
    from lcr.paths import SHIPPED_LCM_LAI

    model = model if model is not None else SHIPPED_LCM_LAI
    body = sys.stdin.read() if text == "-" else text
    preds = predict_articles_for_text(body, model, k)
    if as_json:
        typer.echo(json.dumps([asdict(p) for p in preds], ensure_ascii=False, indent=1))
        return
    for p in preds:
        typer.echo(f"{p.probability:6.3f}  {p.name}")
        for sentence, share in p.evidence:
            typer.echo(f"          {share:4.2f}  {sentence[:80]}")


@app.command()
def report(
    results: Annotated[Path | None, typer.Option(help="The results catalogue (default: <reports>/results.json).")]
    = None,
    readme: Annotated[Path | None, typer.Option(help="README whose results section to regenerate (default: the "
                                                     "checkout's README.md).")] = None,
    data: DataOpt = None,
    index: Annotated[str, typer.Option(help="Index over the LeCaRD corpus (leakage audit).")] = "lecard-v1",
    reranker: Annotated[Path | None, typer.Option(help="Production RankSVM whose weights to list (default: the "
                                                       "one shipped in lcr/resources/models).")] = None,
):
    """Regenerate, from reports/results.json: one page per protocol (reports/protocols/), reports/README.md
    (their index, anchors, ablation, weights, seeds, win/loss plots, leakage audit), the findings page
    docs/experiments-lecard.md (from its template) and the README's headline table. Parts whose inputs are
    absent are skipped."""
    from lcr.errors import IndexMismatch, IndexMissing
    from lcr.eval.report import render_reports
    from lcr.index.bundle import open_case_store
    from lcr.paths import SHIPPED_RERANKER, home, reports_dir

    try:
        store = open_case_store(index)
    except (IndexMissing, IndexMismatch) as exc:
        typer.echo(f"leakage audit skipped: {exc}", err=True)
        store = None
    try:
        written = render_reports(results or reports_dir() / "results.json", readme or home() / "README.md",
                                 data_root=_data(data), case_facts=store.facts if store is not None else None,
                                 reranker_dir=reranker or SHIPPED_RERANKER)
    finally:
        if store is not None:
            store.close()
    for path in written:
        typer.echo(f"wrote {path}")


@app.command()
def regress(
    only: Annotated[str | None, typer.Option(help="Entries to check: kinds bm25 | runs | learned, or fnmatch "
                                                  "patterns on system names (comma-separated; any may match).")]
    = None,
    protocol: Annotated[str | None, typer.Option(help="Only these protocols (comma-separated).")] = None,
    queries: Annotated[str | None, typer.Option(help="Only these query sets (comma-separated).")] = None,
    rescore_only: Annotated[bool, typer.Option(help="Only re-score the committed run files (cheap); do not "
                                                    "re-run the systems.")] = False,
    results: Annotated[Path | None, typer.Option(help="The results catalogue (default: "
                                                      "<reports>/results.json).")] = None,
    index: Annotated[str | None, typer.Option(help="Re-run with this index instead of the one each entry's "
                                                   "command names.")] = None,
    data: Annotated[Path | None, typer.Option(help="Benchmark folder instead of the one each entry's command "
                                                   "names.")] = None,
    annotate: Annotated[bool, typer.Option(help="Write every entry's tolerance and needs (their defaults "
                                                "where unstated) into the catalogue, and stop.")] = False,
    record_spread: Annotated[str | None, typer.Option(
        help="A maintainer's step, after checking that the entries' own code reproduces them on their "
             "recording machine: name this machine (e.g. 'AMD EPYC avx2, no avx512') and widen the tolerance "
             "of each rerun that FAILs to cover its move (max(.002, 1.5 x the largest move), the measurement "
             "stated in the entry's extra.tolerance_basis).")] = None,
    from_log: Annotated[Path | None, typer.Option(help="With --record-spread: read the FAILed reruns from "
                                                       "this earlier `lcr regress` output instead of "
                                                       "running the checks again.")] = None,
):
    """Re-run catalogue entries and compare with reports/results.json: OK (equal at 4 decimals), within
    tolerance (the entry's), or FAIL. Each entry's run file is re-scored too. Exit 1 if anything FAILs."""
    from lcr.eval.results import annotate_results, default_results, load_results
    from lcr.experiments.regress import check_moves, failed_moves, format_check, select, summary
    from lcr.experiments.regress import regress as run_checks

    path = results if results is not None else default_results()
    if annotate:
        typer.echo(f"annotated {annotate_results(path)} entries in {path}")
        return

    def names(value: str | None) -> list[str] | None:
        return [x.strip() for x in value.split(",") if x.strip()] if value else None

    entries = select(load_results(path), only, names(protocol), names(queries))
    if not entries:
        typer.echo("no catalogue entries selected", err=True)
        raise typer.Exit(2)
    if record_spread is not None and from_log is not None:
        _record_spread(path, failed_moves(from_log.read_text(encoding="utf-8")), record_spread, entries)
        return
    checks = []
    for check in run_checks(entries, rescore_only, index, data):
        checks.append(check)
        typer.echo(format_check(check))
    typer.echo(summary(checks))
    if record_spread is not None:
        _record_spread(path, check_moves(checks), record_spread, entries)
    elif any(c.status == "FAIL" for c in checks):
        raise typer.Exit(1)


def _record_spread(path: Path, moves: dict[str, float], machine: str, selected: list) -> None:
    from lcr.eval.results import load_results, write_results
    from lcr.experiments.regress import entry_label, with_spread

    chosen = {e.key for e in selected}
    out, changed = [], 0
    for e in load_results(path):
        label = entry_label(e)
        if e.key in chosen and label in moves:
            new = with_spread(e, moves[label], machine)
            typer.echo(f"{label}: moved {moves[label]:.4f}; tolerance {e.tolerance} -> {new.tolerance}")
            e, changed = new, changed + 1
        out.append(e)
    write_results(out, path)
    typer.echo(f"{changed} tolerances widened in {path}")


def main() -> None:
    try:
        app()
    except LcrError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
