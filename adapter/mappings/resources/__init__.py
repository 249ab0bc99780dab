"""One module per FHIR resource the adapter writes and reads: ``to_fhir``-style builders and
their readers. Which case record maps to which resource: README, "Mapping in brief"."""
