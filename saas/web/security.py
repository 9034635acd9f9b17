"""What every page tells the browser to refuse: scripts, styles and frames from anywhere but Retain
itself, inline scripts, and a session cookie sent over plain HTTP outside development."""

from __future__ import annotations

from flask import Flask, Response

# No inline script or style anywhere: htmx is configured by a <meta> tag (its indicator styles are
# in retain.css), and ECharts only sets element styles from script, which a CSP does not limit.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def _headers(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    if app.config.get("SESSION_COOKIE_SECURE") is None:  # not set in the environment: HTTPS unless developing
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.after_request(_headers)
