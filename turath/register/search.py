"""Full-text index of the register.

Each record carries `search_text`: the normalised tokens (see core.textnorm) of every language
of every text field, plus, for each linked concept and its broader concepts, the labels in every
language and a concept token `cpt<ID>`. The same string is indexed by SQLite FTS5 (external-content
table kept in sync by triggers) and, on PostgreSQL, stored as to_tsvector('simple', …) in the record's
search row with a GIN index (migration 0003), so the two engines see identical tokens and return the
same records.

A search asks the text index only for the ids whose text matches; permission, facets, counts and
order by date are then worked out on the in-memory columns of columns.py, and the page's records are
read through restrict() again.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections
from django.db.models import BooleanField, Expression, F, FloatField

from turath.core import multilingual
from turath.core.textnorm import search_text, tokens
from turath.vocabulary.models import ConceptLabel

from . import columns as register_columns
from .facets import apply_filters, column_counts, facet_counts, resolve_filters
from .models import CulturalObject


def concept_token(concept_id: int) -> str:
    return f"cpt{concept_id}"


def _concept_terms(concept, seen: set) -> list[str]:
    out = []
    stack = [concept]
    while stack:
        c = stack.pop()
        if c is None or c.pk in seen:
            continue
        seen.add(c.pk)
        out.append(concept_token(c.pk))
        out.extend(label.norm for label in c.labels.all())
        stack.extend(c.broader.all())
    return out


def build_search_text(obj) -> str:
    return compose_search_text(
        {f: getattr(obj, f) for f in SEARCHED_FIELDS},
        [ins.text for ins in obj.inscriptions.all()],
        [obj.object_type, obj.period, *obj.materials.all(), *obj.techniques.all()],
    )


SEARCHED_FIELDS = ("record_number", "maker", "place_of_origin", "place_of_discovery", "current_holder", "date_text",
                   "related_written_material", "inventory_numbers", "cross_references",
                   "title", "subject", "description", "distinguishing_features")


def compose_search_text(values: dict, inscription_texts: list, concepts: list, concept_terms=_concept_terms) -> str:
    """The search string from plain values (a record's fields or an importer's cleaned values), the
    inscriptions' multilingual texts and the linked concepts. `concept_terms(concept, seen)` may be a
    cached variant (the bulk importer's) of _concept_terms; both paths share this one composition."""
    parts: list[str] = [values.get("record_number"), values.get("maker"), values.get("place_of_origin"),
                        values.get("place_of_discovery"), values.get("current_holder"), values.get("date_text"),
                        values.get("related_written_material"), " ".join(values.get("inventory_numbers") or []),
                        " ".join(values.get("cross_references") or [])]
    for field in ("title", "subject", "description", "distinguishing_features"):
        parts.extend(text for _, text in multilingual.texts(values.get(field)))
    for text in inscription_texts:
        parts.extend(t for _, t in multilingual.texts(text))
    words = [search_text(p) for p in parts if p]
    seen: set = set()
    for concept in concepts:
        if concept is not None:
            words.extend(concept_terms(concept, seen))
    return " ".join(w for w in words if w)


# --------------------------------------------------------------------------------------------------
# The query side: parse a user's words once, then express them for FTS5 and for PostgreSQL.
# --------------------------------------------------------------------------------------------------

MAX_WORDS = 16  # longer queries are cut: the expression stays small and fast
MAX_NGRAM = 4  # the longest concept label (in words) recognised inside a query
MAX_CONCEPTS_PER_TERM = 40
MIN_PREFIX = 3  # the last word is matched as a prefix (type-ahead) from this many characters


@dataclass(frozen=True)
class Term:
    """One unit of the query: all `words` must appear, or else one of `concepts` must be linked.

    A term is a single word, or several words that together form the label of a concept
    («ورقة مصحف», "alliage cuivreux"); `concepts` are the concepts whose label (any language)
    equals the words, so a query in one language finds records described in another.
    """

    words: tuple[str, ...]
    concepts: tuple[int, ...] = ()
    prefix: bool = False  # the last word may be the beginning of a longer word


@dataclass(frozen=True)
class ParsedQuery:
    """Every term must match (AND). The same structure yields the FTS5 and the tsquery expression,
    so SQLite and PostgreSQL answer with the same records."""

    terms: tuple[Term, ...] = ()

    def __bool__(self):
        return bool(self.terms)

    def fts5(self) -> str:
        """FTS5 MATCH expression. Every token is a quoted string, so no user input is ever syntax."""
        def quote(token):
            return '"' + token.replace('"', '""') + '"'
        return " AND ".join(self._render(quote, lambda t: quote(t) + "*", " AND ", " OR "))

    def tsquery(self) -> str:
        """to_tsquery('simple', …) expression built from quoted lexemes."""
        def quote(token):
            return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
        return " & ".join(self._render(quote, lambda t: quote(t) + ":*", " & ", " | "))

    def _render(self, quote, quote_prefix, and_, or_) -> list[str]:
        out = []
        for term in self.terms:
            words = [quote(w) for w in term.words[:-1]]
            words.append((quote_prefix if term.prefix else quote)(term.words[-1]))
            alternatives = [words[0] if len(words) == 1 else "(" + and_.join(words) + ")"]
            alternatives += [quote(concept_token(c)) for c in term.concepts]
            out.append(alternatives[0] if len(alternatives) == 1 else "(" + or_.join(alternatives) + ")")
        return out


def parse_query(q: str) -> ParsedQuery:
    """Normalise the query (Arabic and French folding, as for documents) and recognise concept labels.

    One database query looks up every word and every run of up to MAX_NGRAM words among the
    normalised concept labels; the longest label wins, so "Qur'an folio" is one term, not two.
    """
    words = tokens(q or "")[:MAX_WORDS]
    if not words:
        return ParsedQuery()
    candidates = {" ".join(words[i:i + n]) for i in range(len(words)) for n in range(1, MAX_NGRAM + 1)
                  if i + n <= len(words)}
    concepts_by_label: dict[str, set[int]] = {}
    for norm, concept_id in ConceptLabel.objects.filter(norm__in=candidates).values_list("norm", "concept_id"):
        concepts_by_label.setdefault(norm, set()).add(concept_id)
    terms = []
    i = 0
    while i < len(words):
        n = next((n for n in range(min(MAX_NGRAM, len(words) - i), 1, -1)
                  if " ".join(words[i:i + n]) in concepts_by_label), 1)
        group = tuple(words[i:i + n])
        concepts = tuple(sorted(concepts_by_label.get(" ".join(group), ())))[:MAX_CONCEPTS_PER_TERM]
        terms.append(Term(group, concepts))
        i += n
    # Type-ahead: the word being typed (no space after it yet) matches as a prefix.
    last = terms[-1]
    if len(last.words[-1]) >= MIN_PREFIX and not q[-1:].isspace():
        terms[-1] = Term(last.words, last.concepts, prefix=True)
    return ParsedQuery(tuple(terms))


class _FullText(Expression):
    """Alias-safe SQL for the full-text index, usable in filter() and annotate().

    kind "match": the record matches (SQLite: rowid sub-select on register_fts; PostgreSQL: id
    sub-select on register_searchtext, whose stored documents the GIN index covers). kind "join":
    SQLite only, joins register_fts (which must be in FROM) so bm25() can rank in the same pass.
    kind "rank": the relevance score.
    """

    def __init__(self, query: ParsedQuery, kind: str):
        super().__init__(output_field=BooleanField() if kind != "rank" else FloatField())
        self.query, self.kind = query, kind
        self.pk = F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):  # SQLite
        pk, params = compiler.compile(self.pk)
        if self.kind == "match":
            return f"{pk} IN (SELECT rowid FROM register_fts WHERE register_fts MATCH %s)", [*params, self.query.fts5()]
        if self.kind == "join":
            # The unary + keeps SQLite from probing the FTS table once per record (it must drive the join).
            return f"(+register_fts.rowid = {pk} AND register_fts MATCH %s)", [*params, self.query.fts5()]
        return "bm25(register_fts)", []

    def as_postgresql(self, compiler, connection):
        # The stored documents of register_searchtext (migration 0005), never a re-parse of the text.
        pk, params = compiler.compile(self.pk)
        if self.kind == "rank":
            return (f"(SELECT ts_rank(s.document, to_tsquery('simple', %s)) FROM register_searchtext s "
                    f"WHERE s.object_id = {pk})", [self.query.tsquery(), *params])
        return (f"{pk} IN (SELECT object_id FROM register_searchtext WHERE document @@ to_tsquery('simple', %s))",
                [*params, self.query.tsquery()])


