"""Database helpers shared by the apps (no app imports here): a JSON aggregate, and compiled
SQL reused between requests."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Aggregate, TextField


class JSONRows(Aggregate):
    """The aggregated rows as a JSON array (text), one element per row; NULL for no row.

    Lets a post's photos and tags ride in the post's own row (a correlated subquery) instead
    of a second round trip and a second compiled query per page. Element order is not
    defined: readers sort what they decode."""

    function = "JSON_AGG"
    template = "%(function)s(%(expressions)s)::text"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function="JSON_GROUP_ARRAY",
            template="%(function)s(%(expressions)s)",
            **extra_context,
        )


class Sentinels:
    """Stand-in values that a queryset is built from once, so that their places among the
    compiled SQL's parameters can be found and filled with each call's real values."""

    # No real row has such an id (ids are far smaller); the date is long before any post.
    _FIRST_ID = 2_100_000_001
    _EPOCH = datetime(1901, 1, 1, tzinfo=UTC)

    def __init__(self, connection):
        self.connection = connection
        self.places: dict[object, tuple[str, Callable]] = {}

    def _new(self, name: str, value, extract: Callable):
        self.places[value] = (name, extract)
        return value

    def id(self, name: str) -> int:
        """An id; the call may pass an id or a model instance (its pk is bound). An id past
        the database's integer range names no row (as Django's own lookups treat it)."""
        return self._new(name, self._FIRST_ID + len(self.places), _id_value)

    def instance(self, name: str, model):
        """A model instance known by its pk (the viewer): what the queryset reads of it."""
        return model(pk=self.id(name))

    def text(self, name: str) -> str:
        """A string value (compared as it is, never part of the SQL text)."""
        return self._new(name, f"\x1fsentinel-{len(self.places)}\x1f", lambda v: v)

    def datetime(self, name: str) -> datetime:
        """An aware datetime (a cursor's position), bound as the backend adapts it (SQLite
        gets text)."""
        stamp = self._EPOCH + timedelta(microseconds=len(self.places) + 1)
        adapt = self.connection.ops.adapt_datetimefield_value
        self._new(name, adapt(stamp), adapt)
        return self._new(name, stamp, lambda v: v)


class PrecompiledQuery:
    """A queryset's SQL compiled once per process, database and shape, then run with each
    call's values: building and compiling the feed's queryset cost more Python time than
    PostgreSQL spent running it.

    `build(sentinels, **shape)` builds the queryset exactly as the plain code path does, from
    `Sentinels` in place of the real values (the viewer, a cursor); `shape` holds what changes
    the SQL text itself (a page size, whether there is a cursor). Rows come back as model
    instances through the queryset's own iterable class, as iterating it gives them. Only SQL
    text and the places of its parameters are kept between calls — never a value, a row or a
    result — so nothing kept can be stale on permissions."""

    def __init__(self, model, build: Callable):
        self.model = model
        self.build = build
        self._compiled: dict = {}

    def _compile(self, alias: str, shape: tuple):
        sentinels = Sentinels(connections[alias])
        queryset = self.build(sentinels, **dict(shape))
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        places = tuple(_place(sentinels, param) for param in params)
        missing = {name for name, _extract in sentinels.places.values()} - {
            place[0] for place in places if place
        }
        if missing:  # a value Django wrote into the SQL text could not be bound again
            raise ImproperlyConfigured(f"{sorted(missing)} are not parameters of the SQL")
        compiled = (queryset, compiler, sql, tuple(params), places)
        self._compiled[alias, shape] = compiled
        return compiled

    def fetch(self, *, shape: dict | None = None, **values) -> list:
        """The query's rows for `values` (by sentinel name), as model instances."""
        shape_key = tuple(sorted((shape or {}).items()))
        alias = router.db_for_read(self.model)
        compiled = self._compiled.get((alias, shape_key)) or self._compile(alias, shape_key)
        queryset, compiler, sql, params, places = compiled
        try:
            bound = [
                place[1](values[place[0]]) if place else param
                for param, place in zip(params, places, strict=True)
            ]
        except _NoRow:
            return []
        execution = _Execution(queryset, compiler, alias, sql, bound)
        return list(queryset._iterable_class(execution))


class _NoRow(Exception):
    """A bound value no row can hold: the query has no rows, and is not run."""


def _id_value(value) -> int:
    value = getattr(value, "pk", value)
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise _NoRow
    return value


def _place(sentinels: Sentinels, param):
    try:
        return sentinels.places.get(param)
    except TypeError:  # an unhashable parameter (a list) is never a sentinel
        return None


class _Execution:
    """One run of compiled SQL, shaped as what a queryset's iterable class reads of its
    queryset (`db`, `model`, `query.get_compiler()`, `_known_related_objects`) and of its
    compiler (`execute_sql` runs the stored SQL with this call's parameters; the rest is the
    compiler of the first build: select list, related-object layout, converters)."""

    def __init__(self, queryset, compiler, alias: str, sql: str, params: list):
        self.model = queryset.model
        self.db = alias
        self._known_related_objects = {}
        self.query = self
        self._compiler = compiler
        self._sql = sql
        self._params = params

    def get_compiler(self, using=None):
        return self

    def execute_sql(self, *args, **kwargs):
        with precompiled_cursor(connections[self.db]) as cursor:
            cursor.execute(self._sql, self._params)
            return [cursor.fetchall()]

    def __getattr__(self, name):
        return getattr(self._compiler, name)


def is_prepared(cursor) -> bool:
    """Whether `cursor` (Django's wrapper) runs what it is given as prepared statements."""
    return isinstance(getattr(cursor, "cursor", None), _preparing_cursor_class())


def prepares_statements(connection) -> bool:
    """Whether precompiled SQL runs as prepared statements on `connection`: PostgreSQL with
    psycopg's preparation on (settings: DATABASE_PREPARED_STATEMENTS)."""
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None
    )


def precompiled_cursor(connection):
    """A cursor for precompiled SQL. On PostgreSQL with prepared statements on, it binds on the
    server and prepares each statement the first time a connection runs it (psycopg keeps the
    100 most recent per connection): PostgreSQL parses the feed's SQL once per connection, not
    once per request. Every other query of the project binds on the client as before, so only
    this SQL — compiled once, its values always parameters — is ever prepared. Still Django's
    cursor wrapper: query counting, logging and execute wrappers see it as any query."""
    if not prepares_statements(connection):
        return connection.cursor()
    connection.ensure_connection()
    cursor = _preparing_cursor_class()(connection.connection)
    if connection.queries_logged:  # DEBUG or a test capturing queries: log the SQL as run
        cursor.shows_sql = connection.ops.compose_sql
    return connection._prepare_cursor(cursor)


@cache
def _preparing_cursor_class():
    """Django's server-binding psycopg cursor (its time zone handling included), preparing
    every statement it runs (imported here: the SQLite set-up never needs it)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        # Where Django's query log reads the SQL of the last query (psycopg leaves it unset
        # for a prepared one): the SQL with its values, as a client-bound query shows it.
        shows_sql = None

        def execute(self, query, params=None, *, prepare=None, binary=None):
            result = super().execute(query, params, prepare=True, binary=binary)
            if self.shows_sql is not None:
                self._query = SimpleNamespace(query=self.shows_sql(query, params).encode())
            return result

    return PreparingCursor
