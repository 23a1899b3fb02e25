"""In-process measurements: the matcher and the busiest pages, through the WSGI app.

Pages are requested with Flask's test client, logged in through the real
login form, so every figure includes routing, the access policy, the session
lookup, the queries and the templates, but no network and no web server.
The same harness on ``/healthz`` gives the floor a page cannot go below on
this machine; the ratio to it makes figures from different machines
comparable.
"""

from __future__ import annotations

import math
import os
import random
import resource
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select

from ki_match import create_app
from ki_match.clock import BERLIN, utcnow
from ki_match.devtools.bench.dataset import Dataset
from ki_match.extensions import db
from ki_match.matching.services import match
from ki_match.orgs.models import Ki
from ki_match.requests.models import HelpRequest
from ki_match.requests.queries import request_in_ki

MATCH_SAMPLES = 200
HTMX = {"HX-Request": "true"}


# The shared pool (helpers of other KIs for rare languages, by phone or video): a request page whose
# KI's own pool has no candidate ranks its own helpers, then the other sharing KIs' ones
# (``match(pool=True)``, the page's call). ``shared_pool_match_ms`` times that on the data set's
# open phone/video requests in the languages their own KI has fewest speakers of
# (``Dataset.shared_pool_request_ids``), those of them of a sharing KI that its own pool cannot
# fill: for the others the page asks no pool.
def _pool_page_match(request: HelpRequest) -> object:
    return match(request, pool=True)


SHARED_POOL_MATCH: Callable[[HelpRequest], object] | None = _pool_page_match


