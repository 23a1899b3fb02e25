"""One-tap answers from the offer e-mail: signed links that need no login.

A link names one offer, its helper and one answer. It is single-use because
answering ends the offer's pending state, and it expires with the offer or after
14 days. The answer itself goes through ``offers.answers``, like a tap in the inbox.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ki_match.extensions import db
from ki_match.offers.answers import Answer
from ki_match.requests.models import Offer
from ki_match.urls import public_url

ANSWER_LINK_MAX_AGE = timedelta(days=14)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="offer-answer")


def answer_token(offer: Offer, answer: Answer) -> str:
    return _serializer().dumps({"offer": offer.id, "helper": offer.helper_id, "answer": answer.value})


def answer_url(offer: Offer, answer: Answer) -> str:
    return public_url("offers.answer_by_link", token=answer_token(offer, answer))


def offer_from_token(token: str) -> tuple[Offer, Answer] | None:
    try:
        data = _serializer().loads(token, max_age=int(ANSWER_LINK_MAX_AGE.total_seconds()))
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    offer = db.session.get(Offer, data.get("offer"))
    if offer is None or offer.helper_id != data.get("helper"):
        return None
    try:
        return offer, Answer(data.get("answer"))
    except ValueError:
        return None
