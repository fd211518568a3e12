"""Supply points, meters and readings."""
