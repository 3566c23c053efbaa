"""Command line: a thin layer over the library. Diagnostics go to stderr, data to stdout."""

from __future__ import annotations

import argparse
import errno
import json
import os
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import date

import duckdb

from . import __version__
from .errors import StoreDamagedError, WirecoderError
from .store import DEFAULT_DB, SCHEMA_VERSION, STORE_BATCH, STORE_SECONDS, store_error

EXIT_OK, EXIT_ERROR, EXIT_TOO_MANY_REJECTED = 0, 1, 2
# file-system failures reported as coded store errors instead of tracebacks: full, read-only, not permitted
STORAGE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO)

# DuckDB's memory while `code` writes: its cache of the file would otherwise grow with the store
STORE_MEMORY = "256MB"

CODE_EXAMPLES = """examples:
  wirecoder code examples/                      # code a folder, print a table, store in ./wirecoder.duckdb
  wirecoder code article.txt --format jsonl     # one JSON event per line on stdout
  cat page.html | wirecoder code - --published 2016-12-02 --no-store
"""


FETCH_EXAMPLES = """examples:
  wirecoder fetch https://example.org/world/rss.xml --db events.duckdb   # a feed: its new articles, coded
  wirecoder fetch feeds.txt urls.txt                  # lists: one feed or article URL per line (# comments)
  wirecoder fetch gdelt_urls.txt --workers 2          # a backfill, with progress and an estimate of the time left
network: only the URLs you give (and their sites' robots.txt) are requested; see docs/feeds.md.
"""
WATCH_EXAMPLES = """examples:
  wirecoder watch feeds.txt --every 15m --db events.duckdb     # a round now, then every 15 minutes
  wirecoder watch feeds.txt --once                              # one round (for cron); resumes a killed one
network: only the URLs in the list (and their sites' robots.txt) are requested; see docs/feeds.md.
"""


EVALUATE_EXAMPLES = """examples:
  wirecoder evaluate conformance/petr2_gsr_validation.jsonl
  wirecoder evaluate my_gold.jsonl --report report.html
  wirecoder evaluate conformance/wikievents_dev.jsonl --json > scores.json
"""


QUERY_EXAMPLES = """examples:
  wirecoder query --actor RUS --recipient TUR --from 2016-11-01 --to 2016-12-31
  wirecoder query --type ASSAULT --bbox 35,32,43,38 --format jsonl
  wirecoder query --level reports --source "financial times"
"""
STATS_EXAMPLES = """examples:
  wirecoder stats
  wirecoder stats --actor RUS --json
"""


EXPORT_EXAMPLES = """examples:
  wirecoder export --format tsv --out events.tsv --from 2016-01-01
  wirecoder export --format parquet --out events_parquet/ --level reports
  wirecoder export --format plover-jsonl --out rus_tur.jsonl --actor RUS --recipient TUR
  wirecoder export --format tsv --columns phoenix --out phoenix.tsv   # Phoenix-style columns (SYRMIL, ...)
"""
DYADS_EXAMPLES = """examples:
  wirecoder dyads RUS TUR --freq week
  wirecoder dyads RUS TUR --both-directions --out rus_tur.csv
"""
SERVE_EXAMPLES = """examples:
  wirecoder serve --db wirecoder.duckdb          # then open http://127.0.0.1:8000/
  wirecoder serve --read-only --port 8080
  wirecoder serve --host 0.0.0.0 --allow-host events.example.org --token "$WIRECODER_TOKEN"
"""


def _add_store_filters(parser: argparse.ArgumentParser, *, parties: bool = True) -> None:
    _db_option(parser, "read")
    parser.add_argument("--level", choices=("events", "reports"), default="events", type=str.lower,
                        help="deduplicated events (default) or the per-article reports")
    parser.add_argument("--from", dest="start", type=lambda v: _iso_date(v, end=False), metavar="DATE",
                        help="events on or after: YYYY-MM-DD, or YYYY-MM or YYYY from its first day")
    parser.add_argument("--to", dest="end", type=lambda v: _iso_date(v, end=True), metavar="DATE",
                        help="events on or before: YYYY-MM-DD, or YYYY-MM or YYYY to its last day")
    if parties:
        parser.add_argument("--actor", help="actor country code (RUS), code and sector (SYRMIL) or "
                            "knowledge-base id (wc:person:...)")
        parser.add_argument("--recipient", help="recipient country code, code and sector, or knowledge-base id")
        parser.add_argument("--sector", dest="actor_sector", metavar="SECTOR",
                            help="an actor has this sector (MIL, GOV, REB, ...), with --actor's country if given")
        parser.add_argument("--recipient-sector", metavar="SECTOR",
                            help="a recipient has this sector, with --recipient's country if given")
    parser.add_argument("--type", dest="event_type", help="PLOVER event type (ASSAULT, CONSULT, ...)")
    parser.add_argument("--place", help="place name (case-insensitive)")
    parser.add_argument("--bbox", help="min_lon,min_lat,max_lon,max_lat")
    parser.add_argument("--factuality", help="asserted, reported, intended, proposed, hypothetical or negated")
    parser.add_argument("--source", help="outlet or attribution source (substring, case-insensitive)")


