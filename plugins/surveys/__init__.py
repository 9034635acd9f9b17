"""The ``surveys`` module: NPS, CSAT and CES surveys sent by signed single-use links, their results,
and ``surveys.low_score`` on every unhappy answer (entry point ``saas.plugins``).

``plugin.py`` (the hooks), ``models.py`` (the tables), ``surveys.py`` (surveys, questions and their
versions), ``links.py`` (the answer links), ``sending.py`` (recipients, the throttle, delivery),
``channels.py`` (the hook other plugins add channels through), ``answering.py`` (an answer, partial
or finished), ``results.py`` (NPS, CSAT, CES), ``api.py`` (``/api/v1/surveys``), ``public.py``
(the answer page ``/s/<token>``).
"""
