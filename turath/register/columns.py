"""The register's search columns, held in memory as arrays indexed by record id.

Why: at a million records, every SQL pass over the records a query matches (a page ranked by
relevance, the count, one GROUP BY per facet) costs 0.1-0.8 s, because each pass re-runs the text
match and reads the matching rows. Here the text index answers only "which records contain these
words" (one pass, ids only); permission, facet filters, counts and date order are then array
operations over a few columns (~30 MB per million records).

The columns come from `register_searchrow` (SearchRow), a narrow table that database triggers keep
in step with every write, whoever writes. Before each search the process re-reads only the rows
stamped since its last read (see migration 0003 for why that never misses a change), so a search
sees every committed change. Inside a transaction (a request never is; a test or a command may
be) the shared arrays could take in writes that are later rolled back, so there a private copy is
loaded instead — or, for a large register, the caller falls back to SQL (see search.py).
"""

import threading
import uuid
from dataclasses import dataclass

import numpy as np
from django.db import connection

from turath.core.permissions import sees_everything, view_scope

_UNSET = -1
PRIVATE_LOAD_LIMIT = 20_000  # inside a transaction, load a private copy of at most this many rows


class _Codes:
    """Small integer codes for short strings (status, sharing level, country), 0 = empty."""

    def __init__(self):
        self.by_value = {"": 0, None: 0}
        self.values = [""]

    def code(self, value) -> int:
        found = self.by_value.get(value)
        if found is None:
            found = self.by_value[value] = len(self.values)
            self.values.append(value)
        return found

    def lookup(self, values) -> list[int]:
        return [self.by_value[v] for v in values if v in self.by_value]


def _grow(array: np.ndarray, size: int, fill) -> np.ndarray:
    if len(array) >= size:
        return array
    grown = np.full(max(size, int(len(array) * 1.25) + 1024), fill, dtype=array.dtype)
    grown[:len(array)] = array
    return grown


@dataclass
class Selection:
    """The records a search selected, as a sorted array of ids, with the columns to count them."""

    ids: np.ndarray
    columns: "RegisterColumns"
    visible: int = 0  # records the user may see that the words match, before the facet filters


