"""scanning layer; see DESIGN.md."""
