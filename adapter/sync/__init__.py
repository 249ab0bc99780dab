"""sync layer (see ARCHITECTURE in the README)."""
