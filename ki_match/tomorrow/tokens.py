"""The one-tap links of "Kommen Sie morgen?", signed like the offer answer links (``offers.tokens``).

A link names one question, its helper and one answer; it needs no login. It is single-use
because the question takes one answer (``services.why_closed`` says so afterwards), and it
closes when the assignment begins, moves or ends — and after three days in any case.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ki_match.extensions import db
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.tomorrow.services import Answer
from ki_match.urls import public_url

LINK_MAX_AGE = timedelta(days=3)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="day-before-answer")


def answer_token(check: DayBeforeCheck, answer: Answer) -> str:
    return _serializer().dumps(
        {"check": check.id, "helper": check.assignment.helper_id, "answer": answer.value}
    )


def answer_url(check: DayBeforeCheck, answer: Answer) -> str:
    return public_url("tomorrow.answer", token=answer_token(check, answer))


def check_from_token(token: str) -> tuple[DayBeforeCheck, Answer] | None:
    """The question and the answer a link stands for; None for a link that is not ours, is
    broken or too old, or whose helper is not the assignment's."""
    try:
        data = _serializer().loads(token, max_age=int(LINK_MAX_AGE.total_seconds()))
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("check"), int):
        return None
    check = db.session.get(DayBeforeCheck, data["check"])
    if check is None or check.assignment.helper_id != data.get("helper"):
        return None
    try:
        return check, Answer(data.get("answer"))
    except ValueError:
        return None
