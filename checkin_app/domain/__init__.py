"""domain layer; see DESIGN.md."""
