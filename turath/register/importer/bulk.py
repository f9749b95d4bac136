"""The bulk path of new records: rows inserted with one executemany (COPY on PostgreSQL) per table, values
adapted as the ORM adapts them, and a batch indexed at once on SQLite."""

import json

from django.db import DEFAULT_DB_ALIAS, connection, connections

from ..models import CulturalObject

_ATTNAME = {"object_type": "object_type_id", "period": "period_id"}
_OBJECT_DEFAULTS = {f.attname: f.get_default() for f in CulturalObject._meta.concrete_fields
                    if not f.primary_key and f.attname not in ("uid",)}


def _adapter(f, conn):
    """How the ORM would turn a field's Python value into a query parameter, minus its per-value overhead.
    `conn` is the connection itself (not the `connection` proxy, whose every attribute costs a lookup)."""
    kind = f.get_internal_type()
    if kind == "JSONField":
        adapt_json, encoder, empty = conn.ops.adapt_json_value, f.encoder, {}

        def adapt_json_memo(v):
            # Empty texts and lists (most subjects, features, inventory numbers…) are adapted once per batch.
            if not v and type(v) in (dict, list):
                done = empty.get(type(v))
                if done is None:
                    done = empty[type(v)] = adapt_json(v, encoder)
                return done
            return adapt_json(v, encoder)
        return adapt_json_memo
    if kind in ("DateTimeField", "DateField", "DecimalField"):
        # Few distinct values per batch (one timestamp, dates documented, measurement values): adapt each
        # once. Decimals are keyed by their text, so 12.5 and 12.50 each keep their own adaptation.
        memo, prep = {}, f.get_db_prep_save
        keyed = str if kind == "DecimalField" else None

        def adapt_memo(v):
            key = keyed(v) if keyed else v
            done = memo.get(key)
            if done is None:
                done = memo[key] = prep(v, conn)
            return done
        return adapt_memo
    if kind == "UUIDField":
        prep = f.get_db_prep_save
        return lambda v: prep(v, conn)
    return None


def _raw_insert(model, rows: list[dict]):
    """INSERT rows (dicts keyed by column attname) with one executemany: no model instances, no per-value
    compilation. Values are adapted as the ORM adapts them (JSON, UUID, dates, decimals)."""
    if not rows:
        return
    conn = connections[DEFAULT_DB_ALIAS]
    quote = conn.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields)))
    adapt = [(f.attname, _adapter(f, conn)) for f in fields]
    params = [[row[name] if fn is None or row[name] is None else fn(row[name]) for name, fn in adapt]
              for row in rows]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: several times faster than executemany for these row counts.
            columns = ", ".join(quote(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
            return
        for start in range(0, len(params), 2000):
            cursor.executemany(sql, params[start:start + 2000])


def _index_batch(ids: list[int]):
    """Index a batch of new records with one statement each for the text index and the search rows
    (the work the SQLite insert triggers do row by row outside bulk loads; migrations 0002-0004)."""
    ids_json = json.dumps(ids)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO register_fts (rowid, search_text) SELECT id, search_text "
                       "FROM register_culturalobject WHERE id IN (SELECT value FROM json_each(%s))", [ids_json])
        cursor.execute(
            "INSERT OR REPLACE INTO register_searchrow (object_id, owning_agency_id, sharing, status, object_type_id, "
            "period_id, origin_country, updated, deleted, stamp) "
            "SELECT id, owning_agency_id, sharing, status, object_type_id, period_id, origin_country, updated, 0, "
            "(SELECT coalesce(max(stamp), 0) + 1 FROM register_searchrow) "
            "FROM register_culturalobject WHERE id IN (SELECT value FROM json_each(%s))", [ids_json])
