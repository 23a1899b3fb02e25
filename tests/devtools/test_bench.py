"""The benchmark: the synthetic data set has the promised shape, and both modes run end to end.

Timings are not asserted: they depend on the machine. Scales are tiny so the file runs in seconds.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from ki_match import create_app
from ki_match.devtools.bench import dataset
from ki_match.devtools.commands import bench_command
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests.models import Assignment, HelpRequest, Offer

PAGES = ("coordinator_dashboard", "request_page", "candidate_partial", "helper_inbox")


@pytest.fixture(autouse=True)
def few_match_samples(monkeypatch):
    """Ten rankings instead of 200 per figure: the tests check the figures' shape, not their size."""
    from ki_match.devtools.bench import harness

    monkeypatch.setattr(harness, "MATCH_SAMPLES", 10)


def server_option() -> list[str]:
    """On a PostgreSQL run the bench creates (and drops) its own database on the same server."""
    server = os.environ.get("KI_MATCH_TEST_POSTGRES")
    return ["--database-url", server] if server else []


def test_dataset_has_the_promised_shape(app):
    built = dataset.build(60, seed=3, kis=2)

    helpers = db.session.scalar(select(func.count()).select_from(HelperProfile))
    assert helpers == 60
    assert db.session.scalar(select(func.count()).select_from(Ki)) == 2
    languages = Counter(db.session.scalars(select(HelperLanguage.helper_id)))
    assert set(languages.values()) <= {2, 3, 4}
    assert len(languages) == helpers
    slots = Counter(db.session.scalars(select(AvailabilitySlot.helper_id)))
    assert set(slots.values()) <= {3, 4, 5, 6}
    assert len(slots) == helpers
    requests = db.session.scalar(select(func.count()).select_from(HelpRequest))
    assert requests == pytest.approx(helpers * 200_000 / 15_000, abs=2)
    # A year of work: most requests were offered to someone, and many filled.
    assert db.session.scalar(select(func.count()).select_from(Offer)) > requests
    assert db.session.scalar(select(func.count()).select_from(Assignment)) > requests / 2
    assert built.counts["help_request"] == requests
    described = dataset.describe()
    assert described.coordinators and described.inbox_helpers and described.open_request_ids
    assert set(described.open_request_ids) < set(described.all_open_request_ids)


def test_the_matching_engine_agrees_with_the_bench_assignments_and_waiting_offers(app):
    """The bench asks the engine who takes a request and whom an offer still waits for; read
    back from the database, the engine agrees. Each helper is judged as at the time (approved:
    the bench only considers helpers approved before the request was made), and an assignment
    does not count against its own month's cap."""
    from ki_match.matching import queries
    from ki_match.matching.engine import Words, hard_rule_failures

    dataset.build(60, seed=5, kis=2)
    languages = queries.languages(db.session.scalar(select(Ki.id)))
    german, words = queries.german_id(languages), Words()
    requests = db.session.scalars(
        select(HelpRequest).where(HelpRequest.status.in_(("filled", "completed", "offered"))).limit(150)
    ).all()
    checked = 0
    for request in requests:
        taken = {a.helper_id for a in request.assignments}
        waiting = {o.helper_id for o in request.offers if o.status.value == "pending"}
        facts = queries.request_facts(request)
        ids = select(HelperProfile.id).where(HelperProfile.id.in_(taken | waiting))
        for helper in queries.helper_facts(request.ki_id, facts, german, ids=ids):
            helper.approved = True
            if helper.id in taken and facts.starts_at is not None:
                helper.assignments_in_month -= 1
            rules = {f.rule for f in hard_rule_failures(facts, helper, str, words)}
            if facts.starts_at is None:
                rules.discard("cap")  # the database counts a month by start times, which this lacks
            if helper.id in taken:
                assert rules == set(), (request.id, request.kind, rules)
            else:
                assert len(rules) <= 1, (request.id, request.kind, rules)  # a candidate or a near miss
            checked += 1
    assert checked >= 100


