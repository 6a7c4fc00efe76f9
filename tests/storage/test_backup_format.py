"""Values through the export's JSON and back, for column types the tables use today and some they
may use tomorrow (bytes, decimals, JSON documents, naive moments), and what a bad value is told."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import JSON, Column, Date, DateTime, Integer, LargeBinary, MetaData, Numeric, Table, Time

from bot.storage.backup_format import BackupError, decode_row, decoders, row_line
from bot.storage.columns import AwareDateTime

TABLE = Table(
    "odd",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("moment", AwareDateTime),
    Column("naive", DateTime),
    Column("day", Date),
    Column("clock", Time),
    Column("blob", LargeBinary),
    Column("amount", Numeric(10, 4)),
    Column("document", JSON),
)
ROW = {
    "id": 7,
    "moment": dt.datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=dt.UTC),
    "naive": dt.datetime(2026, 3, 1, 8, 0),
    "day": dt.date(1, 1, 18),
    "clock": dt.time(21, 45, 30, 5),
    "blob": b"\x00\xff\n binary",
    "amount": Decimal("12.3400"),
    "document": {"a": [1, 2.5, None, "二"]},
}


def test_every_kind_of_value_comes_back_the_same() -> None:
    line = row_line("odd", list(ROW), list(ROW.values()))
    record = json.loads(line)
    assert record["row"]["moment"] == "2026-03-01T23:59:59.999999+00:00"
    assert record["row"]["blob"] == "AP8KIGJpbmFyeQ=="
    assert decode_row(decoders(TABLE), record["row"], "line 2") == ROW


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("id", "7", "column id: '7' is not of type int"),
        ("id", True, "column id: True is not of type int"),
        ("moment", "yesterday", "column moment: cannot read 'yesterday'"),
        ("blob", "not base64!", "column blob: cannot read"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused(column: str, value: object, message: str) -> None:
    row = json.loads(row_line("odd", list(ROW), list(ROW.values())))["row"] | {column: value}
    with pytest.raises(BackupError, match=f"line 9, {message}"):
        decode_row(decoders(TABLE), row, "line 9")
