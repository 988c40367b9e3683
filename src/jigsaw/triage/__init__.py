"""Triage: explainable, advisory priority bands with due times (docs/design/triage.md).

The pure core (:mod:`model`, :mod:`scoring`, :mod:`denylist`, :mod:`atrs`) knows nothing of the
web or the database; :mod:`inputs`, :mod:`store`, :mod:`service`, :mod:`routes` and :mod:`cli`
are thin adapters around it. A person always decides: the band orders the queue and explains
itself, and nothing is ever closed automatically.
"""
