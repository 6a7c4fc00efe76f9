"""What people type after /tz, what we store, and how we show it back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.timezones import (
    CITY_ZONES,
    TIMEZONE_EXAMPLES,
    describe_zone,
    parse_timezone,
    zone_of,
)

JANUARY = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
JULY = dt.datetime(2026, 7, 15, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Asia/Shanghai", "Asia/Shanghai"),
        ("asia/shanghai", "Asia/Shanghai"),
        ("ASIA/SHANGHAI", "Asia/Shanghai"),
        ("America/New York", "America/New_York"),
        ("america / new_york", "America/New_York"),
        ("  Europe/London  ", "Europe/London"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Z", "UTC"),
        ("Etc/UTC", "UTC"),
        ("Beijing", "Asia/Shanghai"),
        ("北京", "Asia/Shanghai"),
        ("北京市", "Asia/Shanghai"),
        ("Shanghai", "Asia/Shanghai"),
        ("上海", "Asia/Shanghai"),
        ("shenzhen", "Asia/Shanghai"),
        ("深圳", "Asia/Shanghai"),
        ("Guangzhou", "Asia/Shanghai"),
        ("广州", "Asia/Shanghai"),
        ("Hangzhou", "Asia/Shanghai"),
        ("杭州", "Asia/Shanghai"),
        ("Chengdu", "Asia/Shanghai"),
        ("成都", "Asia/Shanghai"),
        ("中国", "Asia/Shanghai"),
        ("北京时间", "Asia/Shanghai"),
        ("Hong Kong", "Asia/Hong_Kong"),
        ("香港", "Asia/Hong_Kong"),
        ("Taipei", "Asia/Taipei"),
        ("台北", "Asia/Taipei"),
        ("Macau", "Asia/Macau"),
        ("澳门", "Asia/Macau"),
        ("Tokyo", "Asia/Tokyo"),
        ("东京", "Asia/Tokyo"),
        ("东京时间", "Asia/Tokyo"),
        ("Seoul", "Asia/Seoul"),
        ("首尔", "Asia/Seoul"),
        ("Singapore", "Asia/Singapore"),
        ("新加坡", "Asia/Singapore"),
        ("Sydney", "Australia/Sydney"),
        ("悉尼", "Australia/Sydney"),
        ("London", "Europe/London"),
        ("伦敦", "Europe/London"),
        ("Paris", "Europe/Paris"),
        ("巴黎", "Europe/Paris"),
        ("Berlin", "Europe/Berlin"),
        ("柏林", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("NYC", "America/New_York"),
        ("纽约", "America/New_York"),
        ("San Francisco", "America/Los_Angeles"),
        ("SF", "America/Los_Angeles"),
        ("旧金山", "America/Los_Angeles"),
        ("Bay Area", "America/Los_Angeles"),
        ("湾区", "America/Los_Angeles"),
        ("Seattle", "America/Los_Angeles"),
        ("西雅图", "America/Los_Angeles"),
        ("Los Angeles", "America/Los_Angeles"),
        ("LA", "America/Los_Angeles"),
        ("洛杉矶", "America/Los_Angeles"),
        ("Vancouver", "America/Vancouver"),
        ("温哥华", "America/Vancouver"),
        ("Toronto", "America/Toronto"),
        ("多伦多", "America/Toronto"),
        ("Honolulu", "Pacific/Honolulu"),
        ("夏威夷", "Pacific/Honolulu"),
        ("Kiritimati", "Pacific/Kiritimati"),
        ("São Paulo", "America/Sao_Paulo"),
        ("tokyo", "Asia/Tokyo"),
        ("los angeles", "America/Los_Angeles"),
        ("los_angeles", "America/Los_Angeles"),
        ("kolkata", "Asia/Kolkata"),
        ("Kathmandu", "Asia/Kathmandu"),
        ("reykjavik", "Atlantic/Reykjavik"),
    ],
)
def test_names_and_cities(typed: str, stored: str) -> None:
    assert parse_timezone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("UTC+8", "UTC+08:00"),
        ("utc+08:00", "UTC+08:00"),
        ("UTC +8", "UTC+08:00"),
        ("ＵＴＣ＋８", "UTC+08:00"),
        ("GMT-5", "UTC-05:00"),
        ("+8", "UTC+08:00"),
        ("-10", "UTC-10:00"),
        ("+05:30", "UTC+05:30"),
        ("+0530", "UTC+05:30"),
        ("UTC+5:45", "UTC+05:45"),
        ("UTC+14", "UTC+14:00"),
        ("UTC-12", "UTC-12:00"),
        ("UTC−10", "UTC-10:00"),
        ("UTC+0", "UTC"),
        ("GMT-0:00", "UTC"),
        ("东八区", "UTC+08:00"),
        ("东8区", "UTC+08:00"),
        ("西五区", "UTC-05:00"),
        ("西十区", "UTC-10:00"),
        ("东十二区", "UTC+12:00"),
        ("零时区", "UTC"),
    ],
)
def test_offsets(typed: str, stored: str) -> None:
    assert parse_timezone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "Mars/Base",
        "",
        "   ",
        "hello",
        "UTC+25",
        "+8:17",
        "UTC+14:30",
        "-12:30",
        "UTC+8:60",
        "东十三区",
        "时间",
        "8",
    ],
)
def test_rejects_nonsense(typed: str) -> None:
    assert parse_timezone(typed) is None


def test_gmt_offsets_mean_what_people_mean() -> None:
    """ "GMT+5" is five hours ahead; the sign-inverted IANA "Etc/GMT+5" is taken literally."""
    assert parse_timezone("GMT+5") == "UTC+05:00"
    assert parse_timezone("Etc/GMT+5") == "Etc/GMT+5"


def test_ambiguous_last_component_is_rejected() -> None:
    """Indianapolis is both America/Indianapolis and America/Indiana/Indianapolis."""
    assert parse_timezone("indianapolis") is None


def test_every_city_zone_is_a_real_zone() -> None:
    assert len(CITY_ZONES) >= 50
    for zone in set(CITY_ZONES.values()):
        assert isinstance(zone_of(zone), ZoneInfo)


def test_zone_of() -> None:
    assert zone_of("Asia/Shanghai") == ZoneInfo("Asia/Shanghai")
    assert zone_of("UTC").utcoffset(JANUARY) == dt.timedelta(0)
    eight = zone_of("UTC+08:00")
    assert eight.utcoffset(JANUARY) == dt.timedelta(hours=8)
    assert eight.tzname(JANUARY) == "UTC+08:00"
    assert zone_of("UTC-10:00").utcoffset(JULY) == dt.timedelta(hours=-10)
    assert zone_of("UTC+05:45").utcoffset(JULY) == dt.timedelta(hours=5, minutes=45)


@pytest.mark.parametrize(
    "name", ["Mars/Base", "asia/shanghai", "UTC+8", "UTC+00:00", "UTC+15:00", "", "../etc"]
)
def test_zone_of_rejects_unknown_names(name: str) -> None:
    with pytest.raises(ValueError):
        zone_of(name)


def test_every_parsed_zone_has_a_tzinfo() -> None:
    for typed in ["纽约", "UTC+8", "东八区", "Z", "kolkata", "Etc/GMT+5"]:
        stored = parse_timezone(typed)
        assert stored is not None
        zone_of(stored)


def test_describe_zone() -> None:
    assert describe_zone("Asia/Shanghai", JANUARY) == "Asia/Shanghai（UTC+08:00，当地现在 20:00）"
    assert describe_zone("UTC", JANUARY) == "UTC（当地现在 12:00）"
    assert describe_zone("UTC+05:30", JANUARY) == "UTC+05:30（当地现在 17:30）"


def test_describe_zone_follows_daylight_saving_time() -> None:
    assert describe_zone("America/New_York", JANUARY) == "America/New_York（UTC-05:00，当地现在 07:00）"
    assert describe_zone("America/New_York", JULY) == "America/New_York（UTC-04:00，夏令时，当地现在 08:00）"


def test_the_extremes_of_the_clock() -> None:
    """Honolulu (UTC−10) and Kiritimati (UTC+14) are a day apart at the same moment."""
    assert describe_zone("Pacific/Honolulu", JANUARY) == "Pacific/Honolulu（UTC-10:00，当地现在 02:00）"
    assert describe_zone("Pacific/Kiritimati", JANUARY) == "Pacific/Kiritimati（UTC+14:00，当地现在 02:00）"
    assert parse_timezone("UTC−10") == "UTC-10:00"
    assert parse_timezone("UTC+14") == "UTC+14:00"
    assert describe_zone("UTC-10:00", JANUARY) == "UTC-10:00（当地现在 02:00）"
    assert describe_zone("UTC+14:00", JANUARY) == "UTC+14:00（当地现在 02:00）"
    honolulu = JANUARY.astimezone(zone_of("Pacific/Honolulu"))
    kiritimati = JANUARY.astimezone(zone_of("UTC+14:00"))
    assert kiritimati.date() - honolulu.date() == dt.timedelta(days=1)


def test_describe_zone_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError):
        describe_zone("UTC", dt.datetime(2026, 1, 15, 12, 0))


def test_examples_are_parseable() -> None:
    examples = [part.removeprefix("/tz ") for part in TIMEZONE_EXAMPLES.removeprefix("例如 ").split("、")]
    assert all(parse_timezone(example) for example in examples)
