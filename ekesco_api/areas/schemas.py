"""What GET /areas reads and answers."""

from __future__ import annotations

import marshmallow as ma

from ekesco_api.areas.models import AREA_LEVELS


class AreaNodeSchema(ma.Schema):
    id = ma.fields.Integer()
    level = ma.fields.String(metadata={"enum": list(AREA_LEVELS)})
    name = ma.fields.String(
        metadata={"description": "In the request's language (Albanian where no other is known)."}
    )
    parent_id = ma.fields.Integer(allow_none=True)


class AreaQuerySchema(ma.Schema):
    parent_id = ma.fields.Integer(
        metadata={"description": "The children of this area; without it, the cities."}
    )
