"""Data quality (信息管理准确率): the workspace's report (completeness, invalid values, accuracy
against the 98% target, likely duplicates) in ``report``, read from what the duplicate scan
(``scan``, a job: incremental, sorted neighbourhood) keeps in its tables (``models``); ``receivers``
keep the scan in step with the customers; ``normalise`` (a job) rewrites the records written before
normalisation in their normal form. Contact data is normalised by
:mod:`saas.core.customers.contact`, which records, imports and the scan use alike."""
