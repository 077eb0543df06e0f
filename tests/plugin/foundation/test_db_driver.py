"""plugin.db_driver reads results as SQLAlchemy's own execution would, on SQLite and on PostgreSQL."""

from __future__ import annotations

import decimal

import sqlalchemy as sa

from plugin.db_driver import DriverStatement

# PostgreSQL's numeric result processors need the column's type OID, which a statement compiled ahead
# does not have from a cursor (a Float column once failed there only, on the catalog's first page).
NUMBERS = DriverStatement(lambda _: sa.select(
    sa.cast(sa.bindparam("ratio", type_=sa.Float()), sa.Float()),
    sa.cast(sa.bindparam("price", type_=sa.Numeric(6, 2)), sa.Numeric(6, 2)),
    sa.cast(sa.bindparam("count", type_=sa.Integer()), sa.Integer())))


def test_float_numeric_and_integer_results_come_back_as_their_python_types(runtime):
    with runtime.sessions() as session:
        row = NUMBERS.first(session, {"ratio": 0.25, "price": decimal.Decimal("12.50"), "count": 3})
    assert row == (0.25, decimal.Decimal("12.50"), 3)
    assert type(row[0]) is float and type(row[1]) is decimal.Decimal and type(row[2]) is int
