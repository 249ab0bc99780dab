"""The sync layer: keeps FHIR servers and the case-management system in step.

Rooms (one folder each; its ``__init__`` lists its doors):
- ``ledger/``: the database of what was sent where, runs, stored cases, dead letters, conflicts.
- ``push/``: cases in, the server brought in step, each result recorded.
- ``pull/``: what changed on the server, applied to the stored cases; payer import.
- ``referrals/``: Gravity referrals: the no-answer alert, inbound claims and their answers.

Shared by both directions, at this level:
- ``resources.py``: a resource's key, our identifier on it, its references.
- ``intake.py``: accepting a new version of a case (``POST /cases`` and push).
- ``hashing.py`` (content hashes), ``ownership.py`` (who owns which field), ``merge.py``
  (three-way merge by ownership), ``namespace.py`` (this installation's namespace),
  ``sandbox.py`` (deleting exactly our resources), ``readback.py`` (counting what a server holds).
- ``feed.py`` (the change feed's rows: which fields of a stored case changed, from where),
  ``webhook.py`` (delivering the feed to the CM system), ``conflicts.py`` (listing, showing and
  settling conflicts: ``resolve_conflict(ledger, id, take)``).
- ``server_ids.py``, ``idmap.py``, ``id_discovery.py``: servers that assign ids themselves (the
  client that translates our ids to theirs and back, and finds theirs for a new ledger).

Push and pull never import each other, and the ledger imports neither (``lint-imports``).
"""
