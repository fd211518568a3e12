"""GET /areas: one level of the area tree, cacheable and revalidated by ETag."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ekesco_api.api_docs import documents
from ekesco_api.areas import service as area_service
from ekesco_api.areas.schemas import AreaNodeSchema, AreaQuerySchema
from ekesco_api.errors import ValidationFailed
from ekesco_api.extensions import db
from ekesco_api.i18n import request_language

blp = Blueprint(
    "areas",
    __name__,
    url_prefix="/areas",
    description="The area tree: cities → localities → neighbourhoods.",
)

# Areas change only with an import: clients may keep them a while, and revalidate by ETag.
AREAS_MAX_AGE = 3600


@blp.route("")
class Areas(MethodView):
    @blp.doc(operationId="listAreas")
    @blp.arguments(AreaQuerySchema, location="query")
    @blp.response(200, AreaNodeSchema(many=True))
    @blp.alt_response(304, description="Not modified (the `If-None-Match` ETag matched).")
    @documents(blp, ValidationFailed)
    def get(self, query: dict[str, Any]) -> Any:
        """One level of the area tree

        Without `parent_id`: the cities; with it, that area's children. Names come in the
        request's language where the supplier gave one, in Albanian otherwise. The answer
        carries an `ETag` and may be cached; send it back in `If-None-Match` for a `304`.
        """
        code = request_language()
        rows = area_service.list_areas(
            db.session(), parent_id=query.get("parent_id"), language=code
        )
        payload = AreaNodeSchema(many=True).dump(rows)
        digest = hashlib.sha256(
            json.dumps([code, payload], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:32]
        response: Response = jsonify(payload)
        response.set_etag(digest)
        response.headers["Cache-Control"] = f"public, max-age={AREAS_MAX_AGE}"
        response.vary.add("Accept-Language")
        return response.make_conditional(request)
