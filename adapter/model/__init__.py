"""model layer (see ARCHITECTURE in the README)."""