def _filters(args: argparse.Namespace):
    from .query import Filters, parse_bbox

    sides = ("actor", "recipient", "actor_sector", "recipient_sector")
    parties = {} if args.command == "dyads" else {name: getattr(args, name) for name in sides}
    return Filters(start=args.start, end=args.end, **parties, event_type=args.event_type, place=args.place,
                   bbox=parse_bbox(args.bbox) if args.bbox else None, factuality=args.factuality,
                   source=args.source)


def _open_store(path: str):
    from .errors import StoreError
    from .store import EventStore

    if not os.path.exists(path):
        raise StoreError("no store here", source=path, hint="code some articles first: wirecoder code PATH --db FILE")
    return EventStore(path, read_only=True, on_wait=_tell)


def _tell(message: str) -> None:
    _say(f"wirecoder: {message}")  # above the progress line when one is shown


def _iso_date(value: str, *, end: bool | None = None) -> date:
    """A YYYY-MM-DD date; as a filter's bound (`end` False: from, True: to) also a month or year."""
    from .query import QueryError, parse_date

    try:
        return date.fromisoformat(value) if end is None else parse_date(value, end=end)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a YYYY-MM-DD date") from exc
    except QueryError as exc:
        raise argparse.ArgumentTypeError(f"{exc.message} ({exc.hint})") from exc


