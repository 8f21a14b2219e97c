"""Cell formatting for Table output: human-readable ages and a small JSONPath evaluator."""
import functools
import json
import re
from datetime import datetime, timezone

NONE = "<none>"


def parse_time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def human_duration(seconds: float) -> str:
    """Compact age as kubectl shows it: 45s, 3m20s, 25m, 5h10m, 3d4h, 400d, 2y30d."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = hours // 24 // 365, (hours // 24) % 365
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{hours // 24 // 365}y"


def age(timestamp, now: datetime) -> str:
    moment = parse_time(timestamp)
    if moment is None:
        return "<unknown>"
    return human_duration((now - moment).total_seconds())


# --- JSONPath subset -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    \.(?P<field>[A-Za-z0-9_\-$/]+)
  | \[(?P<quote>['"])(?P<quoted>[^'"]*)(?P=quote)\]
  | \[(?P<index>-?\d+)\]
  | \[(?P<star>\*)\]
  | \[\?\(@\.(?P<fkey>[A-Za-z0-9_.\-]+)\s*(?P<fop>==|!=)\s*(?P<fq>['"])(?P<fval>[^'"]*)(?P=fq)\)\]
  | \.\.?(?P<dotstar>\*)
""", re.VERBOSE)


@functools.lru_cache(maxsize=256)
def _steps(path: str) -> tuple:
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    if text and not text.startswith((".", "[")):
        text = "." + text
    steps, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ValueError(f"unsupported JSONPath {path!r} at {text[position:]!r}")
        if match.group("field") is not None:
            steps.append(("field", match.group("field")))
        elif match.group("quoted") is not None:
            steps.append(("field", match.group("quoted")))
        elif match.group("index") is not None:
            steps.append(("index", int(match.group("index"))))
        elif match.group("fkey") is not None:
            steps.append(("filter", match.group("fkey"), match.group("fop"), match.group("fval")))
        else:
            steps.append(("all",))
        position = match.end()
    return tuple(steps)


def _lookup(value, dotted: str):
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _scalar_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _apply(step: tuple, value) -> list:
    kind = step[0]
    if kind == "field":
        return [value[step[1]]] if isinstance(value, dict) and step[1] in value else []
    if kind == "index":
        if isinstance(value, list) and -len(value) <= step[1] < len(value):
            return [value[step[1]]]
        return []
    if kind == "all":
        if isinstance(value, list):
            return list(value)
        return list(value.values()) if isinstance(value, dict) else []
    _, key, operator, expected = step
    if not isinstance(value, list):
        return []
    found = []
    for item in value:
        actual = _lookup(item, key)
        if actual is None:
            continue
        matches = _scalar_text(actual) == expected
        if matches == (operator == "=="):
            found.append(item)
    return found


def jsonpath(obj, path: str) -> list:
    """All values `path` selects in `obj` (`.a.b`, `['k']`, `[0]`, `[*]`, `[?(@.type=="Ready")]`)."""
    values = [obj]
    for step in _steps(path):
        values = [result for value in values for result in _apply(step, value)]
    return values


def text(value) -> str:
    return _scalar_text(value)
