"""Reports (经营指标): the manager's KPIs over a period, in ``kpis``: tier and stage mix and their
trend (from the classification history), revenue and repurchase by tier, churn, customer value.
The data-quality score is :mod:`saas.core.data_quality`'s."""
