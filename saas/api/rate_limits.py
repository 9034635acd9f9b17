"""The REST API's rate limits: one per API key, one per workspace, over every ``/api/`` route.

Both are Flask-Limiter application limits (shared by every route, counted in Redis when it is
configured, in memory otherwise) keyed by the authenticated principal, so they are checked only
once :func:`saas.auth.authenticate_api_request` has found it: the limiter must be initialised
after the API's ``before_request`` is registered (see :func:`saas.app.create_app`). A request the
API refuses while authenticating (401, or 403 for a key without the scope) counts against
neither; one refused later by a view's role rule (403) counts, as it was the principal's. The
public routes (sign-up, the signed inbound orders, the OpenAPI document) have no principal and
keep their own limits, if any.

A key used through the web session is the person's (``user:<id>``), so the browser's own calls are
limited like a key's. The values are Flask-Limiter rate strings from ``API_KEY_RATE_LIMIT`` and
``WORKSPACE_RATE_LIMIT`` (:mod:`saas.config`); an empty one switches that limit off.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter import ApplicationLimit

PER_KEY, PER_WORKSPACE = "API_KEY_RATE_LIMIT", "WORKSPACE_RATE_LIMIT"


def _principal_key() -> str:
    principal = g.principal
    return f"api-key:{principal.api_key.id}" if principal.api_key is not None else f"user:{principal.user.id}"


def _workspace_key() -> str:
    return f"workspace:{g.principal.tenant.id}"


def _not_an_authenticated_api_request() -> bool:
    return not request.path.startswith("/api/") or "principal" not in g


def _configured(name: str):
    return lambda: current_app.config.get(name) or ""


LIMITS = [
    ApplicationLimit(_configured(PER_KEY), key_function=_principal_key, scope="api-key",
                     exempt_when=_not_an_authenticated_api_request),
    ApplicationLimit(_configured(PER_WORKSPACE), key_function=_workspace_key, scope="api-workspace",
                     exempt_when=_not_an_authenticated_api_request),
]

# The response headers, named as the IETF's RateLimit header fields draft names them (Flask-Limiter's
# defaults are X-RateLimit-*). RateLimit-Reset is, as Flask-Limiter sends it, the Unix time the
# window resets; Retry-After, on a 429, the seconds to wait.
HEADER_NAMES = {
    "RATELIMIT_HEADER_LIMIT": "RateLimit-Limit",
    "RATELIMIT_HEADER_REMAINING": "RateLimit-Remaining",
    "RATELIMIT_HEADER_RESET": "RateLimit-Reset",
}

# The 429's headers in the OpenAPI document.
RESPONSE_HEADERS = {
    "Retry-After": {"description": "Seconds to wait before the next request counts again",
                    "schema": {"type": "integer"}},
    "RateLimit-Limit": {"description": "Requests allowed in the window of the limit that applies",
                        "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "Requests left in that window", "schema": {"type": "integer"}},
    "RateLimit-Reset": {"description": "When that window resets (Unix time, seconds)", "schema": {"type": "integer"}},
}


def document(api) -> None:
    """Give the documented 429 answer its headers (flask-smorest registers one response per status,
    lazily: written into the document once an operation refers to it)."""
    components = api.spec.components
    registered = components.responses_lazy if "TOO_MANY_REQUESTS" in components.responses_lazy else components.responses
    registered["TOO_MANY_REQUESTS"]["headers"] = RESPONSE_HEADERS