ORDERS = {
    "relevance": None,  # best match first when there is a query, else most recently updated
    "-updated": ("-updated", "-pk"),
    "updated": ("updated", "pk"),
    "record_number": ("record_number",),
    "-record_number": ("-record_number",),
}


# Relevance is worked out when a search finds at most RANK_LIMIT records and its words match at most
# RANK_WORDS_LIMIT records the user may see: ranking reads every record the words match (FTS5 walks
# them all), so very common words cost as much as a large result. Both counts are of records the
# user may see, so whether a page is ranked says nothing about other agencies' records.
RANK_LIMIT = 10_000
RANK_WORDS_LIMIT = 20_000


# PostgreSQL keeps the documents in hash partitions of register_searchtext (migration 0005). Outside
# a transaction each partition is matched on its own connection at the same time, one per core (the
# request's connection takes the first, threads of a small pool with connections of their own take
# the others): a common pair of words at a million records takes about half as long. Inside a
# transaction (or with autocommit off) the whole table is matched on the transaction's connection,
# the only one that sees its writes. The partitions are read in separate snapshots, as the columns
# already are; the page's records are always read again through restrict().
TEXT_PARTITIONS = ("register_searchtext_0", "register_searchtext_1")
_text_pool: ThreadPoolExecutor | None = None
_text_pool_lock = threading.Lock()
_text_pool_connections: set = set()