def bench_app(database_uri: str) -> Flask:
    """The app on the bench database. CSRF and rate limits are off here only:
    one client logs in over and over and posts no forms."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "TESTING": False,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "memory",
        }
    )


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: a value that was measured, not interpolated."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 0.50), 2),
        "p95": round(percentile(values, 0.95), 2),
        "max": round(max(values), 2),
    }


def peak_rss_mb() -> float:
    # Linux reports kilobytes.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure_match(
    app: Flask,
    request_ids: list[int],
    rng: random.Random,
    samples: int,
    ranker: Callable[[HelpRequest], object] = match,
) -> tuple:
    """Milliseconds to rank the candidates of ``samples`` random open requests: wall clock, and
    this process's CPU time (closer to an idle machine's wall clock when others share the CPU)."""
    chosen = [rng.choice(request_ids) for _ in range(samples)]
    timings, cpu = [], []
    for request_id in chosen:
        # A fresh session per request, as each page view has: nothing cached from the last one.
        # It ends as a page view's does (the app context's teardown: ``db.end_reading``), so the
        # connection keeps the statements psycopg prepared, as a server's connections do.
        with app.app_context():
            _ki, help_request = _as_the_page_loads_it(request_id)
            started, started_cpu = time.perf_counter(), time.process_time()
            ranker(help_request)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return summary(timings), summary(cpu)


def _as_the_page_loads_it(request_id: int) -> tuple[Ki, HelpRequest]:
    """The request with what the request page has loaded before it ranks (``get_request``: its
    town and languages; the KI, which the page holds for the whole request), so the timing is the
    ranking's, not lazy loads the page never makes. The caller holds the KI: the session keeps
    only what is referenced."""
    ki = db.session.get(Ki, db.session.scalar(select(HelpRequest.ki_id).where(HelpRequest.id == request_id)))
    return ki, request_in_ki(ki, request_id)


def _asking_the_pool(app: Flask, request_ids: list[int]) -> list[int]:
    """Those of ``request_ids`` whose KI shares its pool and whose own helpers hold no candidate
    (decided before any timing); all of them if none is left (a small data set)."""
    kept = []
    for request_id in request_ids:
        with app.app_context():
            _ki, help_request = _as_the_page_loads_it(request_id)
            if help_request.ki.shares_pool and not match(help_request).candidates:
                kept.append(request_id)
    return kept or request_ids


class PageError(RuntimeError):
    pass


def login(client: FlaskClient, email: str, password: str) -> FlaskClient:
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code not in (302, 303):
        raise PageError(f"login as {email} answered {response.status_code}")
    return client


@dataclass
class Page:
    """One page to time: the role that asks for it, and a URL (with headers) for each sample."""

    name: str
    role: str
    url: Callable[[int], str]
    headers: dict = field(default_factory=dict)


COORDINATOR, HELPER = "coordinator", "helper"


def pages(app: Flask, data: Dataset, rng: random.Random) -> list[Page]:
    """The pages the benchmark times, with the URLs and headers a real visit sends."""
    requests = rng.sample(data.open_request_ids, min(len(data.open_request_ids), 100))

    def build(endpoint: str, **args) -> str:
        with app.test_request_context():
            return url_for(endpoint, **args)

    def request_url(endpoint: str) -> Callable[[int], str]:
        built = [build(endpoint, request_id=request_id) for request_id in requests]
        return lambda index: built[index % len(built)]

    def fixed(endpoint: str, **args) -> Callable[[int], str]:
        built = build(endpoint, **args)
        return lambda index: built

    found = [
        Page("coordinator_dashboard", COORDINATOR, fixed("home.index")),
        Page("request_page", COORDINATOR, request_url("requests.show")),
        Page(
            "candidate_partial",
            COORDINATOR,
            request_url("requests.candidates"),
            {**HTMX, "HX-Target": "candidates"},
        ),
    ]
    if data.inbox_helpers:
        found.append(Page("helper_inbox", HELPER, fixed("offers.inbox")))
    # The directory filtered as someone types a language into its search field.
    found.append(
        Page(
            "directory_search",
            COORDINATOR,
            fixed("directory.index", q="Arabisch"),
            {**HTMX, "HX-Target": "directory-results"},
        )
    )
    # Last month: the most recent complete month, the report a coordinator runs most.
    last_month = utcnow().astimezone(BERLIN).date().replace(day=1) - timedelta(days=1)
    found.append(
        Page(
            "monthly_report",
            COORDINATOR,
            fixed("reports.index", period="month", year=last_month.year, month=last_month.month),
        )
    )
    return found


def time_page(
    page: Page, client: Callable[[int], FlaskClient], samples: int, warmup: int = 3
) -> tuple[list[float], list[float]]:
    """Milliseconds per sample: wall clock, and this process's CPU time (the app's work)."""
    timings, cpu = [], []
    for index in range(-warmup, samples):
        url, asking = page.url(index), client(index)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = asking.get(url, headers=page.headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise PageError(f"{page.name}: GET {url} answered {response.status_code}")
        if index >= 0:
            timings.append(elapsed)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return timings, cpu


def _echo_figure(echo: Callable[[str], None], name: str, m: dict) -> None:
    echo(f"  {name:22} p50 {m['p50']:8.1f}  p95 {m['p95']:8.1f}  max {m['max']:8.1f}")


def measure(app: Flask, data: Dataset, *, seed: int, samples: int, echo: Callable[[str], None]) -> dict:
    """Every figure of issue 8 except the build time, printed as it is measured."""
    rng = random.Random(seed)
    figures: dict = {}
    echo(f"Matching {MATCH_SAMPLES} random open requests …")
    figures["match_ms"], figures["match_cpu_ms"] = measure_match(
        app, data.all_open_request_ids, rng, MATCH_SAMPLES
    )
    for name in ("match_ms", "match_cpu_ms"):
        _echo_figure(echo, name, figures[name])
    if SHARED_POOL_MATCH is not None and data.shared_pool_request_ids:
        echo("Matching in the shared pool …")
        figures["shared_pool_match_ms"], figures["shared_pool_match_cpu_ms"] = measure_match(
            app,
            _asking_the_pool(app, data.shared_pool_request_ids),
            rng,
            MATCH_SAMPLES,
            ranker=SHARED_POOL_MATCH,
        )
        for name in ("shared_pool_match_ms", "shared_pool_match_cpu_ms"):
            _echo_figure(echo, name, figures[name])

    anonymous = app.test_client()
    healthz = Page("baseline", "anonymous", lambda index: "/healthz")
    baseline = summary(time_page(healthz, lambda index: anonymous, samples * 2)[0])
    figures["baseline_ms"] = {"p50": baseline["p50"], "p95": baseline["p95"]}
    echo(f"  baseline_ms (/healthz) p50 {baseline['p50']:8.2f}  p95 {baseline['p95']:8.2f}")

    clients = {
        COORDINATOR: [login(app.test_client(), email, data.password) for email in data.coordinators[:3]],
        HELPER: [login(app.test_client(), email, data.password) for email in data.inbox_helpers[:5]],
    }
    figures["pages"] = {}
    for page in pages(app, data, rng):
        pool = clients[page.role]
        try:
            timings, cpu = time_page(page, lambda index, pool=pool: pool[index % len(pool)], samples)
        except PageError as error:
            # One broken page must not cost the figures of the others (and a long build).
            figures.setdefault("failed", {})[page.name] = str(error)
            echo(f"  {page.name:22} FAILED: {error}")
            continue
        wall, cpu = summary(timings), summary(cpu)
        ratio = round(wall["p50"] / baseline["p50"], 1) if baseline["p50"] else None
        figures["pages"][page.name] = {
            "p50": wall["p50"],
            "p95": wall["p95"],
            "ratio": ratio,
            "cpu_p50": cpu["p50"],
            "cpu_p95": cpu["p95"],
        }
        echo(
            f"  {page.name:22} p50 {wall['p50']:8.1f}  p95 {wall['p95']:8.1f}  ({ratio}× baseline p50)"
            f"  CPU p50 {cpu['p50']:6.1f}"
        )
    figures["peak_rss_mb"] = peak_rss_mb()
    # Other work on the machine slows every figure; the one-minute load average says how much there was.
    figures["load_avg"] = round(os.getloadavg()[0], 2)
    echo(f"  load average {figures['load_avg']} on {os.cpu_count()} CPUs")
    return figures


def measure_repeated(
    app: Flask, data: Dataset, *, seed: int, samples: int, repeat: int, echo: Callable[[str], None]
) -> dict:
    """``measure`` ``repeat`` times on the same data set and the same samples (the same seed), so the
    runs differ only by the machine's noise; per figure the median of the runs, and its spread."""
    runs = []
    for number in range(1, repeat + 1):
        if repeat > 1:
            echo(f"Run {number} of {repeat}")
        runs.append(measure(app, data, seed=seed, samples=samples, echo=echo))
    if repeat == 1:
        return runs[0]
    figures = median_of_runs(runs)
    figures["repeat"] = repeat
    figures["peak_rss_mb"] = peak_rss_mb()
    echo(f"Median of {repeat} runs (p50 / p95, in brackets the lowest and highest run's p95):")
    named = {name: figures[name] for name in figures if name.endswith("_ms")} | figures.get("pages", {})
    for name, m in named.items():
        low, high = m["spread"]["p95"]
        echo(f"  {name:26} {m['p50']:8.1f} / {m['p95']:8.1f}   [{low:.1f} … {high:.1f}]")
    return figures


def median_of_runs(runs: list[dict]) -> dict:
    """The runs' figures as one: each number the median of the runs' (a figure missing from a run,
    a page that failed there, counts from the others); each p50 and p95 also with its ``spread``,
    the lowest and the highest run's value."""
    combined: dict = {}
    for key in dict.fromkeys(key for run in runs for key in run):
        values = [run[key] for run in runs if key in run]
        if isinstance(values[0], dict):
            combined[key] = median_of_runs(values)
        elif isinstance(values[0], int | float) and not isinstance(values[0], bool):
            combined[key] = round(statistics.median(values), 2)
        else:
            combined[key] = values[-1]
    if "p50" in combined and "p95" in combined:
        combined["spread"] = {
            share: [min(run[share] for run in runs), max(run[share] for run in runs)]
            for share in ("p50", "p95")
        }
    return combined
