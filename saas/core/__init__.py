"""The domain core: tenancy, customer records, audit, and the primitives the rest builds on.

Nothing here imports :mod:`saas` (the shell), :mod:`tenants` or :mod:`plugins`; they import us.
"""
