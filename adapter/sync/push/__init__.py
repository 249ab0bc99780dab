"""Push: cases in, the FHIR server brought in step, the ledger telling what happened to each.

Doors: ``run.push_cases`` (the engine) with ``run.CaseInput``; ``inputs`` (reading case files);
``replay`` (retrying dead letters). Inside, in the order a case goes through them: ``queue``
(a few cases at a time, one case's versions in order) -> ``unchanged`` (the fast path) ->
``planner`` (what must be sent) -> ``sender`` (one transaction, merges, bisecting) ->
``recording`` (ledger rows after the commit) -> ``snapshot``; ``failures`` (dead-letter reasons)
and ``outcomes`` (what the run reports).
"""