def _rate(value: str) -> float:
    rate = float(value)
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError("must lie between 0 and 1")
    return rate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wirecoder", description="Code political news into PLOVER/CAMEO events.")
    parser.add_argument("--version", action="version", version=f"wirecoder {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    code = sub.add_parser("code", help="code articles into events", epilog=CODE_EXAMPLES,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    code.add_argument("paths", nargs="+", metavar="PATH",
                      help=".txt, .html, .jsonl, a directory (recursive) or - for stdin")
    code.add_argument("--format", choices=("table", "jsonl"), default=None,
                      help="output format (default: table on a terminal, jsonl when piped)")
    code.add_argument("--published", type=_iso_date, metavar="YYYY-MM-DD",
                      help="publication date for inputs that carry none")
    _db_option(code, "write")
    code.add_argument("--no-store", action="store_true", help="do not write to a store")
    code.add_argument("--max-failure-rate", type=_rate, default=0.5, metavar="RATE",
                      help="exit with status 2 when more than this share of inputs is rejected (default 0.5)")
    code.add_argument("--workers", type=int, default=1, metavar="N",
                      help="processes for local coding (default 1; 0 = one per CPU core)")
    code.add_argument("--engine", choices=("local", "dask"), default="local",
                      help="local processes (default) or a Dask cluster (needs --scheduler)")
    code.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    code.add_argument("--parquet-dir", metavar="DIR",
                      help="with --engine dask: keep the workers' Parquet parts here")
    code.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                      help="reject an article whose coding takes longer (default 120)")
    code.add_argument("--full-parse", action="store_true",
                      help="parse with spaCy's pipeline exactly as it ships (slower, the same events; docs/scale.md)")
    code.add_argument("--dedup-window-days", type=int, default=None, metavar="N",
                      help="deduplication: two reports may be this many days apart (default 1; docs/dedup.md)")
    code.add_argument("--dedup-max-km", type=float, default=None, metavar="KM",
                      help="deduplication: places further apart are different events (default 60)")
    code.add_argument("--dedup-min-score", type=float, default=None, metavar="SCORE",
                      help="deduplication: evidence needed to merge (default 2; higher merges less)")
    _coder_options(code)
    code.add_argument("--dictionaries", metavar="DIR",
                      help="code with PETRARCH-2 format dictionaries in DIR (or the shipped set 'phoenix' or "
                           "'validate') instead of wirecoder's own rules")
    fetch = sub.add_parser("fetch", help="fetch feeds and article URLs, code the new articles into a store",
                           epilog=FETCH_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    watch = sub.add_parser("watch", help="fetch feeds on a schedule and code what is new",
                           epilog=WATCH_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    for parser_ in (fetch, watch):
        _fetch_options(parser_)
    watch.add_argument("--every", type=_duration, default=15 * 60.0, metavar="DURATION",
                       help="time from the start of one round to the next: 30s, 15m, 1h (default 15m)")
    watch.add_argument("--once", action="store_true", help="run one round and stop (for cron)")
    watch.add_argument("--rounds", type=int, default=None, metavar="N", help="stop after N rounds")
    actors = sub.add_parser("actors", help="the actor knowledge base and resolver")
    actors_sub = actors.add_subparsers(dest="actors_command", required=True)
    resolve = actors_sub.add_parser("resolve", help="resolve phrases to actors (country, sector, role)",
                                    epilog=RESOLVE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    resolve.add_argument("phrases", nargs="*", metavar="PHRASE", help="noun phrases to resolve")
    resolve.add_argument("--context", metavar="SENTENCE", help="the sentence the phrases come from")
    resolve.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD", help="resolve roles on this day")
    resolve.add_argument("--country", metavar="ISO3", help="country hint for agents the text leaves open")
    resolve.add_argument("--jsonl", metavar="FILE",
                         help="read queries, one JSON object per line: {text, context, date, country} (- for stdin)")
    geoparse = sub.add_parser("geoparse", help="find and geocode every place mention of texts",
                              epilog=GEOPARSE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    geoparse.add_argument("paths", nargs="+", metavar="PATH",
                          help=".txt, .html or .jsonl files or folders, or - for stdin")
    geoparse.add_argument("--format", choices=("jsonl", "table"),
                          help="one JSON object per document (default when piped), or a table")
    dictionaries = sub.add_parser("dictionaries", help="PETRARCH-2 format dictionaries")
    dict_sub = dictionaries.add_subparsers(dest="dict_command", required=True)
    check = dict_sub.add_parser("check", help="report problems in a dictionary folder",
                                epilog="example:\n  wirecoder dictionaries check my_dictionaries/",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("folder", metavar="DIR", help="folder with *verbs*, *actors*, *agents*, *discards* files")
    query = sub.add_parser("query", help="list stored events or reports matching filters", epilog=QUERY_EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_store_filters(query)
    query.add_argument("--format", choices=("table", "jsonl"), default=None,
                       help="output format (default: table on a terminal, jsonl when piped)")
    query.add_argument("--limit", type=int, default=100, help="at most this many rows (default 100)")
    query.add_argument("--offset", type=int, default=0, help="skip this many rows (paging)")
    stats = sub.add_parser("stats", help="counts by type, dyad and day", epilog=STATS_EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_store_filters(stats)
    stats.add_argument("--json", action="store_true", help="print JSON instead of tables")
    export = sub.add_parser("export", help="write stored events as PLOVER JSONL, TSV, CSV or Parquet",
                            epilog=EXPORT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_store_filters(export)
    export.add_argument("--format", required=True, choices=("plover-jsonl", "tsv", "csv", "parquet"),
                        help="output format (docs/exports.md)")
    export.add_argument("--out", required=True, metavar="PATH", help="output file (a folder for parquet)")
    export.add_argument("--columns", choices=("wirecoder", "phoenix", "gdelt"), default="wirecoder",
                        help="column set of tsv, csv and parquet: wirecoder's own (default; reads back), or "
                             "Phoenix- or GDELT-style names and codes (docs/exports.md)")
    dyads = sub.add_parser("dyads", help="daily/weekly conflict-cooperation series for an actor pair",
                           epilog=DYADS_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    dyads.add_argument("actor", help="actor country code or knowledge-base id")
    dyads.add_argument("recipient", nargs="?", help="recipient country code or id (default: every counterpart)")
    _add_store_filters(dyads, parties=False)
    dyads.add_argument("--freq", choices=("day", "week", "month"), default="day", help="period (default day)")
    dyads.add_argument("--both-directions", action="store_true", help="count A->B and B->A together")
    dyads.add_argument("--no-fill", action="store_true", help="leave out periods with no events")
    dyads.add_argument("--out", metavar="PATH", help="write the series to a file instead of printing it")
    dyads.add_argument("--format", choices=("csv", "parquet"), default="csv", help="file format for --out")
    serve = sub.add_parser("serve", help="web dashboard and REST API over a store", epilog=SERVE_EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    _db_option(serve, "serve")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--read-only", action="store_true",
                       help="never write: POST /api/code returns events without storing them")
    serve.add_argument("--token", default=os.environ.get("WIRECODER_TOKEN"),
                       help="require 'Authorization: Bearer TOKEN' for POST /api/code (default $WIRECODER_TOKEN)")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="also answer requests for this host name or address (repeatable); needed with "
                            "--host 0.0.0.0 for the names clients use")
    serve.add_argument("--code-timeout", type=float, default=60.0, metavar="SECONDS",
                       help="give up coding a pasted article after this long (default %(default)g)")
    serve.add_argument("--code-memory", type=int, default=2048, metavar="MB",
                       help="address space each coding worker may use (default %(default)d)")
    serve.add_argument("--code-workers", type=int, default=1, metavar="N",
                       help="articles coded at once, one process each (default %(default)d)")
    doctor = sub.add_parser("doctor", help="check a store's integrity and schema version",
                            epilog="example:\n  wirecoder doctor --db wirecoder.duckdb",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    _db_option(doctor, "check")
    evaluate = sub.add_parser("evaluate", help="score the coder against a gold file", epilog=EVALUATE_EXAMPLES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate.add_argument("gold", metavar="GOLD.jsonl", help="gold records (schema: conformance/README.upstream.md)")
    evaluate.add_argument("--report", metavar="FILE", help="also write a full report: .md or .html")
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON instead of a table")
    evaluate.add_argument("--limit", type=int, metavar="N", help="score only the first N records")
    _coder_options(evaluate)
    train = sub.add_parser("train", help="train the learned event detector on labelled sentences",
                           epilog=TRAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--data", nargs="+", required=True, metavar="PATH",
                       help="labelled JSONL files or folders (format: docs/training.md)")
    train.add_argument("--out", required=True, metavar="DIR", help="folder to write the model to")
    train.add_argument("--seed", type=int, default=13, help="random seed (default 13)")
    train.add_argument("--name", default=None, help="model name recorded in every event it codes (default: DIR)")
    train.add_argument("--c", type=float, default=0.5, help="inverse regularisation strength (default 0.5)")
    return parser


TRAIN_EXAMPLES = """examples:
  wirecoder train --data my_labelled.jsonl --out my_model/
  wirecoder code corpus/ --model my_model/ --db events.duckdb
"""


def _db_option(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument("--db", default=os.environ.get("WIRECODER_DB", DEFAULT_DB),
                        help=f"DuckDB store to {verb} (default: $WIRECODER_DB or ./{DEFAULT_DB})")


def _workers(n: int) -> int:
    """`--workers N`: 0 means one per CPU core."""
    return n if n > 0 else (os.cpu_count() or 1)


def _use_coder(args: argparse.Namespace) -> None:
    """Code with `--coder`/`--model` (a model is loaded now, so a bad one fails before any input is read)."""
    from .batch import use_coder

    if args.model:
        from .learned.model import load_model

        load_model(args.model)
    use_coder(args.coder, args.model, getattr(args, "full_parse", False))


def _fetch_options(parser: argparse.ArgumentParser) -> None:
    from .fetch import Policy

    default = Policy()
    parser.add_argument("sources", nargs="+", metavar="URL|FILE",
                        help="feed or article URLs, or text files listing them one per line")
    _db_option(parser, "code into")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="coding processes (0: one per CPU; default 1)")
    parser.add_argument("--threads", type=int, default=8, metavar="N", help="pages fetched at once (default 8)")
    parser.add_argument("--host-connections", type=int, default=default.host_connections, metavar="N",
                        help=f"requests at once to one host (default {default.host_connections})")
    parser.add_argument("--host-delay", type=float, default=default.host_delay, metavar="SECONDS",
                        help="least time between requests to one host; a robots.txt Crawl-delay raises it "
                             f"(default {default.host_delay:g})")
    parser.add_argument("--fetch-timeout", type=float, default=default.timeout, metavar="SECONDS",
                        help=f"time for one request, first byte to last (default {default.timeout:g})")
    parser.add_argument("--retries", type=int, default=default.retries, metavar="N",
                        help=f"retries of a request that got no answer, a 429 or a 5xx (default {default.retries})")
    parser.add_argument("--backoff", type=float, default=default.backoff, metavar="SECONDS",
                        help=f"wait before the first retry, doubled for each next one (default {default.backoff:g})")
    parser.add_argument("--max-page-mb", type=float, default=default.max_bytes / 2**20, metavar="MB",
                        help=f"largest page read (default {default.max_bytes / 2**20:g})")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="time limit for coding one article (default 120)")
    _coder_options(parser)


def _duration(value: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = value.strip().lower()
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {value!r} (use 30s, 15m, 1h)") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the duration must be positive")
    return seconds


def _coder_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--coder", choices=("rules", "learned", "hybrid"), default="hybrid",
                        help="rules only, the learned detector only, or both (default hybrid)")
    parser.add_argument("--model", metavar="DIR", default=None,
                        help="a model trained with `wirecoder train` (default: the shipped model)")


def main(argv: Sequence[str] | None = None) -> int:
    """The `wirecoder` command. A reader that stops early (`wirecoder query | head -1`) ends it quietly, status 0."""
    try:
        status = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, where it is handled, not at interpreter exit
    except BrokenPipeError:
        _detach_stdout()
        return EXIT_OK
    return status


def _detach_stdout() -> None:
    """Point stdout at the null device: its reader has gone, and Python's own flush at exit would fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _main(argv: Sequence[str] | None) -> int:
    # One BLAS thread per process: the parser's small matrices gain nothing from more, and extra
    # threads halve per-core throughput (benchmarks/README.md). Set before NumPy loads.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args = build_parser().parse_args(argv)
    try:
        if args.command == "code":
            return cmd_code(args)
        if args.command == "evaluate":
            return cmd_evaluate(args)
        if args.command == "query":
            return cmd_query(args)
        if args.command == "stats":
            return cmd_stats(args)
        if args.command == "doctor":
            return cmd_doctor(args)
        if args.command == "export":
            return cmd_export(args)
        if args.command == "dyads":
            return cmd_dyads(args)
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "dictionaries":
            return cmd_dictionaries_check(args)
        if args.command == "train":
            return cmd_train(args)
        if args.command in ("fetch", "watch"):
            return cmd_fetch(args)
        if args.command == "actors":
            return cmd_actors_resolve(args)
        if args.command == "geoparse":
            return cmd_geoparse(args)
    except WirecoderError as exc:
        print(f"wirecoder: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (duckdb.Error, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno not in STORAGE_ERRNOS:
            raise
        where = getattr(exc, "filename", None) or getattr(args, "db", None) or "wirecoder"
        print(f"wirecoder: {store_error(exc, where, 'cannot go on')}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("wirecoder: interrupted; stored articles are complete", file=sys.stderr)
        return 130
    return EXIT_ERROR


def cmd_code(args: argparse.Namespace) -> int:
    from .batch import Failure, code_dask, code_local
    from .readers import Rejected, iter_inputs
    from .store import EventStore
    from .table import print_table

    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    if args.engine == "dask" and not args.scheduler:
        raise WirecoderError("--engine dask needs --scheduler ADDRESS", hint="e.g. --scheduler tcp://127.0.0.1:8786")
    workers = _workers(args.workers)
    if args.dictionaries:
        if args.engine == "dask":
            raise WirecoderError("--dictionaries works with the local engine only")
        from pathlib import Path

        from .batch import use_dictionaries
        from .petrarch import PACKAGED, load_dictionaries

        if not (args.dictionaries in PACKAGED and not Path(args.dictionaries).is_dir()):
            load_dictionaries(Path(args.dictionaries))  # validate up front: errors name file and line
        use_dictionaries(args.dictionaries)
    else:
        _use_coder(args)
    # not held between batches: the dashboard and other commands can use the store while this runs
    store = None if args.no_store else EventStore(args.db, dedup=_dedup_params(args), memory_limit=STORE_MEMORY,
                                                  hold=False, on_wait=_tell)
    n_articles = n_rejected = n_events = 0
    table_rows = []
    inputs = iter_inputs(args.paths, published=args.published, stdin=sys.stdin.buffer)
    counter = {"rejected": 0, "skipped": 0}
    articles = _accept(inputs, Rejected, store, counter)
    # the progress line goes where a person watches; JSON lines printed on the terminal show progress themselves
    progress = _Progress(sys.stderr.isatty() and (fmt == "table" or not sys.stdout.isatty()))
    if args.engine == "dask":
        results = code_dask(articles, args.scheduler, out_dir=args.parquet_dir, timeout=args.timeout)
    else:
        results = code_local(articles, workers=workers, timeout=args.timeout)
    writer = _Writer(store)
    closed = False
    try:
        for article, events in results:
            if isinstance(events, Failure):
                counter["rejected"] += 1
                message = f"article {article.doc_id}: {events.message}" if article.source_path else events.message
                _reject(Rejected(article.source_path or article.doc_id, None, events.code, message), store)
            else:
                n_articles += 1
                n_events += len(events)
                writer.add(article, events)
                if fmt == "jsonl":
                    sys.stdout.write("".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in events))
                    sys.stdout.flush()  # a reader that stops (`| head`) is noticed at the next article
                else:
                    table_rows.extend(events)
            progress.update(n_articles + counter["rejected"] + counter["skipped"])
    except BrokenPipeError:
        closed = True  # stdout's reader has gone: stop coding; what was coded is stored below
        _detach_stdout()
    finally:
        results.close()  # stops the coding workers now
        progress.close()
        if store is not None:
            try:
                writer.flush()  # interrupted: what was coded is stored, whole articles only
            finally:
                store.close()
    n_rejected, n_skipped = counter["rejected"], counter["skipped"]
    if n_skipped and not n_articles and not n_rejected:  # a re-run with nothing new: say so, print no empty table
        what = "the article is" if n_skipped == 1 else f"all {n_skipped} articles are"
        print(f"wirecoder: {what} already stored in {args.db}; nothing to code "
              f"(see them: wirecoder query --db {shlex.quote(args.db)} --format table)", file=sys.stderr)
        return EXIT_OK
    if fmt == "table" and n_articles:
        print_table(table_rows, sys.stdout)
    where = f" into {args.db}" if store is not None else ""
    skipped = f", {n_skipped} already stored" if n_skipped else ""
    stopped = " (stopped early: the output was closed)" if closed else ""
    print(f"wirecoder: {n_articles} article(s) coded, {n_events} event(s){where}{skipped}; "
          f"{n_rejected} input(s) rejected{stopped}", file=sys.stderr)
    total = n_articles + n_rejected + n_skipped
    if total and n_rejected / total > args.max_failure_rate:
        return EXIT_TOO_MANY_REJECTED
    return EXIT_OK if total else EXIT_ERROR


def cmd_fetch(args: argparse.Namespace) -> int:
    """`fetch` runs one round over the sources; `watch` runs rounds on a schedule (docs/feeds.md). A round that
    fails in `watch` (the store busy past the wait, the disk full) is logged and finished by the next one."""
    from .fetch import Fetcher, Policy
    from .store import EventStore

    _use_coder(args)
    policy = Policy(timeout=args.fetch_timeout, retries=max(0, args.retries), backoff=max(0.0, args.backoff),
                    host_delay=max(0.0, args.host_delay), host_connections=max(1, args.host_connections),
                    max_bytes=int(args.max_page_mb * 2**20))
    store = EventStore(args.db, memory_limit=STORE_MEMORY, hold=False, on_wait=_tell)
    watching = args.command == "watch" and not args.once
    limit = getattr(args, "rounds", None)
    rounds = 0
    with Fetcher(policy) as fetcher:
        while True:
            started = time.monotonic()
            rounds += 1
            last = not watching or (limit is not None and rounds >= limit)
            try:
                line, failed = _fetch_round(args, store, fetcher)
            except WirecoderError as exc:
                if last or rounds == 1:  # a first round that fails is a mistake to show at once
                    raise
                line, failed = f"wirecoder: this round stopped: {exc}", True
            if last:
                _say(line)
                return EXIT_ERROR if failed else EXIT_OK
            wait = max(0.0, args.every - (time.monotonic() - started))
            _say(f"{line}; next round at {time.strftime('%H:%M:%S', time.localtime(time.time() + wait))}")
            time.sleep(wait)


def _fetch_round(args: argparse.Namespace, store, fetcher) -> tuple[str, bool]:
    """One round over the sources as listed now (a list may be edited between rounds): its summary line, and
    whether nothing at all could be read (every source failed)."""
    from .batch import code_local
    from .crawl import Round
    from .feeds import Source, read_sources

    sources = []
    for item in read_sources(args.sources):
        if isinstance(item, Source):
            sources.append(item)
        else:
            _say(f"wirecoder: {item}")
    if not sources:
        raise WirecoderError("no feed or article URL to fetch", hint="give URLs or files listing them")
    workers = _workers(args.workers)
    progress = _Progress(sys.stderr.isatty(), total=len(sources), unit="sources",
                         first=f"wirecoder: fetching from {len(sources)} source(s), loading the model ...")
    round_ = Round(store, fetcher, lambda articles: code_local(articles, workers=workers, timeout=args.timeout),
                   threads=args.threads, retry_sources=args.command == "watch", say=_say, progress=progress.update)
    try:
        summary = round_.run(sources)
    finally:
        progress.close()
    return f"wirecoder: {summary.line()} into {args.db}", summary.nothing_read


def cmd_query(args: argparse.Namespace) -> int:
    from .query import count, select
    from .store import event_from_record
    from .table import print_table

    filters = _filters(args)
    with _open_store(args.db) as store:
        records = select(store, filters, level=args.level, limit=args.limit, offset=args.offset)
        total = count(store, filters, level=args.level)
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    if fmt == "jsonl":
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        print_table([event_from_record(r) for r in records], sys.stdout)
    sys.stdout.flush()  # a closed pipe ends the command here (main), before a count of rows not all read
    print(f"wirecoder: {len(records)} of {total} {args.level} shown", file=sys.stderr)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from .query import country_names, stats

    with _open_store(args.db) as store:
        result = stats(store, _filters(args), level=args.level)
        if not args.json:
            codes = {r[side] for r in result["by_dyad"] for side in ("actor", "recipient")}
            names = country_names(store, sorted(codes))  # what the dashboard shows too
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return EXIT_OK

    def named(code: str) -> str:
        return f"{code} {names[code]}" if code in names else code

    dyads = [(f"{named(r['actor'])} -> {named(r['recipient'])}", r["n"]) for r in result["by_dyad"]]
    wide = max((len(d) for d, _ in dyads), default=0)
    out = ["by type:"] + [f"  {r['event_type']:<10} {r['n']:>8}" for r in result["by_type"]]
    out += ["by dyad (actor -> recipient):"] + [f"  {d:<{wide}} {n:>8}" for d, n in dyads]
    out += ["by day:"] + [f"  {r['date']} {r['n']:>8}" for r in result["by_day"]]
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .exports import export

    with _open_store(args.db) as store:
        n = export(store, Path(args.out), args.format, filters=_filters(args), level=args.level,
                   columns=args.columns)
    print(f"wirecoder: {n} {args.level} written to {args.out} ({args.format})", file=sys.stderr)
    return EXIT_OK


def cmd_dyads(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .analytics import dyad_series, export_series

    with _open_store(args.db) as store:
        rows = dyad_series(store, args.actor, args.recipient, freq=args.freq, filters=_filters(args),
                           both_directions=args.both_directions, level=args.level, fill=not args.no_fill)
    if args.out:
        n = export_series(rows, Path(args.out), args.format)
        print(f"wirecoder: {n} periods written to {args.out}", file=sys.stderr)
        return EXIT_OK
    if rows:
        columns = list(rows[0])
        sys.stdout.write("\t".join(columns) + "\n")
        for row in rows:
            sys.stdout.write("\t".join("" if row[c] is None else str(row[c]) for c in columns) + "\n")
    print(f"wirecoder: {len(rows)} periods", file=sys.stderr)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .api import serve

    if not os.path.exists(args.db) and args.read_only:
        raise WirecoderError("no store here", source=args.db, hint="code some articles first")
    print(f"wirecoder: serving {args.db} at http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
    serve(args.db, args.host, args.port, read_only=args.read_only, token=args.token, allowed_hosts=args.allow_host,
          code_timeout=args.code_timeout, code_memory_mb=args.code_memory, code_workers=args.code_workers)
    return EXIT_OK


def cmd_dictionaries_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .petrarch import check_dictionaries

    problems = check_dictionaries(Path(args.folder))
    for p in problems:
        where = f"{p.path}:{p.line}" if p.line else str(p.path)
        print(f"{where}: {p.severity} [{p.code}] {p.message}")
    errors = sum(1 for p in problems if p.severity == "error")
    print(f"wirecoder: {len(problems)} problem(s), {errors} error(s) in {args.folder}", file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    with _open_store(args.db) as store:
        problems = store.check()
        counts = None if problems else store.counts()
    if problems:
        code = StoreDamagedError.code
        for problem in problems:
            print(f"wirecoder: [{code}] {args.db}: {problem}", file=sys.stderr)
        print(f"wirecoder: [{code}] {args.db}: {len(problems)} problem(s) (restore the store from a backup, or "
              "re-code its articles into a new store)", file=sys.stderr)
        return EXIT_ERROR
    summary = ", ".join(f"{n} {table}" for table, n in counts.items())
    print(f"{args.db}: ok, schema {SCHEMA_VERSION} ({summary})")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .evaluate import evaluate, render_html, render_markdown, render_text, to_json
    from .pipeline import Pipeline

    result = evaluate(args.gold, Pipeline.default(coder=args.coder, model=args.model), limit=args.limit)
    sys.stdout.write(to_json(result) + "\n" if args.json else render_text(result))
    if args.report:
        report = Path(args.report)
        text = render_html(result) if report.suffix.lower() in (".html", ".htm") else render_markdown(result)
        report.write_text(text, encoding="utf-8")
        print(f"wirecoder: report written to {report}", file=sys.stderr)
    return EXIT_OK


def _dedup_params(args: argparse.Namespace):
    from dataclasses import replace

    from .dedup import DedupParams

    changes = {name: value for name, value in (("window_days", args.dedup_window_days),
                                                ("max_km", args.dedup_max_km),
                                                ("min_score", args.dedup_min_score)) if value is not None}
    return replace(DedupParams(), **changes)


class _Writer:
    """Stores coded articles in batches (one transaction each): a batch costs little more than one article
    (benchmarks/README.md, "Into a store"). A batch is written when full or when STORE_SECONDS have passed, so a slow
    stream is stored as it goes; an interrupted run loses at most the batch not yet written, never part of one."""

    def __init__(self, store, size: int = STORE_BATCH, seconds: float = STORE_SECONDS) -> None:
        self.store, self.size, self.seconds = store, size, seconds
        self.items: list = []
        self.since = time.monotonic()

    def add(self, article, events) -> None:
        if self.store is None:
            return
        self.items.append((article, events))
        if len(self.items) >= self.size or time.monotonic() - self.since >= self.seconds:
            self.flush()

    def flush(self) -> None:
        items, self.items, self.since = self.items, [], time.monotonic()
        if items:
            self.store.put_many(items)


def _reject(item, store) -> None:
    """Report a rejected input on stderr (`[W10x] path:line: message (hint)`) and record it in the store."""
    _say(f"wirecoder: {item}")
    if store is not None:
        store.reject(item.source, item.line, item.code, item.message)


def _accept(inputs, rejected_type, store, counter):
    """Articles from the readers; rejected inputs are reported on stderr and recorded in the store. Re-runs
    resume: an article stored with the same text is not coded again (asked of the store a batch at a time)."""
    batch: list = []
    since = time.monotonic()
    for item in inputs:
        if isinstance(item, rejected_type):
            counter["rejected"] += 1
            _reject(item, store)
            continue
        if store is None:
            yield item
            continue
        batch.append(item)
        if len(batch) >= STORE_BATCH or time.monotonic() - since >= STORE_SECONDS:
            yield from _not_stored(batch, store, counter)
            batch, since = [], time.monotonic()
    if batch:
        yield from _not_stored(batch, store, counter)


def _not_stored(batch: list, store, counter) -> list:
    fresh = [article for article, stored in zip(batch, store.stored(*batch), strict=True) if not stored]
    counter["skipped"] += len(batch) - len(fresh)
    return fresh


class _Progress:
    """A line on stderr while `code` runs, when it is shown: that the model is loading (the first article waits
    for it, seconds), then the inputs done and their rate. Not shown, it does nothing."""

    LOADING = "wirecoder: loading the model ..."
    CODING = "wirecoder: coding: {n_fmt} inputs [{elapsed}, {rate_noinv_fmt}]"
    # with a known total (a backfill's URLs): how far, and an estimate of the time left
    COUNTED = "wirecoder: {n_fmt}/{total_fmt}{unit} [{elapsed} so far, about {remaining} left, {rate_noinv_fmt}]"

    def __init__(self, shown: bool, total: int | None = None, unit: str = "inputs", first: str = LOADING) -> None:
        self.bar = None
        self.first = first
        self.working = self.CODING if total is None else self.COUNTED
        if shown:
            from tqdm import tqdm

            self.bar = tqdm(bar_format=first, total=total, unit=f" {unit}", file=sys.stderr, leave=False)

    def update(self, done: int) -> None:
        if self.bar is None:
            return
        loaded = self.bar.bar_format == self.first  # the first result: the model has loaded
        self.bar.bar_format = self.working
        self.bar.update(done - self.bar.n)
        if loaded:
            self.bar.refresh()  # say so at once, not at tqdm's next interval

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()  # clears the line before the table and the summary are printed


def _say(message: str) -> None:
    """A diagnostic line on stderr, written above the progress line when one is shown."""
    from tqdm import tqdm

    tqdm.write(message, file=sys.stderr)



def cmd_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .learned.corpus import read_labelled
    from .learned.train import train
    from .lexicon import load_lexicon
    from .nlp import load_nlp

    records = list(read_labelled(args.data))  # every bad line raises with file:line
    name = args.name or Path(args.out).resolve().name
    model, report = train(records, load_nlp(), load_lexicon(), name=name, seed=args.seed, c=args.c,
                          log=lambda m: print(f"wirecoder: {m}", file=sys.stderr))
    model.save(args.out)
    for coder in ("rules", "learned", "hybrid"):
        if coder in report:
            r = report[coder]
            print(f"dev {coder:8s} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}")
    print(f"wirecoder: model written to {args.out}", file=sys.stderr)
    return EXIT_OK


GEOPARSE_EXAMPLES = """examples:
  wirecoder geoparse article.txt
  echo "Police in Lebanon, Pa., said a man from Paris, Texas, was held." | wirecoder geoparse -
  wirecoder geoparse corpus.jsonl > places.jsonl     # {doc_id, source, places: [...]} per document
Each place: text, start, end, geonameid, name, feature (country|admin1|admin2|city|region|landmark),
country (ISO3), admin1 (name), lat, lon, confidence, why. docs/geoparsing.md explains the ranking.
"""


def cmd_geoparse(args: argparse.Namespace) -> int:
    from .pipeline import Pipeline
    from .readers import Rejected, iter_inputs

    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    pipeline = Pipeline.default(coder="rules")
    n_docs = n_rejected = n_places = 0
    for item in iter_inputs(args.paths, stdin=sys.stdin.buffer):
        if isinstance(item, Rejected):
            n_rejected += 1
            print(f"wirecoder: {item}", file=sys.stderr)
            continue
        places = pipeline.geoparse(item)
        n_docs += 1
        n_places += len(places)
        if fmt == "jsonl":
            record = {"doc_id": item.doc_id, "source": item.source_path, "places": [p.to_dict() for p in places]}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            for p in places:
                sys.stdout.write(f"{item.doc_id[:12]}  {p.start:>6}-{p.end:<6} {p.text[:28]:28}  {p.name[:28]:28}  "
                                 f"{p.feature:8}  {p.country or '-':3}  {p.geonameid or '-':>9}  {p.confidence:.2f}"
                                 f"  {p.why}\n")
    print(f"wirecoder: {n_docs} document(s), {n_places} place mention(s); {n_rejected} input(s) rejected",
          file=sys.stderr)
    return EXIT_ERROR if n_rejected or not n_docs else EXIT_OK


RESOLVE_EXAMPLES = """examples:
  wirecoder actors resolve "Lagos police" "former Pakistani prime minister Imran Khan" --date 2023-05-09
  wirecoder actors resolve "the army" --context "KABUL - The army said it killed ten militants." --date 2020-01-01
  wirecoder actors resolve --jsonl queries.jsonl > resolved.jsonl

Each line printed is {text, name, country, sector, id, role, since, until, why}; a phrase that names no
actor comes back with a null country and a why."""


def _resolve_queries(args: argparse.Namespace):
    """(source, query or error message) for the phrases on the command line or in the JSONL file."""
    from .resolver import ActorQuery

    country = args.country.upper() if args.country else None
    for phrase in args.phrases:
        yield "argument", ActorQuery(phrase, args.context, args.date, country)
    if not args.jsonl:
        return
    name = "<stdin>" if args.jsonl == "-" else args.jsonl
    try:
        handle = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        yield name, f"cannot read: {exc.strerror}"
        return
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{name}:{lineno}"
            try:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"not valid JSON: {exc.msg}") from None
                if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj["text"].strip():
                    raise ValueError("each line needs a JSON object with a non-empty 'text'")
                day = date.fromisoformat(obj["date"]) if obj.get("date") else None
                hint = obj.get("country") or country
                if hint is not None and not (isinstance(hint, str) and len(hint) == 3 and hint.isalpha()):
                    raise ValueError("'country' must be an ISO3 code")
                context = obj.get("context")
                if context is not None and not isinstance(context, str):
                    raise ValueError("'context' must be a string")
            except (ValueError, TypeError) as exc:
                yield where, str(exc)
                continue
            yield where, ActorQuery(obj["text"], context, day or args.date, hint.upper() if hint else None)


def cmd_actors_resolve(args: argparse.Namespace) -> int:
    from .pipeline import Pipeline
    from .resolver import resolve_actor

    if not args.phrases and not args.jsonl:
        print("wirecoder: give phrases or --jsonl FILE", file=sys.stderr)
        return EXIT_ERROR
    pipeline = Pipeline.default(coder="rules")
    failed = 0
    for source, query in _resolve_queries(args):
        if isinstance(query, str):
            failed += 1
            print(f"wirecoder: {source}: {query}", file=sys.stderr)
            continue
        for result in resolve_actor(query, pipeline):
            print(json.dumps(result, ensure_ascii=False))
    return EXIT_ERROR if failed else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
