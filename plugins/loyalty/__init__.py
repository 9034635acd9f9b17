"""The ``loyalty`` module: points for buying, spent on rewards (entry point ``saas.plugins``).

It uses only the public hook contract and core functions, as a third party's plugin would:
``plugin.py`` (the hooks), ``rules.py`` (the tenant's earning rules), ``ledger.py`` (the points
ledger), ``api.py`` (``/api/v1/loyalty``).
"""
