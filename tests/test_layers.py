"""Every module directly under ekesco_api is in the layering contract: plumbing or a domain."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import ekesco_api

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# Imports every domain's models for Alembic: neither plumbing nor a domain (see pyproject.toml).
NEITHER = {"ekesco_api.models", "ekesco_api.wsgi"}  # wsgi: the app itself, built by the factory


def _forbidden_contract() -> dict:
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    return next(contract for contract in contracts if contract["type"] == "forbidden")


def test_every_top_level_module_is_plumbing_or_a_domain():
    contract = _forbidden_contract()
    plumbing, domains = set(contract["source_modules"]), set(contract["forbidden_modules"])
    children = {f"ekesco_api.{module.name}" for module in pkgutil.iter_modules(ekesco_api.__path__)}

    assert plumbing & domains == set()
    assert children - plumbing - domains - NEITHER == set(), "add it to [tool.importlinter]"
    assert (plumbing | domains) - children == set(), "gone: take it out of [tool.importlinter]"