def test_bench_prints_every_figure_as_json_on_the_last_line(app):
    result = app.test_cli_runner().invoke(
        bench_command, ["--scale", "40", "--kis", "1", "--samples", "2", "--json", *server_option()]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["scale"] == 40
    assert figures["database"] == ("postgresql" if server_option() else "sqlite")
    assert set(figures["match_ms"]) == {"p50", "p95", "max"}
    assert set(figures["baseline_ms"]) == {"p50", "p95"}
    assert set(PAGES) <= set(figures["pages"])
    for page in figures["pages"].values():
        assert set(page) == {"p50", "p95", "ratio", "cpu_p50", "cpu_p95"}
        assert 0 < page["cpu_p50"] <= page["cpu_p95"]
    assert figures["peak_rss_mb"] > 0
    assert figures["build_s"] >= 0
    assert {"directory_search", "monthly_report"} <= set(figures["pages"])


def test_the_kis_are_set_up_through_the_installation_service(app):
    """Each KI as ``flask ki create`` makes it (its audit event says so), named after an NRW
    Kreis or kreisfreie Stadt, with its towns and one admin."""
    from ki_match.accounts.models import Role, User
    from ki_match.audit.models import AuditEvent
    from ki_match.devtools.bench.kis import NRW
    from ki_match.reference.models import Town

    dataset.build(45, seed=2, kis=3)

    kis = db.session.scalars(select(Ki).order_by(Ki.id)).all()
    assert [(ki.slug, ki.name) for ki in kis] == NRW[:3]
    created = set(db.session.scalars(select(AuditEvent.subject_id).where(AuditEvent.action == "ki.created")))
    assert {ki.id for ki in kis[1:]} <= created  # the first, the default KI, the test database had
    for ki in kis:
        assert db.session.scalar(select(func.count()).select_from(Town).where(Town.ki_id == ki.id)) == 10
        admins = select(func.count()).select_from(User).where(User.ki_id == ki.id, User.role == Role.ADMIN)
        assert db.session.scalar(admins) >= 1
    described = dataset.describe()
    assert described.shared_pool_request_ids
    remote = db.session.scalars(
        select(HelpRequest.kind).where(HelpRequest.id.in_(described.shared_pool_request_ids))
    )
    assert {kind.value for kind in remote} == {"remote"}


def test_the_median_of_runs_keeps_every_figure_with_its_spread():
    from ki_match.devtools.bench.harness import median_of_runs

    runs = [
        {"match_ms": {"p50": p50, "p95": p50 * 2, "max": 99.0}, "pages": {"inbox": {"p50": p50, "p95": 9.0}}}
        for p50 in (3.0, 1.0, 2.0)
    ]
    runs[1]["pages"]["report"] = {"p50": 7.0, "p95": 8.0}  # measured in one run only (failed in the others)
    runs[2]["failed"] = {"report": "GET /reports answered 500"}

    combined = median_of_runs(runs)

    assert combined["match_ms"] == {
        "p50": 2.0,
        "p95": 4.0,
        "max": 99.0,
        "spread": {"p50": [1.0, 3.0], "p95": [2.0, 6.0]},
    }
    assert combined["pages"]["inbox"]["spread"] == {"p50": [1.0, 3.0], "p95": [9.0, 9.0]}
    assert combined["pages"]["report"]["p50"] == 7.0
    assert combined["failed"] == {"report": "GET /reports answered 500"}


def test_repeat_measures_the_same_data_set_n_times_and_reports_medians(app, monkeypatch):
    """Built once, measured twice; the shared pool's ranking is timed once it is wired in."""
    from ki_match.devtools.bench import harness
    from ki_match.matching.services import match

    built = []
    monkeypatch.setattr(dataset.Builder, "build", _counting(dataset.Builder.build, built))
    ranked = []
    monkeypatch.setattr(
        harness, "SHARED_POOL_MATCH", lambda request: ranked.append(request.kind) or match(request)
    )
    result = app.test_cli_runner().invoke(
        bench_command,
        ["--scale", "40", "--kis", "2", "--samples", "2", "--repeat", "2", "--json", *server_option()],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert len(built) == 1
    assert figures["repeat"] == 2
    assert "Run 2 of 2" in result.output and "Median of 2 runs" in result.output
    for figure in (figures["match_ms"], figures["shared_pool_match_ms"], *figures["pages"].values()):
        low, high = figure["spread"]["p95"]
        assert low <= figure["p95"] <= high
    assert len(ranked) == 2 * harness.MATCH_SAMPLES
    assert {kind.value for kind in ranked} == {"remote"}


def _counting(function, calls: list):
    def counted(*args, **kwargs):
        calls.append(1)
        return function(*args, **kwargs)

    return counted


def test_a_path_instead_of_a_database_url_is_named_as_such(app, tmp_path):
    result = app.test_cli_runner().invoke(
        bench_command, ["--build-only", "--database-url", str(tmp_path / "bench.sqlite3")]
    )
    assert result.exit_code == 2
    assert "--database-url" in result.output and "not a database URL" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def kept_bench_database(app, tmp_path):
    """A tiny bench database that outlives the command, as for a server run."""
    target = server_option() or ["--database-url", f"sqlite:///{tmp_path / 'bench.sqlite3'}"]
    result = app.test_cli_runner().invoke(
        bench_command, ["--scale", "40", "--kis", "1", "--build-only", "--keep", *target]
    )
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1].split("Kept the bench database: ", 1)[1]
    yield url
    if server_option():
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from ki_match.config import database_url

        admin = create_engine(database_url(server_option()[1]), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


def test_a_kept_bench_database_is_measured_without_building(app, kept_bench_database, monkeypatch):
    built = []
    monkeypatch.setattr(dataset.Builder, "build", _counting(dataset.Builder.build, built))
    result = app.test_cli_runner().invoke(
        bench_command, ["--kept", "--database-url", kept_bench_database, "--samples", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert built == []
    assert figures["scale"] == 40
    assert set(PAGES) <= set(figures["pages"])
    assert "repeat" not in figures and "spread" not in figures["match_ms"]


def test_kept_needs_the_database(app):
    result = app.test_cli_runner().invoke(bench_command, ["--kept"])
    assert result.exit_code == 2
    assert "--database-url" in result.output


def test_http_mode_drives_a_live_server_without_errors(app, kept_bench_database):
    from ki_match.config import database_url

    # As in production: CSRF on the login form, rate limits on, one trusted proxy hop.
    served = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url(kept_bench_database),
            "TESTING": False,
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": True,
            "PROXY_FIX_X_FOR": 1,
        }
    )
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = app.test_cli_runner().invoke(
            bench_command,
            [
                "--http",
                f"http://127.0.0.1:{server.port}",
                "--database-url",
                kept_bench_database,
                "--concurrency",
                "4",
                "--duration",
                "2",
                "--json",
            ],
        )
    finally:
        server.shutdown()
        with served.app_context():
            db.engine.dispose()
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["errors"] == 0
    assert figures["requests"] > 0
    assert {"p50", "p95", "p99"} == set(figures["latency_ms"])
    assert figures["throughput_rps"] > 0
    # Two seconds on a busy machine may not reach every page; each one reached is named as in-process.
    assert figures["pages"] and set(figures["pages"]) <= {*PAGES, "directory_search", "monthly_report"}
