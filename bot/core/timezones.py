"""Understanding whatever a person types after `/tz`, and showing it back.

People answer "what's your timezone?" with a city ("纽约", "Bay Area"), an
offset ("UTC+8", "东八区") or, rarely, an IANA name. We store one canonical
string per answer: an IANA name ("Asia/Shanghai"), "UTC", or a fixed offset
"UTC+08:00". IANA names are preferred because they follow daylight saving time;
offsets are accepted for people who think in them, and are fixed all year.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

TIMEZONE_EXAMPLES = "例如 /tz Asia/Shanghai、/tz 纽约、/tz UTC+8、/tz 东八区"

UTC = "UTC"

# What people actually type, by zone; comma-separated, matched after `_key` (lower case, "_" as space).
# Every city of mainland China is on Beijing time, so they all map to Asia/Shanghai.
_ALIASES: dict[str, str] = {
    "Asia/Shanghai": (
        "china, 中国, 北京时间, prc, beijing, 北京, shanghai, 上海, shenzhen, 深圳, guangzhou, 广州, "
        "hangzhou, 杭州, chengdu, 成都, nanjing, 南京, wuhan, 武汉, xi'an, xian, 西安, suzhou, 苏州, "
        "tianjin, 天津, chongqing, 重庆, xiamen, 厦门, changsha, 长沙, hefei, 合肥, zhuhai, 珠海"
    ),
    "Asia/Hong_Kong": "hong kong, hongkong, hk, 香港",
    "Asia/Taipei": "taipei, 台北, taiwan, 台湾, roc",
    "Asia/Macau": "macau, macao, 澳门",
    "Asia/Tokyo": "tokyo, 东京, japan, 日本, osaka, 大阪",
    "Asia/Seoul": "seoul, 首尔, korea, 韩国, rok",
    "Asia/Singapore": "singapore, 新加坡",
    "Asia/Kuala_Lumpur": "kuala lumpur, 吉隆坡, 马来西亚",
    "Asia/Bangkok": "bangkok, 曼谷, 泰国",
    "Asia/Ho_Chi_Minh": "ho chi minh city, saigon, 胡志明市, 越南",
    "Asia/Jakarta": "jakarta, 雅加达",
    "Asia/Manila": "manila, 马尼拉, 菲律宾",
    "Asia/Kolkata": "india, 印度, bangalore, bengaluru, 班加罗尔, mumbai, 孟买, delhi, new delhi, 新德里",
    "Asia/Kathmandu": "kathmandu, 加德满都, 尼泊尔",
    "Asia/Dubai": "dubai, 迪拜",
    "Australia/Sydney": "sydney, 悉尼",
    "Australia/Melbourne": "melbourne, 墨尔本",
    "Pacific/Auckland": "auckland, 奥克兰, new zealand, 新西兰",
    "Europe/London": "london, 伦敦, uk, 英国",
    "Europe/Dublin": "dublin, 都柏林, 爱尔兰",
    "Europe/Paris": "paris, 巴黎, 法国",
    "Europe/Berlin": "berlin, 柏林, 德国",
    "Europe/Amsterdam": "amsterdam, 阿姆斯特丹, 荷兰",
    "Europe/Zurich": "zurich, 苏黎世, 瑞士",
    "Europe/Moscow": "moscow, 莫斯科",
    "Europe/Istanbul": "istanbul, 伊斯坦布尔",
    "America/New_York": "new york, nyc, 纽约, boston, 波士顿, us east, 美东",
    "America/Chicago": "chicago, 芝加哥, austin, 奥斯汀, 美中",
    "America/Denver": "denver, 丹佛",
    "America/Los_Angeles": (
        "san francisco, sf, 旧金山, 三藩市, bay area, 湾区, silicon valley, 硅谷, seattle, 西雅图, "
        "los angeles, la, 洛杉矶, us west, 美西"
    ),
    "America/Vancouver": "vancouver, 温哥华",
    "America/Toronto": "toronto, 多伦多, montreal, 蒙特利尔",
    "America/Mexico_City": "mexico city, 墨西哥城",
    "America/Sao_Paulo": "sao paulo, são paulo, 圣保罗",
    "America/Argentina/Buenos_Aires": "buenos aires, 布宜诺斯艾利斯",
    "Pacific/Honolulu": "honolulu, hawaii, 夏威夷, 檀香山",
    "Pacific/Kiritimati": "kiritimati, line islands",
}
CITY_ZONES: dict[str, str] = {
    alias.strip(): zone for zone, aliases in _ALIASES.items() for alias in aliases.split(",")
}

# Regions whose zone names end in a city; "Etc/", "US/" and friends are legacy aliases.
_CITY_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
_UTC_ALIASES = frozenset(
    {"utc", "gmt", "z", "zulu", "uct", "universal", "greenwich", "gmt0", "gmt+0", "gmt-0"}
)
_UTC_ALIASES |= {"etc/" + alias for alias in _UTC_ALIASES} | {"零时区", "中时区"}

_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?")
_CANONICAL_OFFSET = re.compile(r"UTC([+-])(\d{2}):(\d{2})")
_CHINESE_ZONE = re.compile(r"([东西])(\d{1,2}|[一二三四五六七八九十]{1,2})时?区")
_CHINESE_NUMBERS = {name: value for value, name in enumerate("一二三四五六七八九十", start=1)}
_CHINESE_NUMBERS |= {"十一": 11, "十二": 12}
_MINUS_SIGNS = str.maketrans({"−": "-", "–": "-", "—": "-"})
_SUFFIXES = ("时间", "市")


def parse_timezone(text: str) -> str | None:
    """The canonical zone for what someone typed after /tz, or None when we can't tell.

    Offsets come first so "GMT+5" means what people mean (UTC+05:00), not the
    sign-inverted IANA "Etc/GMT+5".
    """
    key = _key(text)
    if not key:
        return None
    if key in _UTC_ALIASES:
        return UTC
    offset = _parse_offset(key)
    if offset is not None:
        return offset
    return _lookup_name(key)


def _lookup_name(key: str) -> str | None:
    """A city alias, an IANA name, or an IANA name's last part; "北京市" and "东京时间" work too."""
    stems = [key.removesuffix(suffix) for suffix in _SUFFIXES if key.endswith(suffix) and key != suffix]
    for candidate in (key, *stems):
        zone = CITY_ZONES.get(candidate) or _iana_index().get(candidate) or _city_index().get(candidate)
        if zone:
            return zone
    return None


