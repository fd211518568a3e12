"""Tests of registration, verification codes, phones, passwords and names."""
