"""Data quality (信息管理准确率): the workspace's report (completeness, invalid values, accuracy
against the 98% target) and its likely duplicates, in ``report``. Contact data is normalised by
:mod:`saas.core.customers.contact`, which records and imports use as they write."""
