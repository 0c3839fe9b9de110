"""Finding cases by words (案件检索): a number prefix, or words in the address or description.

On PostgreSQL the words are found through the bigram index of migration cases 0011: every
two-character piece of the words must be among the text's pieces (``@>``, from the index), and
the ILIKE then checks they stand together and in order. Words of one character have no piece;
they, and SQLite, read the rows with LIKE alone.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value


class HasPieces(Func):
    """``cityops_bigrams(description || ' ' || address) @> cityops_bigrams(words)``: written as
    the index of migration cases 0011 is, so PostgreSQL uses it (with the table's alias of the
    query, also inside a subquery)."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra):
        (description, d_params), (address, a_params), (words, w_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        sql = f"cityops_bigrams({description} || ' ' || {address}) @> cityops_bigrams({words})"
        return sql, [*d_params, *a_params, *w_params]


def words_condition(text: str) -> Q:
    """The condition "``text`` is the start of the number, or stands in the address or the
    description" (case-insensitive), indexable on PostgreSQL."""
    words = Q(address__icontains=text) | Q(description__icontains=text)
    if connection.vendor == "postgresql" and len(text) >= 2:
        words &= Q(HasPieces(F("description"), F("address"), Value(text)))
    return Q(number__startswith=text.upper()) | words


def by_words(qs: QuerySet, text: str) -> QuerySet:
    text = text.strip()
    return qs.filter(words_condition(text)) if text else qs
