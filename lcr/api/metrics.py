"""``GET /metrics``: Prometheus metrics of the serving process (prometheus_client's text format).

Per route template and status: a request counter and a latency histogram; plus the index size and the
process's own metrics (memory, CPU, open files) that prometheus_client exports by default. Each app has
its own registry, so tests can build many apps in one process.
"""

from __future__ import annotations

import time

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def install_metrics(app: FastAPI, cases: int) -> None:
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    requests = Counter("lcr_http_requests_total", "HTTP requests answered", ["method", "route", "status"],
                       registry=registry)
    latency = Histogram("lcr_http_request_seconds", "Time to answer an HTTP request", ["method", "route"],
                        buckets=LATENCY_BUCKETS, registry=registry)
    Gauge("lcr_index_cases", "Cases in the served index", registry=registry).set(cases)

    @app.middleware("http")
    async def _measure(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        route = _route_template(request)
        latency.labels(request.method, route).observe(time.perf_counter() - start)
        requests.labels(request.method, route, str(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _route_template(request: Request) -> str:
    """``/v1/cases/{case_id}``, not the concrete path (bounded label values): the request path with the
    matched route's parameters put back as ``{name}``; ``other`` when no route matched (404s)."""
    if request.scope.get("route") is None:
        return "other"
    path = request.url.path
    for name, value in request.path_params.items():
        path = path.replace(str(value), "{" + name + "}")
    return path
