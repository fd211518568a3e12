"""The customer's own account: profile, contact changes, password."""
