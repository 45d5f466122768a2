"""Optional OpenTelemetry tracing (``AISLEPATH_TRACING=1``; off by default).

Litestar's OpenTelemetry plugin makes a span per request, named by its route template, joining
the caller's trace when the request carries a W3C ``traceparent``; each span carries the
request's id (``aislepath.request_id``, the ``X-Request-Id`` the answer and the access log give)
so a slow trace and a log line are one search apart. Spans go by OTLP/HTTP to where the standard
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) says, batched; a
process that already set a tracer provider (a test, an agent) keeps its own.

Install with ``pip install -e '.[tracing]'`` (the test extra includes it).
"""

from __future__ import annotations

from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send

from api.http import REQUEST_ID
from stores.infra.settings import Settings


def tracing_plugins(settings: Settings) -> list[Any]:
    """The plugin to add to the app: none unless tracing is on."""
    if not settings.tracing:
        return []
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # nothing set in this process: ours, by OTLP
        provider = TracerProvider(resource=Resource.create({"service.name": "aislepath"}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)

    def named(span: Any, _scope: dict[str, Any]) -> None:
        if span is not None and span.is_recording():
            span.set_attribute("aislepath.request_id", REQUEST_ID.get())

    config = OpenTelemetryConfig(tracer_provider=provider, server_request_hook_handler=named,
                                 exclude=["^/metrics$"])  # fmt: skip
    return [OpenTelemetryPlugin(config)]


def name_spans(app: ASGIApp) -> ASGIApp:
    """Route middleware (it runs once routing has found the route, inside the request's span):
    the span is named by the route template, as metrics are (the span starts before routing, named
    by the path; a sku in a path is not a span name)."""
    from opentelemetry import trace

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        span = trace.get_current_span()
        template = scope.get("path_template")
        if template and span.is_recording():
            span.update_name(f"{scope.get('method', '')} {template}")
            span.set_attribute("http.route", template)
        await app(scope, receive, send)

    return middleware
