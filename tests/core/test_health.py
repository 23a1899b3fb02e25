from sqlalchemy import text

from ki_match.core.health import migration_heads
from ki_match.extensions import db


def test_healthz_answers_without_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_ok_when_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_readyz_503_when_migrations_behind(app, client):
    (head,) = migration_heads()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'behind'"))
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["detail"] == "migrations not at head"
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})


def test_readyz_503_when_database_unreachable(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["detail"] == "database unreachable"
