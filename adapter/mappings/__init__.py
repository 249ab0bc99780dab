"""The mappings layer: one case <-> FHIR R4 resources, as pure functions.

Doors: ``bundle.case_to_resources`` / ``case_to_bundle`` and ``bundle.bundle_to_case``.
- ``resources/``: one module per FHIR resource (``episode_of_care.py``, ``care_plan.py`` ...).
- Infrastructure beside them: ``context`` (ids and references of one case), ``reading`` (back
  from FHIR), ``datatypes``, ``extensions``, ``identifiers`` (the one reader of our business
  identifier), ``ids`` (deterministic ids), ``namespace``, ``terminology`` + ``tables/`` (code
  translations as data), ``fingerprint`` (which code produced a mapping).
"""
