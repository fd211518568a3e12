"""The customer's own account (/me): profile, confirmed e-mail and phone changes, the password."""
