"""Retain: a multi-tenant CRM for classifying and retaining customers.

This module stays thin on purpose: importing ``saas.core`` must not pull in the
web application. The application factory lives in :mod:`saas.app`.
"""

__version__ = "0.1.0"

from saas.core.hookspecs import hookimpl  # noqa: E402  the marker plugins use: ``from saas import hookimpl``

__all__ = ["__version__", "hookimpl"]
