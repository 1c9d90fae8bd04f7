"""webhooks layer; see DESIGN.md."""
