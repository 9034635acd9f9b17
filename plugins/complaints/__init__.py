"""The complaints module: complaint cases with the seed plan's 1-24-48 clocks (respond within an
hour, a plan within a day, resolved within two), escalation, the customer's confirmation and the
weekly cause review (entry point ``saas.plugins``)."""
