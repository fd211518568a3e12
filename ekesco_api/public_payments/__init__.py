"""Paying someone else's bill: a look-up and a card payment with the customer code and the bill
number of a paper bill, without an account (FAQ: a parent's or a landlord's bill)."""
