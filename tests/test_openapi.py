"""The committed spec is the one the code generates; `make openapi` refreshes it."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from ekesco_api.extensions import api

COMMITTED = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


def test_committed_spec_matches_the_code(app: Flask) -> None:
    with app.app_context():
        generated = json.loads(json.dumps(api.spec.to_dict()))
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert generated == committed, "openapi/openapi.json is stale: run `make openapi`"


def test_spec_is_served(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["info"]["title"] == "eKesco API"


def test_every_operation_has_a_stable_unique_id(app: Flask) -> None:
    with app.app_context():
        spec = api.spec.to_dict()
    ids = [
        operation.get("operationId")
        for path in spec["paths"].values()
        for method, operation in path.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert all(ids), "an operation lacks an operationId"
    assert len(ids) == len(set(ids))


def test_docs_page_is_served(client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()


def test_every_reference_in_the_spec_resolves(app: Flask) -> None:
    with app.app_context():
        spec = json.loads(json.dumps(api.spec.to_dict()))

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    def resolves(ref: str) -> bool:
        node: object = spec
        for part in ref.removeprefix("#/").split("/"):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    broken = sorted({ref for ref in refs(spec) if not resolves(ref)})
    assert broken == []
