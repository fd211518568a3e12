"""Monthly bills."""
