"""`ekesco disconnection-sweep`: what it settled, in one line."""

from __future__ import annotations


def test_the_sweep_says_what_it_did(runner):
    result = runner.invoke(args=["ekesco", "disconnection-sweep"])
    assert result.exit_code == 0, result.output
    assert result.output == "Payment agreements checked on 0 customer codes; 0 new warnings.\n"
