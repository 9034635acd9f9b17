"""The ``churn`` module: early warnings of customers drifting away, and the win-back work they start
(entry point ``saas.plugins``).

It uses only the public hook contract and core functions, as a third party's plugin would; what
other modules tell it (a low survey score, a missed complaint clock, a missed visit) arrives as events.
"""