class RegisterColumns:
    """Arrays indexed by record id: present, owning agency, sharing, status, object type, period,
    country, updated (µs since the epoch), and the material links (record id, concept id)."""

    def __init__(self, alias_key):
        self.alias_key = alias_key
        self.lock = threading.Lock()  # held by refresh and by every read; never replaced
        self._reset(None)

    def _reset(self, token):
        """Forget everything read (not the lock: a thread may be waiting on it)."""
        self.token = token
        self.horizon = None  # SQLite: highest stamp read; PostgreSQL: oldest running transaction then
        self.sharing, self.status, self.country = _Codes(), _Codes(), _Codes()
        self.present = np.zeros(0, dtype=bool)
        self.agency = np.zeros(0, dtype=np.int64)
        self.sharing_code = np.zeros(0, dtype=np.int16)
        self.status_code = np.zeros(0, dtype=np.int16)
        self.country_code = np.zeros(0, dtype=np.int16)
        self.object_type = np.zeros(0, dtype=np.int64)
        self.period = np.zeros(0, dtype=np.int64)
        self.updated = np.zeros(0, dtype=np.int64)
        self.link_object = np.zeros(0, dtype=np.int64)
        self.link_concept = np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------------ loading
    def _state(self, cursor):
        """(epoch token, new horizon) read in one statement, so in one snapshot."""
        if connection.vendor == "postgresql":
            cursor.execute("SELECT (SELECT token FROM register_searchepoch ORDER BY id LIMIT 1), "
                           "txid_snapshot_xmin(txid_current_snapshot())")
        else:
            cursor.execute("SELECT (SELECT token FROM register_searchepoch ORDER BY id LIMIT 1), "
                           "(SELECT coalesce(max(stamp), 0) FROM register_searchrow)")
        return cursor.fetchone()

    def refresh(self, *, shared: bool = True):
        """Take in the rows changed since the last read (all of them the first time, or when the
        search rows were rebuilt or emptied)."""
        with connection.cursor() as cursor:
            token, horizon = self._state(cursor)
            if token is None and shared:
                # The tables were emptied (a test flush): mark the new epoch, then load everything.
                token = str(uuid.uuid4())
                cursor.execute("INSERT INTO register_searchepoch (token) VALUES (%s)", [token])
            if token != self.token or self.horizon is None:
                self._reset(token)
                since = None
            else:
                since = self.horizon
            if connection.vendor == "postgresql":
                where, params = ("WHERE stamp >= %s", [since]) if since is not None else ("", [])
            else:
                # Rows stamped after `horizon` was read are taken next time: never half a change.
                where, params = ("WHERE stamp > %s AND stamp <= %s", [since, horizon]) if since is not None \
                    else ("WHERE stamp <= %s", [horizon])
            # Each column arrives as one comma-separated string (all aggregates of one query read
            # the rows in the same order): a million rows load in seconds, not as a million tuples.
            cursor.execute(_ROWS_SQL[connection.vendor].format(where=where), params)
            row = cursor.fetchone()
            if row[-1]:
                self._apply(row, cursor, first=since is None)
            self.horizon = horizon

    def _apply(self, row, cursor, *, first: bool):
        n = row[-1]
        ids = _ints(row[0], n)
        size = int(ids.max()) + 1
        self.present = _grow(self.present, size, False)
        self.agency = _grow(self.agency, size, _UNSET)
        self.sharing_code = _grow(self.sharing_code, size, 0)
        self.status_code = _grow(self.status_code, size, 0)
        self.country_code = _grow(self.country_code, size, 0)
        self.object_type = _grow(self.object_type, size, _UNSET)
        self.period = _grow(self.period, size, _UNSET)
        self.updated = _grow(self.updated, size, 0)
        self.present[ids] = _ints(row[8], n) == 0
        self.agency[ids] = _ints(row[1], n)
        self.sharing_code[ids] = _encode(self.sharing, row[2], n)
        self.status_code[ids] = _encode(self.status, row[3], n)
        self.object_type[ids] = _ints(row[4], n)
        self.period[ids] = _ints(row[5], n)
        self.country_code[ids] = _encode(self.country, row[6], n)
        if connection.vendor == "postgresql":
            self.updated[ids] = _ints(row[7], n)
        else:  # SQLite keeps Django datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text
            self.updated[ids] = np.array(row[7].split(","), dtype="datetime64[us]").astype(np.int64)
        # Material links of the changed records replace the ones held for them.
        if first:
            cursor.execute(_LINKS_SQL[connection.vendor].format(where=""))
            found = [cursor.fetchone()]
        else:
            keep = ~np.isin(self.link_object, ids)
            self.link_object, self.link_concept = self.link_object[keep], self.link_concept[keep]
            found, id_list = [], ids.tolist()
            for start in range(0, len(id_list), 5000):
                chunk = id_list[start:start + 5000]
                cursor.execute(_LINKS_SQL[connection.vendor].format(
                    where=f"WHERE culturalobject_id IN ({', '.join(['%s'] * len(chunk))})"), chunk)
                found.append(cursor.fetchone())
        for objects, concepts, k in found:
            if k:
                objects, concepts = _ints(objects, k), _ints(concepts, k)
                # Links of a record committed after its row was read come again with that row.
                known = objects < len(self.present)
                self.link_object = np.concatenate([self.link_object, objects[known]])
                self.link_concept = np.concatenate([self.link_concept, concepts[known]])

    # ------------------------------------------------------------------ selecting
    def select(self, user, conditions: dict, text_ids: np.ndarray | None) -> Selection:
        """Ids (ascending) of the records the user may see that satisfy every condition and, with
        `text_ids`, contain the query's words. `conditions` come from facets.resolve_filters."""
        if text_ids is None:
            ids = np.flatnonzero(self.present)
        else:
            ids = np.sort(text_ids, kind="stable")  # the text index gives them nearly sorted: timsort's best case
            ids = ids[ids < len(self.present)]  # a record committed after the columns were read
            ids = ids[self.present[ids]]
        # The view rule of permissions.view_q, on the candidates' columns.
        if not sees_everything(user):
            levels, agency_id = view_scope(user)
            keep = _lookup(self.sharing.lookup([str(v) for v in levels]), len(self.sharing.values))[
                self.sharing_code[ids]]
            if agency_id is not None:
                keep |= self.agency[ids] == agency_id
            ids = ids[keep]
        visible = len(ids)
        for key, wanted in conditions.items():
            if key == "material":
                wanted_concepts = _lookup(wanted, int(self.link_concept.max(initial=0)) + 1)
                has = np.zeros(len(self.present), dtype=bool)
                has[self.link_object[wanted_concepts[self.link_concept]]] = True
                ids = ids[has[ids]]
                continue
            column, codes = {
                "object_type": (self.object_type, None), "period": (self.period, None),
                "owning_agency": (self.agency, None), "status": (self.status_code, self.status),
                "origin_country": (self.country_code, self.country),
            }.get(key, (None, None))
            if column is None:
                continue
            values = column[ids]
            if codes is not None:
                ids = ids[_lookup(codes.lookup(wanted), len(codes.values))[values]]
            else:
                # Sized by the column, not by the request: an id beyond every stored one matches nothing.
                top = int(values.max(initial=0)) + 1
                ids = ids[_lookup(wanted, top)[np.maximum(values, 0)] & (values >= 0)]
        return Selection(ids, self, visible)

    def counts(self, ids: np.ndarray) -> dict[str, dict]:
        """{facet: {value: count}} over the selected ids (values as the SQL facets give them)."""
        out = {
            "object_type": _count(self.object_type[ids]),
            "period": _count(self.period[ids]),
            "owning_agency": _count(self.agency[ids]),
            "status": _count_codes(self.status_code[ids], self.status.values),
            "origin_country": _count_codes(self.country_code[ids], self.country.values),
        }
        chosen = np.zeros(len(self.present), dtype=bool)
        chosen[ids] = True
        out["material"] = _count(self.link_concept[chosen[self.link_object]])
        return out

    def newest_first(self, ids: np.ndarray, stop: int, *, reverse: bool = False) -> np.ndarray:
        """The first `stop` ids ordered by updated, newest first (ties: highest id first), or
        oldest first (ties: lowest id first) with `reverse`."""
        if len(ids) == 0:
            return ids
        key = self.updated[ids] if reverse else -self.updated[ids]
        if stop < len(ids):
            kth = np.partition(key, stop - 1)[stop - 1]
            candidates = ids[key <= kth]
            key = key[key <= kth]
        else:
            candidates = ids
        tie = candidates if reverse else -candidates
        return candidates[np.lexsort((tie, key))][:stop]


