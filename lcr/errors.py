"""Domain errors. The CLI maps them to exit codes, the API to HTTP statuses."""

from __future__ import annotations


class LcrError(Exception):
    """Base class of every error lcr raises on purpose."""

    exit_code = 1
    http_status = 500


class BadInput(LcrError):
    """A corpus file, query or argument that cannot be used as given."""

    exit_code = 2
    http_status = 422


class BadQuery(BadInput):
    """A query that is empty or otherwise unusable."""


class IndexMissing(LcrError):
    """No index (or no model) at the path given."""

    exit_code = 3
    http_status = 503


class IndexMismatch(LcrError):
    """An index or model whose manifest does not match what it is loaded with."""

    exit_code = 4
    http_status = 500


class CaseNotFound(LcrError):
    """A case id that is not in the index."""

    exit_code = 5
    http_status = 404


class BackendUnavailable(LcrError):
    """A search backend (an Elasticsearch cluster) that cannot be reached, refuses the credentials, or
    failed to index some cases."""

    exit_code = 6
    http_status = 503
