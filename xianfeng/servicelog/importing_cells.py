"""Cell parsers of the service-log imports: lists of names, participants with their hours,
dates with a time. Each takes a cell's value and returns a plain value or raises CellError."""

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.imports.parsers import CellError, clean_text, parse_date

_NAMES_SPLIT = re.compile(r"[、,，;；/\s]+")
_PARTS_SPLIT = re.compile(r"[、,，;；/\n]+")
_HOURS = r"(\d+(?:\.\d+)?)\s*(?:小时|h)?"
# "张三 2.5", "张三：2.5", "张三（2.5小时）", "V0012 3" — an explicit separator before the hours
_SEP_HOURS = re.compile(r"^(.+?)(?:\s+|\s*[:：]\s*|\s*[(（]\s*)" + _HOURS + r"\s*[)）]?$", re.IGNORECASE)
# "张三2.5": a Chinese name followed at once by its hours (a volunteer number "V2021001" is not)
_CJK_HOURS = re.compile(r"^(.*[\u3400-\u9fff·])" + _HOURS + "$", re.IGNORECASE)


def parse_names(value) -> tuple[str, ...]:
    """'张三、李四，V0012' -> ('张三', '李四', 'V0012'): names or volunteer numbers, in order, once each."""
    text = clean_text(value)
    if not text:
        return ()
    return tuple(dict.fromkeys(w for w in _NAMES_SPLIT.split(text) if w))


def parse_list(value) -> tuple[str, ...]:
    """'义诊、发放宣传资料' -> both; names that may hold spaces are split only by punctuation."""
    text = clean_text(value)
    if not text:
        return ()
    return tuple(dict.fromkeys(w.strip() for w in _PARTS_SPLIT.split(text) if w.strip()))


def parse_participants(value) -> tuple[tuple[str, str | None], ...]:
    """'张三 2.5；李四 3' -> (('张三', '2.5'), ('李四', '3')); '张三、李四' -> hours None (the 时长
    column then applies to each)."""
    text = clean_text(value)
    if not text:
        return ()
    parts = []
    for word in _PARTS_SPLIT.split(text):
        word = word.strip()
        if not word:
            continue
        found = _SEP_HOURS.match(word) or _CJK_HOURS.match(word)
        if found:
            parts.append((found.group(1).strip(), found.group(2)))
        else:
            parts.extend((name, None) for name in _NAMES_SPLIT.split(word) if name)
    return tuple(parts)


_TIME_TAIL = re.compile(r"^(.+?)[\sT]+(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*分?(?:[:：](\d{1,2}))?$")


def parse_moment(value) -> datetime.datetime | None:
    """A date or a date and time: 2024-05-01, 2024/5/1 9:30, 2024年5月1日 14:00, an Excel
    date-time (serial or cell). Returned aware, in the interface's time zone (a date alone is
    that day's 00:00)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        day = parse_date(value)
        seconds = round((float(value) % 1) * 86400)
        moment = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=seconds)
    else:
        text = clean_text(value)
        if not text:
            return None
        found = _TIME_TAIL.match(text)
        if found is None:
            moment = datetime.datetime.combine(parse_date(text), datetime.time())
        else:
            day = parse_date(found.group(1))
            hour, minute, second = (int(found.group(i) or 0) for i in (2, 3, 4))
            try:
                moment = datetime.datetime.combine(day, datetime.time(hour, minute, second))
            except ValueError as exc:
                raise CellError(_("“%(v)s”不是有效的时间") % {"v": text}) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
