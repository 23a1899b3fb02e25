"""Every status change of a request goes through the one transition table, and leaves a trail."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import select

import ki_match
from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.requests import lifecycle
from ki_match.requests.lifecycle import TRANSITIONS, TransitionError, transition
from ki_match.requests.models import HelpRequest, RequestStatus, RequestStatusChange
from tests.factories import language, make_request

PACKAGE = Path(ki_match.__file__).parent


def test_a_stored_request_refuses_a_status_set_past_the_table(app, create_user):
    request = make_request(created_by=create_user(Role.COORDINATOR))
    with pytest.raises(TransitionError, match="outside requests.lifecycle.transition"):
        request.status = RequestStatus.FILLED
    db.session.rollback()
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.OPEN


@pytest.mark.parametrize("source", [status for status in TRANSITIONS if status is not None])
def test_each_move_is_allowed_exactly_when_the_table_says(app, create_user, source):
    coordinator = create_user(Role.COORDINATOR)
    for target in RequestStatus:
        if target == source:
            continue
        request = make_request(created_by=coordinator, status=source)
        if target in TRANSITIONS[source]:
            transition(request, target, actor=coordinator, note="test")
            db.session.commit()
            change = db.session.scalar(
                select(RequestStatusChange)
                .where(RequestStatusChange.request_id == request.id)
                .order_by(RequestStatusChange.id.desc())
            )
            assert (change.from_status, change.to_status, change.actor_id) == (source, target, coordinator.id)
            assert db.session.get(HelpRequest, request.id).status == target
        else:
            with pytest.raises(TransitionError):
                transition(request, target, actor=coordinator)
            db.session.rollback()
            assert db.session.get(HelpRequest, request.id).status == source


def test_a_new_request_starts_in_the_tables_first_row(app, ki, create_user):
    from ki_match.requests.data import RequestData
    from ki_match.requests.models import RequestKind

    coordinator = create_user(Role.COORDINATOR)
    data = RequestData(kind=RequestKind.WRITTEN, language_id=language("ar").id)
    created = lifecycle.create(ki, data, coordinator, open_now=False)
    db.session.commit()
    [first] = db.session.scalars(
        select(RequestStatusChange).where(RequestStatusChange.request_id == created.id)
    )
    assert first.from_status is None and first.to_status in TRANSITIONS[None]


def _status_writes_outside_the_lifecycle() -> list[str]:
    """Places that could change a request's status without the door: ``.status =`` on something
    named like a request, or a bulk ``update(HelpRequest)`` that sets ``status``."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "lifecycle.py" and path.parent.name == "requests":
            continue
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr == "status"
                        and isinstance(target.value, ast.Name)
                        and re.search(r"req", target.value.id)
                    ):
                        found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
        for match in re.finditer(r"update\(HelpRequest\)(?:(?!\n\n).)*?\.values\(([^)]*)\)", source, re.S):
            if "status" in match.group(1):
                found.append(f"{path.relative_to(PACKAGE.parent)}: bulk update of status")
    return found


def test_no_code_sets_a_request_status_but_the_lifecycle():
    assert _status_writes_outside_the_lifecycle() == []