def zone_of(name: str) -> dt.tzinfo:
    """The tzinfo for a name `parse_timezone` returned; ValueError for anything else (e.g. a stale row)."""
    match = _CANONICAL_OFFSET.fullmatch(name)
    if match:
        minutes = _valid_minutes(match[1], int(match[2]), int(match[3]))
        if minutes is None or minutes == 0:
            raise ValueError(f"not a valid UTC offset: {name!r}")
        return dt.timezone(dt.timedelta(minutes=minutes), name)
    if name == UTC or name in _iana_names():
        return ZoneInfo(name)
    raise ValueError(f"unknown timezone: {name!r}")


def describe_zone(name: str, now: dt.datetime) -> str:
    """E.g. "Asia/Shanghai（UTC+08:00，当地现在 20:15）", so people can check we understood them.

    Showing the local time catches the classic mistake of a wrong sign or city.
    """
    if now.tzinfo is None:
        raise ValueError("describe_zone needs a timezone-aware moment")
    local = now.astimezone(zone_of(name))
    offset = local.utcoffset() or dt.timedelta(0)
    details = (
        [] if name == UTC or _CANONICAL_OFFSET.fullmatch(name) else [_format_offset(offset, "UTC+00:00")]
    )
    if local.dst():
        details.append("夏令时")
    details.append(f"当地现在 {local:%H:%M}")
    return f"{name}（{'，'.join(details)}）"


def _key(text: str) -> str:
    """Lower case, full-width folded, "_" and runs of spaces as one space, no spaces around "/"."""
    folded = unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS).casefold()
    spaced = re.sub(r"[\s_]+", " ", folded).strip()
    return re.sub(r" ?/ ?", "/", spaced)


def _parse_offset(key: str) -> str | None:
    """ "utc+8", "+05:30", "utc-10", "东八区" → "UTC+08:00"…; None if not an offset or out of range."""
    match = _OFFSET.fullmatch(key)
    if match:
        minutes = _valid_minutes(match[1], int(match[2]), int(match[3] or 0))
    elif match := _CHINESE_ZONE.fullmatch(key):
        hours = int(match[2]) if match[2].isdigit() else _CHINESE_NUMBERS.get(match[2], 99)
        minutes = _valid_minutes("+" if match[1] == "东" else "-", hours, 0) if 1 <= hours <= 12 else None
    else:
        return None
    if minutes is None:
        return None
    return _format_offset(dt.timedelta(minutes=minutes), UTC)


def _valid_minutes(sign: str, hours: int, minutes: int) -> int | None:
    """Signed minutes east of UTC, if real zones use it: −12:00 … +14:00 on :00, :30 or :45."""
    if minutes not in (0, 30, 45):
        return None
    total = (hours * 60 + minutes) * (-1 if sign == "-" else 1)
    return total if -12 * 60 <= total <= 14 * 60 else None


def _format_offset(offset: dt.timedelta, zero: str) -> str:
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return zero
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


@cache
def _iana_names() -> frozenset[str]:
    return frozenset(available_timezones() - _NOT_ZONES)


@cache
def _iana_index() -> dict[str, str]:
    """Normalised key → IANA name, for case- and underscore-insensitive matching."""
    return {_key(name): name for name in _iana_names()}


@cache
def _city_index() -> dict[str, str]:
    """Last component → zone ("kolkata" → "Asia/Kolkata"), leaving out names shared by several zones."""
    found: dict[str, set[str]] = {}
    for name in _iana_names():
        if name.startswith(_CITY_REGIONS):
            found.setdefault(_key(name.rsplit("/", 1)[1]), set()).add(name)
    return {city: names.pop() for city, names in found.items() if len(names) == 1}
