"""The ``visits`` module: return visits (定期回访) planned from the value tier (entry point ``saas.plugins``).

It uses only the public hook contract and core functions, as a third party's plugin would:
``plugin.py`` (the hooks), ``cadences.py`` (the workspace's cadences, RFC 5545 rules, and its
settings), ``planner.py`` (set-based planning, on the core's calendar, ``saas.core.workdays``),
``daily_cap.py`` (the daily cap per person), ``outcomes.py`` (logging a visit), ``agenda.py`` (today, this week, overdue),
``feed.py`` (the iCalendar feed), ``escalation.py`` (overdue visits), ``kpis.py`` (compliance and
lift), ``api.py`` (``/api/v1/visits``).
"""
