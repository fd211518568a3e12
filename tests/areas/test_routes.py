"""GET /areas: one level of the tree in the request's language, revalidated by ETag."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.support.areas import make_tree

API = "/api/v1"


def test_areas_in_the_request_language_with_children(
    client: FlaskClient, db_session: Session
) -> None:
    tree = make_tree(db_session)
    cities = client.get(f"{API}/areas", headers={"Accept-Language": "en"}).get_json()
    assert {"id": tree.city.id, "level": "city", "name": "Pristina", "parent_id": None} in cities
    sr = client.get(f"{API}/areas", headers={"Accept-Language": "sr"}).get_json()
    assert {"id": tree.city.id, "level": "city", "name": "Priština", "parent_id": None} in sr
    other = next(a for a in sr if a["id"] == tree.other_city.id)
    assert other["name"] == tree.other_city.name  # no Serbian name known: Albanian
    children = client.get(f"{API}/areas?parent_id={tree.locality.id}").get_json()
    assert sorted(a["id"] for a in children) == sorted([tree.north.id, tree.south.id])
    assert {a["level"] for a in children} == {"neighbourhood"}


def test_areas_answer_304_to_a_matching_etag(client: FlaskClient, db_session: Session) -> None:
    make_tree(db_session)
    first = client.get(f"{API}/areas")
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get(f"{API}/areas", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    english = client.get(f"{API}/areas", headers={"If-None-Match": etag, "Accept-Language": "en"})
    assert english.status_code == 200  # another language is another representation
    make_tree(db_session)
    changed = client.get(f"{API}/areas", headers={"If-None-Match": etag})
    assert changed.status_code == 200
