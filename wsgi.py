"""The WSGI entry point: ``gunicorn wsgi:app``."""

from saas.app import create_app

app = create_app()
