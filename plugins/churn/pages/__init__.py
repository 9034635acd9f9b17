"""The module's pages under ``/churn/`` (a plain blueprint: the host signs people in and answers 404
where the module is off): the customers at risk, the win-back tasks, the backtest and the KPIs.
Each page reads its query or form with the API's schema and calls the function the API view calls,
so a page accepts and refuses what the API does."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

pages = Blueprint("churn_pages", __name__, url_prefix="/churn",
                  template_folder=str(Path(__file__).parent.parent / "templates"),
                  static_folder=str(Path(__file__).parent.parent / "static"), static_url_path="/static")

from plugins.churn.pages import at_risk, backtest, kpis, tasks  # noqa: E402,F401  views register on pages
