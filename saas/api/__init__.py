"""The REST API under ``/api/v1``: blueprints, authentication and the JSON error shape."""
