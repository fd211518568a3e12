"""Tariffs: dated regulator decisions, the high/low tariff periods, and the bill engine."""