def _lookup(wanted, size: int) -> np.ndarray:
    """A boolean table over small integers (codes, concept or agency ids): table[v] is True for the
    wanted values. Indexing it with a column is one gather, far cheaper than np.isin."""
    table = np.zeros(max(size, 1), dtype=bool)
    wanted = [int(v) for v in wanted if 0 <= int(v) < size]
    table[wanted] = True
    return table


def _count(values: np.ndarray) -> dict:
    values = values[values != _UNSET]
    found, n = np.unique(values, return_counts=True)
    return dict(zip(found.tolist(), n.tolist(), strict=True))


def _count_codes(codes: np.ndarray, names: list) -> dict:
    n = np.bincount(codes, minlength=len(names))
    return {names[code]: int(k) for code, k in enumerate(n.tolist()) if k and names[code] not in ("", None)}


_ROWS_SQL = {
    "sqlite": "SELECT group_concat(object_id), group_concat(owning_agency_id), group_concat(sharing), "
              "group_concat(status), group_concat(coalesce(object_type_id, -1)), group_concat(coalesce(period_id, -1)), "
              "group_concat(coalesce(origin_country, '')), group_concat(coalesce(updated, '1970-01-01')), "
              "group_concat(deleted), count(*) FROM register_searchrow {where}",
    "postgresql": "SELECT string_agg(object_id::text, ','), string_agg(owning_agency_id::text, ','), "
                  "string_agg(sharing, ','), string_agg(status, ','), string_agg(coalesce(object_type_id, -1)::text, ','), "
                  "string_agg(coalesce(period_id, -1)::text, ','), string_agg(coalesce(origin_country, ''), ','), "
                  "string_agg(coalesce((extract(epoch FROM updated) * 1000000)::bigint, 0)::text, ','), "
                  "string_agg(deleted::int::text, ','), count(*) FROM register_searchrow {where}",
}
_LINKS_SQL = {
    "sqlite": "SELECT group_concat(culturalobject_id), group_concat(concept_id), count(*) "
              "FROM register_culturalobject_materials {where}",
    "postgresql": "SELECT string_agg(culturalobject_id::text, ','), string_agg(concept_id::text, ','), count(*) "
                  "FROM register_culturalobject_materials {where}",
}


def _ints(joined: str, n: int) -> np.ndarray:
    values = np.fromstring(joined, dtype=np.int64, sep=",")
    if len(values) != n:
        raise RuntimeError(f"search columns: expected {n} values, read {len(values)}")
    return values


def _encode(codes: _Codes, joined: str, n: int) -> np.ndarray:
    parts = joined.split(",")
    if len(parts) != n:
        raise RuntimeError(f"search columns: expected {n} values, read {len(parts)}")
    found, inverse = np.unique(np.array(parts), return_inverse=True)
    return np.array([codes.code(str(v)) for v in found], dtype=np.int16)[inverse]


_shared: dict = {}
_shared_lock = threading.Lock()


def in_transaction() -> bool:
    """Whether this connection may hold writes that nobody else sees yet: inside atomic(), or with
    autocommit switched off."""
    return connection.in_atomic_block or not connection.get_autocommit()


def current() -> RegisterColumns | None:
    """The columns, up to date with the database; None when a search should use SQL instead
    (inside a transaction on a large register)."""
    key = (connection.alias, connection.settings_dict.get("NAME"), connection.vendor)
    if in_transaction():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM register_searchrow")
            if cursor.fetchone()[0] > PRIVATE_LOAD_LIMIT:
                return None
        private = RegisterColumns(key)
        private.refresh(shared=False)
        return private
    with _shared_lock:
        columns = _shared.get(key)
        if columns is None:
            columns = _shared[key] = RegisterColumns(key)
    with columns.lock:
        columns.refresh()
    return columns
