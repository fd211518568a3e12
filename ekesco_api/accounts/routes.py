"""/me endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("me", __name__, url_prefix="/me", description="The customer's own account.")
