"""The bench's rows into the database: plain dictionaries, written in batches.

Rows are built as plain dictionaries with ids assigned here and written with
``executemany`` in batches (one ORM object per row would take an hour at
200,000 requests); ids are handed out here so offers can point at requests
without asking the database, and PostgreSQL's sequences are moved past them
at the end.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Table, func, insert, select, text

from ki_match.extensions import db

BATCH = 5_000


class Writer:
    """Buffers rows per table and writes them in batches, parents before children."""

    def __init__(self) -> None:
        self.rows: dict[Table, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.next_ids: dict[str, int] = {}

    def next_id(self, table: Table) -> int:
        if table.name not in self.next_ids:
            self.next_ids[table.name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        value = self.next_ids[table.name]
        self.next_ids[table.name] = value + 1
        return value

    def add(self, table: Table, **row) -> int | None:
        if "id" in table.c and "id" not in row:
            row["id"] = self.next_id(table)
        self.rows[table].append(row)
        if len(self.rows[table]) >= BATCH * 4:
            self.flush()
        return row.get("id")

    def flush(self) -> None:
        for table in db.metadata.sorted_tables:
            rows = self.rows.pop(table, None)
            for start in range(0, len(rows or ()), BATCH):
                chunk = rows[start : start + BATCH]
                db.session.execute(insert(table), chunk)
                self.counts[table.name] += len(chunk)

    def finish(self) -> None:
        self.flush()
        if db.engine.dialect.name == "postgresql":
            # A live database has statistics and a current visibility map (autovacuum sees to both
            # as rows arrive). Without statistics the planner takes these tables for empty and
            # picks nested loops over whole tables; without the map, the covering indexes that
            # matching reads (migration 0007) still fetch every row from the table.
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM (ANALYZE)")
            # Ids were handed out here; the next row the app inserts must not collide with them.
            for name in self.next_ids:
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 (table names from the model)
                        f"(SELECT coalesce(max(id), 1) FROM {name}))"
                    )
                )
        db.session.commit()