def _match_table(table: str, tsquery: str):
    """Ids of the records of `table` whose document matches, packed as 8-byte big-endian integers
    (cheaper for the server than formatting text), on this thread's connection."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT string_agg(int8send(object_id), ''::bytea) FROM {table} "
                       "WHERE document @@ to_tsquery('simple', %s)", [tsquery])
        packed = cursor.fetchone()[0]
    return bytes(packed) if packed else b""


def _match_on_pool_thread(table: str, tsquery: str):
    _text_pool_connections.add(connections[DEFAULT_DB_ALIAS])
    # No request signals reach this thread: retire a connection past CONN_MAX_AGE or known broken here.
    connection.close_if_unusable_or_obsolete()
    try:
        return _match_table(table, tsquery)
    except (InterfaceError, OperationalError):
        if connection.connection is not None and connection.is_usable():
            raise  # a failed query (cancelled, timed out), not a lost connection: no second run
        connection.close()  # the server restarted or dropped the connection: one new attempt
        return _match_table(table, tsquery)


def _pool() -> ThreadPoolExecutor:
    global _text_pool
    with _text_pool_lock:
        if _text_pool is None:
            # Concurrent searches each take a thread (and its connection) for their other partitions.
            _text_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="turath-text-match")
        return _text_pool


def close_text_pool():
    """Stop the pool's threads and close their connections (the test suite does this before it
    drops its database)."""
    global _text_pool
    with _text_pool_lock:
        pool, _text_pool = _text_pool, None
    if pool is not None:
        pool.shutdown(wait=True)
    for wrapper in list(_text_pool_connections):
        wrapper.inc_thread_sharing()
        try:
            wrapper.close()
        finally:
            wrapper.dec_thread_sharing()
    _text_pool_connections.clear()


def text_match_ids(query: ParsedQuery) -> np.ndarray:
    """Ids of every record whose text matches the query: one pass over the text index, ids only,
    as one value (SQLite: comma-separated text, 160,000 ids in ~25 ms where rows take ~70 ms;
    PostgreSQL: packed integers, the partitions matched at once)."""
    if connection.vendor == "postgresql":
        tsquery = query.tsquery()
        if register_columns.in_transaction():
            packed = _match_table("register_searchtext", tsquery)
        else:
            others = [_pool().submit(_match_on_pool_thread, table, tsquery) for table in TEXT_PARTITIONS[1:]]
            packed = b"".join([_match_table(TEXT_PARTITIONS[0], tsquery), *(f.result() for f in others)])
        return np.frombuffer(packed, dtype=">i8").astype(np.int64)
    with connection.cursor() as cursor:
        cursor.execute("SELECT group_concat(rowid) FROM register_fts WHERE register_fts MATCH %s", [query.fts5()])
        joined = cursor.fetchone()[0]
    if not joined:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(joined, dtype=np.int64, sep=",")


def ranked_ids(query: ParsedQuery, ids: np.ndarray, offset: int, limit: int) -> list[int]:
    """`ids` (the search's records, at most RANK_LIMIT) ordered by relevance (bm25 on SQLite, ts_rank on PostgreSQL;
    ties: newest record first), from `offset`, at most `limit`."""
    if not len(ids) or limit <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The ids already match the words: read their documents by key (a filter `= ANY(list)`
            # beside the text match would compare every matching row with the whole list).
            cursor.execute(
                "SELECT object_id FROM register_searchtext WHERE object_id = ANY(%s) "
                "ORDER BY ts_rank(document, to_tsquery('simple', %s)) DESC, object_id DESC "
                "LIMIT %s OFFSET %s", [ids.tolist(), query.tsquery(), limit, offset])
        else:
            # The unary + keeps the text index driving the query (the id list only filters).
            cursor.execute(
                "SELECT rowid FROM register_fts WHERE register_fts MATCH %s "
                "AND +rowid IN (SELECT value FROM json_each(%s)) ORDER BY bm25(register_fts), rowid DESC "
                "LIMIT %s OFFSET %s", [query.fts5(), json.dumps(ids.tolist()), limit, offset])
        return [row[0] for row in cursor.fetchall()]


def _unranked(query, order, selection) -> str:
    """Why a relevance-ordered page falls back to newest first: "results" (too many found), "words"
    (words too common), or "" (ranked, or another order)."""
    if not query or order != "relevance" or selection is None:
        return ""
    if len(selection.ids) > RANK_LIMIT:
        return "results"
    return "words" if selection.visible > RANK_WORDS_LIMIT else ""


class SearchResult:
    """The records a user may see that match a query and filters.

    `count`, `facets(lang)` and slicing (`result[a:b]`, what a Paginator does) come from the
    in-memory columns (register/columns.py) when they are available: one pass over the text index,
    then array operations; the records of the page are then read with the permission filter
    applied again in SQL. `queryset` is the same search as an ordered QuerySet, for exports and for
    code that streams every match; it is also the fallback when the columns are not available
    (inside a transaction on a large register). `rows` is the queryset the page's records are read
    from: callers may add select_related/prefetch_related to it (and to `queryset`) with `related()`.
    `ranked` is False when the order "relevance" fell back to newest first, and `unranked` says why
    (see RANK_LIMIT). (`text_count`, the records the words alone match in the whole register,
    others' included, is for benchmarks and never shown.)
    """

    def __init__(self, *, matched, ordered, query: ParsedQuery, filters: dict, lang: str, rows,
                 selection=None, text_count: int = 0, order: str = "relevance"):
        self._matched = matched
        self.queryset = ordered
        self.rows = rows
        self.query = query
        self.filters = filters
        self.lang = lang
        self.order = order
        self._selection = selection
        self.text_count = text_count
        self.unranked = _unranked(query, order, selection)  # "", "results" or "words"
        self.ranked = not self.unranked

    def related(self, *, select=(), prefetch=()):
        """Load these relations with the records of a page (applied to `rows` and `queryset`)."""
        self.rows = self.rows.select_related(*select).prefetch_related(*prefetch)
        self.queryset = self.queryset.select_related(*select).prefetch_related(*prefetch)
        return self

    @cached_property
    def _columns(self) -> tuple[int, dict]:
        return column_counts(self._matched)

    @cached_property
    def count(self) -> int:
        if self._selection is not None:
            return len(self._selection.ids)
        if self.query:
            # With a text query the match set is small: one pass gives the count and every facet.
            return self._columns[0]
        return self._matched.order_by().count()

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        if self._selection is None or not isinstance(index, slice):
            return self.queryset[index]
        start, stop, step = index.indices(self.count)
        if step != 1:
            raise ValueError("a search result is sliced with step 1")
        ids = self._page_ids(start, stop)
        if ids is None:
            return list(self.queryset[start:stop])
        found = {o.pk: o for o in self.rows.filter(pk__in=ids)}
        return [found[i] for i in ids if i in found]

    def _page_ids(self, start: int, stop: int) -> list[int] | None:
        selection = self._selection
        if stop <= start:
            return []
        if self.order in ("relevance", "-updated", "updated"):
            if self.order == "relevance" and self.query and self.ranked:
                return ranked_ids(self.query, selection.ids, start, stop - start)
            with selection.columns.lock:
                newest = selection.columns.newest_first(selection.ids, stop, reverse=self.order == "updated")
            return newest[start:stop].tolist()
        return None  # record-number order: the database sorts

    def facets(self, lang: str | None = None) -> dict[str, list[tuple[str, str, int]]]:
        if self._selection is not None:
            with self._selection.columns.lock:
                counts = self._selection.columns.counts(self._selection.ids)
            return facet_counts(None, lang or self.lang, counts=counts)
        return facet_counts(self._matched, lang or self.lang, columns=self._columns[1] if self.query else None)


def search_objects(user, q: str = "", filters: dict[str, list[str]] | None = None, *, order: str = "relevance",
                   lang: str | None = None, pages: bool = True) -> SearchResult:
    """Search the register as `user` sees it.

    Every word of `q` must match (in any language, with concept labels expanded to concepts); `filters`
    maps facet keys (FACETS in facets.py) to values: values within a facet are alternatives (OR),
    facets combine (AND); a broader concept also selects its narrower ones. Raises ValueError for
    an unknown `order`. `pages=False` (an export, which streams `queryset`) skips the columns.
    """
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; use one of {', '.join(ORDERS)}")
    lang = lang or getattr(user, "preferred_language", "") or "en"
    filters = {k: [str(v) for v in vs if str(v).strip()] for k, vs in (filters or {}).items() if vs}
    query = parse_query(q)
    visible = CulturalObject.objects.restrict(user, "view")
    conditions = resolve_filters(filters)  # concept expansion and agency codes: once, for SQL and columns
    filtered = apply_filters(visible, conditions, full_text=bool(query))
    matched = filtered.filter(_FullText(query, "match")) if query else filtered
    if order != "relevance":
        ordered = matched.order_by(*ORDERS[order])
    elif not query:
        ordered = matched.order_by("-updated", "-pk")
    elif connection.vendor == "sqlite":
        # bm25() needs register_fts in the FROM clause: join it (instead of the rowid sub-select).
        ordered = (filtered.extra(tables=["register_fts"]).filter(_FullText(query, "join"))
                   .annotate(search_rank=_FullText(query, "rank")).order_by("search_rank", "-pk"))
    else:
        ordered = matched.annotate(search_rank=_FullText(query, "rank")).order_by("-search_rank", "-pk")

    selection, text_count = None, 0
    columns = register_columns.current() if pages else None
    if columns is not None:
        text_ids = text_match_ids(query) if query else None
        text_count = len(text_ids) if text_ids is not None else 0
        with columns.lock:
            selection = columns.select(user, conditions, text_ids)
        if _unranked(query, order, selection):
            ordered = matched.order_by("-updated", "-pk")  # as the pages are ordered (see `ranked`)
    return SearchResult(matched=matched, ordered=ordered, query=query, filters=filters, lang=lang, rows=visible,
                        selection=selection, text_count=text_count, order=order)
