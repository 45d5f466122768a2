"""Tracing (AISLEPATH_TRACING=1): a span per request, named by its route template, in the caller's
trace, carrying the request id; nothing when it is off (the default)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.app import create_app
from stores.infra.settings import Settings

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def provider() -> Iterator[None]:
    """This process's tracer provider (set once per process), exporting to memory."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    yield


TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_span_per_request_in_the_callers_trace_with_the_request_id(settings: Settings) -> None:
    _EXPORTER.clear()
    with TestClient(app=create_app(dataclasses.replace(settings, tracing=True))) as client:
        answer = client.get("/v1/stores/nowhere", headers={"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01",
                                                           "X-Request-Id": "req-trace-1"})  # fmt: skip
        assert answer.status_code == 404 and answer.headers["x-request-id"] == "req-trace-1"
    spans = [s for s in _EXPORTER.get_finished_spans() if s.kind == trace.SpanKind.SERVER]
    assert spans, [s.name for s in _EXPORTER.get_finished_spans()]
    span = spans[-1]
    assert span.name == "GET /v1/stores/{store_id}"  # the route template, not the path
    assert span.attributes is not None and span.attributes["aislepath.request_id"] == "req-trace-1"
    assert format(span.context.trace_id, "032x") == TRACE  # joined the caller's trace


def test_no_spans_unless_asked(settings: Settings) -> None:
    _EXPORTER.clear()
    with TestClient(app=create_app(settings)) as client:
        client.get("/health")
    assert _EXPORTER.get_finished_spans() == ()
