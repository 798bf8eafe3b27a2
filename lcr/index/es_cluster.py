"""What every Elasticsearch part of an index shares: the connection, error translation, and the
zero-downtime lifecycle of an alias (the BM25 fields and the case vectors each live behind one).

Connection (:func:`client_from_env`): ``LCR_ES_URL``, then ``LCR_ES_API_KEY`` or ``LCR_ES_USER`` /
``LCR_ES_PASSWORD``, ``LCR_ES_CA_CERTS``, ``LCR_ES_VERIFY_CERTS`` (``0`` to skip TLS verification) and
``LCR_ES_TIMEOUT`` (seconds a request may take, default 60).

Lifecycle, true to real Elasticsearch: every build writes a new concrete index ``<alias>-<timestamp>``
through ``helpers.streaming_bulk`` (chunked, retried with back-off on 429), then moves the alias in one
``_aliases`` call and deletes the old index: searches see the old or the new index, never a partial one.
A bulk that still fails after its retries deletes the new index, leaves the alias where it was, and
raises naming the failed ids.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lcr.errors import BackendUnavailable, IndexMissing

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch


def es():
    """The ``elasticsearch`` package, imported on first use: opening an embedded index (every CLI call,
    every server start) does not pay for it."""
    import elasticsearch

    return elasticsearch


def client_from_env(env: dict[str, str] | None = None) -> Elasticsearch:
    """A client for the cluster the environment names; :class:`BackendUnavailable` if none is named."""
    env = dict(os.environ) if env is None else env
    url = env.get("LCR_ES_URL", "").strip()
    if not url:
        raise BackendUnavailable("no Elasticsearch cluster configured: set LCR_ES_URL (e.g. http://localhost:9200)")
    try:
        timeout = float(env.get("LCR_ES_TIMEOUT", "60"))
    except ValueError:
        raise BackendUnavailable(f"LCR_ES_TIMEOUT must be a number of seconds, not {env['LCR_ES_TIMEOUT']!r}") from None
    options: dict = {"request_timeout": timeout}
    if env.get("LCR_ES_API_KEY"):
        options["api_key"] = env["LCR_ES_API_KEY"]
    elif env.get("LCR_ES_USER"):
        options["basic_auth"] = (env["LCR_ES_USER"], env.get("LCR_ES_PASSWORD", ""))
    if env.get("LCR_ES_CA_CERTS"):
        options["ca_certs"] = env["LCR_ES_CA_CERTS"]
    if env.get("LCR_ES_VERIFY_CERTS", "1").strip().lower() in ("0", "false", "no", "off"):
        options["verify_certs"] = False
    return es().Elasticsearch(url, **options)


def checked(call, what: str):
    """Run a cluster call, turning transport and auth failures into one-line lcr errors."""
    lib = es()
    try:
        return call()
    except lib.AuthenticationException:
        raise BackendUnavailable(f"Elasticsearch refused the credentials while {what} (LCR_ES_API_KEY / "
                                 "LCR_ES_USER, LCR_ES_PASSWORD)") from None
    except lib.TransportError as e:
        raise BackendUnavailable(f"Elasticsearch is unreachable while {what}: {e}") from None


def index_name(name: str) -> str:
    """A valid Elasticsearch index/alias name: lowercase, no spaces or reserved characters."""
    return re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_") or "lcr"


def indices_of(client: Elasticsearch, alias: str) -> list[str]:
    """The concrete indices behind ``alias`` (none if it does not exist)."""
    try:
        return list(client.indices.get_alias(name=alias))
    except es().ApiError as e:
        if e.meta.status == 404:
            return []
        raise


def build_behind_alias(client: Elasticsearch, alias: str, body: dict, actions: Iterable[dict],
                       chunk: int = 500, max_retries: int = 3) -> str:
    """Create a new concrete index with ``body`` (settings + mappings), bulk-load ``actions`` (their
    ``_index`` is filled in), move ``alias`` onto it and delete the indices it pointed to before.
    Returns the concrete index's name. On any failure the new index is deleted and the alias is left
    where it was; documents still failing after ``max_retries`` raise :class:`BackendUnavailable`
    naming their ids."""
    from elasticsearch import helpers  # third party, on first use (see es)

    concrete = f"{alias}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    checked(lambda: client.indices.create(index=concrete, **body), f"creating {concrete}")
    try:
        stream = helpers.streaming_bulk(client, ({**a, "_index": concrete} for a in actions), chunk_size=chunk,
                                        max_retries=max_retries, initial_backoff=1, raise_on_error=False,
                                        raise_on_exception=False)
        failed = [str(next(iter(item.values())).get("_id", "?")) for ok, item in stream if not ok]
        if failed:
            raise BackendUnavailable(f"{len(failed)} documents could not be indexed after {max_retries} "
                                     f"retries (e.g. {', '.join(failed[:5])}); the alias {alias} is unchanged")
        checked(lambda: client.indices.refresh(index=concrete), "refreshing")
        old = indices_of(client, alias)
        moves = [{"remove": {"index": i, "alias": alias}} for i in old] + [{"add": {"index": concrete, "alias": alias}}]
        checked(lambda: client.indices.update_aliases(actions=moves), f"moving the alias {alias}")
    except BaseException:
        client.options(ignore_status=404).indices.delete(index=concrete)
        raise
    for i in old:
        client.options(ignore_status=404).indices.delete(index=i)
    return concrete


class AliasBacked:
    """What both Elasticsearch parts hold: a client (from the environment unless given), the alias they
    read, and its document count."""

    def __init__(self, client: Elasticsearch | None = None, chunk: int = 500, max_retries: int = 3):
        self._client = client
        self.chunk = chunk
        self.max_retries = max_retries
        self.alias = ""
        self._count = 0

    @property
    def client(self) -> Elasticsearch:
        if self._client is None:
            self._client = client_from_env()
        return self._client

    def _attach(self, alias: str, folder: object) -> None:
        """Read from ``alias`` (named by the index ``folder``'s manifest); :class:`IndexMissing` if gone."""
        self.alias = alias
        if not indices_of(self.client, alias):
            raise IndexMissing(f"the Elasticsearch alias {alias} that {folder} names does not exist; rebuild the index")
        self._count = int(checked(lambda: self.client.count(index=alias), "counting")["count"])

    def __len__(self) -> int:
        return self._count
