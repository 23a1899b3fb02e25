"""``flask --app app bench``: build a state-scale data set in a fresh database and measure it."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ki_match.config import database_url
from ki_match.extensions import db

QUICK_SCALE = 2_000
FULL_SCALE = 15_000


@contextmanager
def fresh_database(server_url: str | None, keep: bool, echo, label: str = "bench") -> Iterator[str]:
    """A new, empty database: a SQLite file in a temporary directory, or a new
    database on the PostgreSQL server of ``server_url``; removed afterwards unless ``keep``.

    ``label`` goes into the names, so a database left behind says what made it
    (the test suite makes its databases here too).
    """
    if server_url is not None:
        try:
            make_url(database_url(server_url))
        except ArgumentError:
            raise click.BadParameter(
                "not a database URL; give postgresql://user@host/any_db or sqlite:////path/new-file.sqlite3",
                param_hint="--database-url",
            ) from None
    if server_url is None or make_url(database_url(server_url)).get_backend_name() == "sqlite":
        if server_url is not None:
            path = Path(make_url(server_url).database or "")
            if not path.name or path.exists():
                raise click.BadParameter(
                    "give a SQLite file that does not exist yet", param_hint="--database-url"
                )
            directory = None
        else:
            directory = Path(tempfile.mkdtemp(prefix=f"ki-match-{label}-"))
            path = directory / f"{label}.sqlite3"
        try:
            yield f"sqlite:///{path}"
        finally:
            if keep:
                echo(f"Kept the bench database: sqlite:///{path}")
            elif directory is not None:
                shutil.rmtree(directory, ignore_errors=True)
            else:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    server = make_url(database_url(server_url))
    name = f"ki_match_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            echo(f"Kept the bench database: {server.set(database=name).render_as_string(hide_password=True)}")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@click.command("bench")
@click.option("--scale", type=click.IntRange(min=20), default=FULL_SCALE, show_default=True, help="Helpers.")
@click.option("--quick", is_flag=True, help=f"Scale {QUICK_SCALE}.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--kis",
    type=click.IntRange(min=1),
    help="Integration centres the helpers are spread over. Default: one per 278 helpers, "
    "as the state's 15,000 over its 54 KIs; --kis 1 puts everyone in one KI (the worst case).",
)
@click.option(
    "--samples", type=click.IntRange(min=1), default=50, show_default=True, help="Requests per page."
)
@click.option(
    "--database-url",
    "target_url",
    help="A PostgreSQL server to create the bench database on (postgresql://user@host/any_db), or a "
    "new SQLite file; with --http: the kept bench database the server runs on. Default: SQLite in a temp dir.",
)
@click.option("--keep", is_flag=True, help="Keep the bench database and print its URL.")
@click.option(
    "--kept",
    is_flag=True,
    help="Measure the kept bench database of --database-url (from --build-only --keep) instead of building one.",
)
@click.option(
    "--repeat",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Measure N times on the same data set; each figure is the median of the runs, with its spread.",
)
@click.option(
    "--build-only", is_flag=True, help="Build the data set, measure nothing (with --keep, for --http)."
)
@click.option("--http", "http_url", metavar="URL", help="Drive a running server on a bench database instead.")
@click.option("--concurrency", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--duration", type=click.FloatRange(min=1), default=60, show_default=True, help="Seconds.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print every figure as one JSON object on the last line."
)
def bench_command(
    scale: int,
    quick: bool,
    seed: int,
    kis: int | None,
    samples: int,
    target_url: str | None,
    keep: bool,
    kept: bool,
    repeat: int,
    build_only: bool,
    http_url: str | None,
    concurrency: int,
    duration: float,
    as_json: bool,
) -> None:
    """Matching and page latencies on a synthetic data set of SCALE helpers (README: Performance)."""
    if (http_url or kept) and not target_url:
        raise click.UsageError("--http and --kept need --database-url of the kept bench database.")
    if http_url:
        figures = _drive(http_url, target_url, concurrency, duration, seed)
    elif kept:
        figures = _measure_kept(target_url, seed, samples, repeat)
    else:
        figures = _build_and_measure(
            QUICK_SCALE if quick else scale, seed, kis, samples, repeat, target_url, keep, build_only
        )
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))


def _build_and_measure(scale, seed, kis, samples, repeat, server_url, keep, build_only) -> dict:
    from flask_migrate import upgrade

    from ki_match.devtools.bench import dataset, harness

    with fresh_database(server_url, keep, click.echo) as uri:
        app = harness.bench_app(uri)
        try:
            with app.app_context():
                started = time.perf_counter()
                upgrade()
                migrated = time.perf_counter() - started
                built = dataset.Builder(scale, seed, kis)
                click.echo(f"Building {scale} helpers in {built.kis} KIs on {db.engine.dialect.name} …")
                built = built.build()
                counts = ", ".join(
                    f"{built.counts.get(t, 0)} {t}" for t in ("help_request", "offer", "assignment")
                )
                click.echo(f"  built in {built.seconds:.1f} s (migrations {migrated:.1f} s): {counts}")
                data = dataset.describe()
                dialect = db.engine.dialect.name
            figures = {
                "scale": scale,
                "kis": built.kis,
                "database": dialect,
                "build_s": round(built.seconds, 1),
            }
            if not build_only:
                figures |= harness.measure_repeated(
                    app, data, seed=seed, samples=samples, repeat=repeat, echo=click.echo
                )
                click.echo(f"  peak RSS {figures['peak_rss_mb']} MB")
            else:
                figures |= {"peak_rss_mb": harness.peak_rss_mb(), "coordinators": data.coordinators[:3]}
                click.echo(f"  logins: {data.coordinators[0]} … password {data.password}")
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return figures


def _open_kept(bench_url: str):
    """The app on a kept bench database, and what the harness needs to know about it."""
    from ki_match.devtools.bench import dataset, harness

    app = harness.bench_app(database_url(bench_url))
    with app.app_context():
        data = dataset.describe()
        dialect = db.engine.dialect.name
        db.session.remove()
        db.engine.dispose()
    if not data.coordinators or not data.open_request_ids:
        raise click.ClickException(
            "this database holds no bench data set (build one with --build-only --keep)"
        )
    return app, data, {"scale": data.scale, "kis": data.kis, "database": dialect}


def _measure_kept(bench_url: str, seed: int, samples: int, repeat: int) -> dict:
    from ki_match.devtools.bench import harness

    app, data, figures = _open_kept(bench_url)
    click.echo(f"Measuring the kept bench database: {data.scale} helpers in {data.kis} KIs …")
    try:
        return figures | harness.measure_repeated(
            app, data, seed=seed, samples=samples, repeat=repeat, echo=click.echo
        )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _drive(http_url: str, bench_url: str, concurrency: int, duration: float, seed: int) -> dict:
    import random

    from ki_match.devtools.bench import harness
    from ki_match.devtools.bench import http as load

    app, data, figures = _open_kept(bench_url)
    found = harness.pages(app, data, random.Random(seed))
    try:
        return figures | load.run(
            http_url, data, found, concurrency=concurrency, duration=duration, seed=seed, echo=click.echo
        )
    except load.LoginFailed as error:
        raise click.ClickException(str(error)) from None
