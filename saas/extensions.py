"""The Flask extensions, created unbound and initialised in :func:`saas.app.create_app`.

The API (flask-smorest, whose OpenAPI document lists the app's blueprints) is made per application
in :func:`saas.app.create_app` instead, because apps with different plugins document different routes.
"""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from saas.api import rate_limits
from saas.core.db import db

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, application_limits=rate_limits.LIMITS)

__all__ = ["db", "migrate", "login_manager", "csrf", "limiter"]
