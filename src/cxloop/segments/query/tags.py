"""`HasTag(F("tags"), Value("vip"))`: true when a JSON list of tags holds the tag (compared in lower case).

Django's JSONField `contains` lookup does not run on SQLite, so this is the
one vendor-specific piece of a segment query: `json_each` on SQLite,
`jsonb_array_elements_text` on PostgreSQL. A column holding anything but a
list holds no tags. The tag arrives lower-cased as a bound parameter; SQLite's
lower() folds ASCII letters only, so a tag in another script matches when written
as stored.
"""

from django.db.models import BooleanField, Func


class HasTag(Func):
    arity = 2
    output_field = BooleanField()
    conditional = True

    def _parts(self, compiler):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        tag_sql, tag_params = compiler.compile(self.source_expressions[1])
        # The column is written twice (the type check, then the list): its parameters go twice too.
        return column_sql, tag_sql, (*column_params, *column_params, *tag_params)

    def as_sqlite(self, compiler, connection, **extra):
        column, tag, params = self._parts(compiler)
        sql = (
            f"EXISTS (SELECT 1 FROM json_each(CASE WHEN json_type({column}) = 'array' THEN {column} "
            f"ELSE '[]' END) AS tag WHERE lower(tag.value) = {tag})"
        )
        return sql, params

    def as_postgresql(self, compiler, connection, **extra):
        column, tag, params = self._parts(compiler)
        sql = (
            f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof({column}) = 'array' "
            f"THEN {column} ELSE '[]'::jsonb END) AS tag(value) WHERE lower(tag.value) = {tag})"
        )
        return sql, params

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - other databases are not supported
        raise NotImplementedError(f"HasTag on {connection.vendor}")
