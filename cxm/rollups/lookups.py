"""`field__any=[…]`: the field equals one of a list, sent to PostgreSQL as one array
(`= ANY(%s::bigint[])`) where `__in` writes a placeholder a value. A chain's dashboard names
its 200 stores in most of its statements: with `__in` the driver parsed each statement's
200 placeholders again on every request (they are too long for its statement cache) and
Django prepared each value — about a tenth of the chain page's time (docs/scaling.md). SQLite
takes the usual IN list."""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        if not all(type(v) is int for v in values):  # ids, as a rule: as they are
            values = [field.get_db_prep_value(v, connection, prepared=False) for v in values]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{field.cast_db_type(connection)}[])", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def register() -> None:
    """On every field, foreign keys too (their lookups do not inherit Field's)."""
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)
