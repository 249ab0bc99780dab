"""mappings layer (see ARCHITECTURE in the README)."""
