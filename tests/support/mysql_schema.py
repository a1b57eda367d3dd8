"""A MariaDB test database migrated once per session (the template) and copied into each
test's fresh database: its tables' ``SHOW CREATE TABLE`` statements replayed, then its rows
(the Alembic version, anything a migration seeds) copied. Running every migration again took
about 0.23 s per test here; the copy takes about 0.05 s and gives the same schema, foreign
keys included (which ``CREATE TABLE ... LIKE`` would drop)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pymysql
from sqlalchemy.engine import make_url


@dataclass(frozen=True, slots=True)
class Schema:
    """The template database's name and its tables' DDL, in creation order."""

    template: str
    tables: tuple[tuple[str, str], ...]  # (name, CREATE TABLE statement)


def read_schema(connect: Callable[[], pymysql.Connection], template: str) -> Schema:
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f"SHOW TABLES FROM `{template}`")
        names = sorted(row[0] for row in cur.fetchall())
        tables = []
        for name in names:
            cur.execute(f"SHOW CREATE TABLE `{template}`.`{name}`")
            tables.append((name, cur.fetchone()[1]))
    return Schema(template, tuple(tables))


def clone(connect: Callable[[], pymysql.Connection], schema: Schema, url: str) -> None:
    """Give the empty database of ``url`` the template's tables and rows."""
    target = make_url(url).database
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f"USE `{target}`")
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for _, ddl in schema.tables:  # unqualified names: created in (and referring to) target
            cur.execute(ddl)
        for name, _ in schema.tables:
            cur.execute(f"INSERT INTO `{name}` SELECT * FROM `{schema.template}`.`{name}`")
        cur.execute("SET FOREIGN_KEY_CHECKS = 1")
