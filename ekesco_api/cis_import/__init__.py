"""The import of the supplier's CIS export (CSV)."""
