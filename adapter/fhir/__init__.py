"""fhir layer (see ARCHITECTURE in the README)."""
