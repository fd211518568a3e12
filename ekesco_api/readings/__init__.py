"""What a meter says: recent register reads, the unbilled consumption, the billed months."""
