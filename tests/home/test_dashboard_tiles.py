"""Every tile of the coordinators' start page counts exactly what the list it links to shows: the
next 48 hours (with the edges of the window, and written translations "fällig"), the requests out
with helpers, the status table; and the attention list words each reason as it is."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ki_match.clock import BERLIN, utcnow
from ki_match.requests.models import RequestKind, RequestStatus
from tests.factories import make_request


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def tile(html: str, tab: str) -> int:
    found = re.search(rf'href="/requests\?tab={tab}">\s*<span class="figure">(\d+)</span>', html)
    assert found, tab
    return int(found.group(1))


def listed(client, tab: str) -> set[str]:
    html = body(client.get(f"/requests?tab={tab}"))
    refs = set(re.findall(r"<td>([a-z]+(?:-[a-z0-9]+)+)(?:<br>|</td>)", html))  # the client references
    count = re.search(rf'id="tab-{tab}"[^>]*>[^<]*<span class="count">(\d+)</span>', html)
    assert int(count.group(1)) == len(refs)
    return refs


def written(ref: str, due_in_days: int, **columns):
    today = utcnow().astimezone(BERLIN).date()
    return make_request(
        client_ref=ref,
        kind=RequestKind.WRITTEN,
        town_id=None,
        due_on=today + timedelta(days=due_in_days),
        **columns,
    )


def test_the_48_hours_tile_counts_what_its_list_shows_up_to_the_edges(client, desk):
    now = utcnow()
    make_request(client_ref="in-einer-stunde", starts_in=timedelta(hours=1))
    make_request(client_ref="knapp-drin", starts_in=timedelta(hours=47, minutes=58))
    make_request(client_ref="knapp-draussen", starts_in=timedelta(hours=48, minutes=2))
    make_request(client_ref="angefragt-bald", status=RequestStatus.OFFERED, starts_in=timedelta(hours=10))
    make_request(client_ref="besetzt-bald", status=RequestStatus.FILLED, starts_in=timedelta(hours=10))
    make_request(client_ref="schon-vorbei", starts_in=timedelta(hours=-1))
    written("heute-faellig", 0)
    last_day = (now + timedelta(hours=48)).astimezone(BERLIN).date() - now.astimezone(BERLIN).date()
    written("am-letzten-tag-faellig", last_day.days)
    written("danach-faellig", last_day.days + 1)

    html = body(client.get("/"))
    soon = {"in-einer-stunde", "knapp-drin", "angefragt-bald", "heute-faellig", "am-letzten-tag-faellig"}
    assert listed(client, "soon") == soon
    assert tile(html, "soon") == len(soon)
    # The attention list says "fällig" for a translation and "beginnt" for an appointment.
    attention = body(client.get("/requests?tab=attention"))
    line = attention.split(">heute-faellig<")[1].split("</tr>")[0]
    assert "ist in den nächsten 48 Stunden fällig" in line and "beginnt" not in line
    line = attention.split(">in-einer-stunde<")[1].split("</tr>")[0]
    assert "beginnt in weniger als 48 Stunden" in line


def test_the_dashboards_attention_items_say_faellig_for_a_translation(client, desk):
    written("heute-faellig", 0)
    html = body(client.get("/"))
    section = html.split('id="attention-heading"')[1].split("</section>")[0]
    assert "ist in den nächsten 48 Stunden fällig und noch nicht besetzt" in section
    assert "beginnt" not in section


def test_the_offered_tile_counts_the_requests_its_tab_lists(client, desk, create_helper):
    make_request(client_ref="angefragt-1", status=RequestStatus.OFFERED)
    make_request(client_ref="angefragt-2", status=RequestStatus.OFFERED)
    make_request(client_ref="offen-1")
    html = body(client.get("/"))
    assert tile(html, "offered") == len(listed(client, "offered")) == 2


def test_each_status_row_counts_what_its_tab_lists(client, desk):
    make_request(client_ref="abgesagt-1", status=RequestStatus.CANCELLED)
    make_request(client_ref="abgelehnt-1", status=RequestStatus.DECLINED)
    make_request(client_ref="offen-1")
    html = body(client.get("/"))
    table = html.split('id="status-heading"')[1].split("</table>")[0]
    rows = re.findall(r'<a href="/requests\?tab=(\w+)">[^<]*</a></th>\s*<td class="num">(\d+)</td>', table)
    assert rows, table
    for tab, count in rows:
        assert int(count) == len(listed(client, tab)), tab
    assert ("cancelled", "2") in rows and "abgesagt oder abgelehnt" in table
