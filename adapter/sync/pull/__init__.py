"""Pull: what changed on the FHIR server, applied to the stored cases; and payer import.

Doors: ``run.pull_changes`` (the engine) and ``importer`` (a payer's copy of a server's cases).
Inside: ``history`` (reading ``_history`` since the watermark) -> ``changes`` (parsed,
deduplicated, our own echoes dropped) -> ``inbound`` (applied to one stored case by ownership,
``case_diff`` says what changed and whether it is legal). ``gather`` and ``grouping`` fetch a
client's resources and split them into cases for import.
"""
