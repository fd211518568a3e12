"""What the customer owes, per meter and over the account."""
