"""`field__any=[…]`: the field equals one of a list, sent as one parameter whatever its
length — an array on PostgreSQL (`= ANY(%s::bigint[])`), a JSON array on SQLite
(`IN (SELECT value FROM json_each(%s))`, no limit on parameters to mind) — where `__in`
writes a placeholder a value. A chain's dashboard names its 200 stores in most of its
statements: with `__in` the driver parsed each statement's 200 placeholders again on every
request (they are too long for its statement cache) and Django prepared each value — about a
tenth of the chain page's time; an import batch looks up its thousands of ids the same way
(cxm.imports.bulk.stored_keys; docs/scaling.md)."""

import orjson
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
        # Ids and contract codes, as a rule, go as they are; anything else as Django sends it.
        if not all(type(v) in (int, str) for v in values):
            values = [field.get_db_prep_value(v, connection, prepared=False) for v in values]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{field.cast_db_type(connection)}[])", [*params, values]
        listed = orjson.dumps(values, default=str).decode()
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, listed]


def register() -> None:
    """On every field, foreign keys too (their lookups do not inherit Field's)."""
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)
