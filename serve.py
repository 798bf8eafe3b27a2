"""Serve the lcr search API over HTTP (FastAPI + uvicorn); the same as `lcr serve`.

Opens the index once, then answers on /v1 (search, cases, similar cases, health); interactive docs
are at /docs. Each option falls back to an environment variable, then to a default:

  --index      LCR_INDEX      sample      (an index folder, or a name under $LCR_INDEX_DIR)
  --host       LCR_HOST       127.0.0.1
  --port       LCR_PORT       8000
  --log-level  LCR_LOG_LEVEL  info

Listening on every interface (0.0.0.0 or ::) is refused unless LCR_ALLOW_PUBLIC=1: the API has no
authentication. Build an index first with `lcr index build`. Exit codes: 2 bad settings, 3 no index
at the path given, 4 an index this version cannot read.
"""

from __future__ import annotations

import argparse
import logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="serve.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", help="index folder or name under $LCR_INDEX_DIR (default: $LCR_INDEX or sample)")
    parser.add_argument("--host", help="interface to listen on (default: $LCR_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: $LCR_PORT or 8000)")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"],
                        help="log verbosity (default: $LCR_LOG_LEVEL or info)")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    # imported after parsing, so --help answers at once instead of after loading torch
    from lcr.api import server
    from lcr.api.settings import Settings
    from lcr.errors import LcrError

    try:
        settings = Settings.from_env(index=args.index, host=args.host, port=args.port, log_level=args.log_level)
        logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
        server.serve(settings)
    except LcrError as exc:
        parser.exit(exc.exit_code, f"{parser.prog}: error: {exc}\n")


if __name__ == "__main__":
    main()
