"""The parsed form of one HTTP request, as handlers see it."""
from dataclasses import dataclass, field
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    query: dict                       # first value of each parameter
    headers: dict                     # lower-cased names
    raw_body: bytes = b""
    body: object = None               # parsed JSON (or YAML for apply patches) when present
    user: str = ""
    groups: tuple = ()
    readonly: bool = False
    query_lists: dict = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def accept(self) -> str:
        return self.headers.get("accept", "")

    def wants_table(self) -> bool:
        return "as=Table" in self.accept

    def number(self, name, default=None, kind=int):
        """A numeric query parameter; 400 when it is not a number, as the real server answers."""
        value = self.query.get(name)
        if value in (None, ""):
            return default
        try:
            return kind(value)
        except ValueError:
            from .errors import bad_request
            raise bad_request(f'invalid value for query parameter "{name}": {value!r} is not a number')

    def flag(self, name) -> bool:
        return str(self.query.get(name, "")).lower() in ("1", "true", "yes")


def parse_query(text: str) -> tuple[dict, dict]:
    lists = parse_qs(text, keep_blank_values=True)
    return {k: v[0] for k, v in lists.items()}, lists


@dataclass
class Response:
    status: int
    body: object = None               # dict, or bytes already encoded as JSON
    headers: dict = field(default_factory=dict)
    stream: object = None             # callable(writer) for watch streams
    cleanup: object = None            # called once the stream is over, however it ended
