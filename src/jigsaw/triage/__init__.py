"""Triage: explainable, advisory priority bands with due times (docs/design/triage.md).

The pure core (:mod:`model`, :mod:`scoring`, :mod:`denylist`, :mod:`atrs`) knows nothing of the
web or the database. The adapters around it: :mod:`inputs` and :mod:`matches` gather what a
score needs; :mod:`configs` (change control of the configuration), :mod:`assess` (scoring and
the event handlers), :mod:`records` and :mod:`overrides` write; :mod:`queries` reads; then
:mod:`routes` and :mod:`cli`. A person always decides: the band orders the queue and explains
itself, and nothing is ever closed automatically.
"""
