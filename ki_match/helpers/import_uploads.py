"""An uploaded pool table, kept between the preview and the import.

The table (already read, as text) waits in ``IMPORT_DIR`` (the instance folder) under a random
token, readable by the app's user only, for ``TTL`` at most; the URL holds the token and nothing
of the people in the file. Only the person who uploaded it, in her KI, gets it back. ``claim``
takes it for one import: of two clicks on "Importieren" only one finds it, the other is told
(``taken_or_imported``).

Why files, not the database: the table is personal data that lives for minutes and must not land
in backups or replicas. The folder must be shared by all app workers (one machine).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from ki_match.helpers.import_file import Table

TTL_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
SUFFIX = ".json"


@dataclass(frozen=True)
class Upload:
    token: str
    filename: str
    table: Table


def _folder() -> Path:
    folder = Path(current_app.config["IMPORT_DIR"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path | None:
    return _folder() / f"{token}{SUFFIX}" if TOKEN.match(token or "") else None


def store(table: Table, *, filename: str, ki_id: int, user_id: int) -> str:
    """Keep ``table`` for its uploader; the token to find it again."""
    sweep()
    token = secrets.token_urlsafe(24)
    content = {
        "ki": ki_id,
        "user": user_id,
        "filename": filename,
        "headers": list(table.headers),
        "rows": [[number, list(cells)] for number, cells in table.rows],
    }
    _write(_path(token), content)
    return token


def _write(path: Path, content: dict) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(content, file, ensure_ascii=False)


def load(token: str, *, ki_id: int, user_id: int) -> Upload | None:
    """The upload behind ``token`` if it is this user's, in this KI, and not expired."""
    sweep()  # nobody may wait for an upload to be the next one for old tables to go
    path = _path(token)
    return _read(path, token, ki_id, user_id) if path is not None else None


def _read(path: Path, token: str, ki_id: int, user_id: int) -> Upload | None:
    try:
        if time.time() - path.stat().st_mtime > TTL_SECONDS:
            return None
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if content.get("ki") != ki_id or content.get("user") != user_id:
        return None
    rows = tuple((number, tuple(cells)) for number, cells in content["rows"])
    return Upload(token, content["filename"], Table(tuple(content["headers"]), rows))


@contextmanager
def claim(token: str, *, ki_id: int, user_id: int):
    """The upload, taken for one import (None if it is gone or not this user's). It is deleted
    when the block ends without an error, and put back for another try when it raises."""
    path = _path(token)
    taken = path.with_suffix(".taken") if path is not None else None
    upload = load(token, ki_id=ki_id, user_id=user_id) if path is not None else None
    if upload is not None:
        try:
            path.rename(taken)  # atomic: a second click finds nothing
        except OSError:
            upload = None
    if upload is None:
        yield None
        return
    try:
        yield upload
    except BaseException:
        with suppress(OSError):
            taken.rename(path)
        raise
    _write(path.with_suffix(".done"), {"ki": ki_id, "user": user_id})  # owners only, no table
    taken.unlink(missing_ok=True)


def taken_or_imported(token: str, *, ki_id: int, user_id: int) -> bool:
    """Whether this user's upload is being imported or was imported (a second click, the back
    button): she is told so, instead of "not found"."""
    path = _path(token)
    if path is None:
        return False
    for marker in (path.with_suffix(".taken"), path.with_suffix(".done")):
        with suppress(OSError, ValueError):
            owner = json.loads(marker.read_text(encoding="utf-8"))
            if owner.get("ki") == ki_id and owner.get("user") == user_id:
                return True
    return False


def sweep() -> None:
    """Uploads nobody imported are deleted after ``TTL_SECONDS``."""
    limit = time.time() - TTL_SECONDS
    for path in _folder().iterdir():
        with suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()
