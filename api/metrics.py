"""Prometheus metrics: request counts and latency by route template and status.

Each app gets its own ``CollectorRegistry`` so several apps (tests, reloads) never collide on the
process-wide default registry. Routes are labelled by their *template* (``/v1/models/{name}``), not
the raw path, to keep label cardinality bounded whatever clients send.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from .routers import error_responses

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The API's collectors, registered on a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "welllog_http_requests_total",
            "HTTP requests by method, route template and status code",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "welllog_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge("welllog_http_requests_in_flight", "requests being served", registry=self.registry)
        self.samples = Counter(
            "welllog_predicted_samples_total", "samples predicted, by model name", ("model",), registry=self.registry
        )
        self.models_loaded = Gauge("welllog_models_loaded", "models in the API's cache", registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    response_description="the metrics in the Prometheus text exposition format",
    # text/plain with a string schema (the media type without its version parameter): a generated
    # client reads it as text instead of failing on an undeclared schema (data-engineer audit)
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"},
                                                "example": 'welllog_http_requests_total{method="GET",route="/health",status="200"} 3.0'}}},
               **error_responses()},
)
def metrics(request: Request) -> Response:
    """Request counts and latency by route and status, in the Prometheus text format."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
