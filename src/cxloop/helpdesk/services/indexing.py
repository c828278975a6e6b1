"""Keep the search index in step with conversations: rewrite a conversation's document, or remove it.

    index_conversations([conversation.pk])   # after its messages, subject or customer changed
    remove_from_index([conversation.pk])     # its words are no longer findable

Every write that changes what a conversation is found by calls one of them
in its own transaction: `intake.take_message` (every channel's customer
message), `conversations.reply`, `add_note` and `merge`; the store mirror calls
`reindex_customers` when a customer's name or email changes. Erasure of help-desk
data calls `remove_from_index` for conversations it deletes (deleting a
conversation also deletes its document, by cascade) and `index_conversations`
for those it anonymises. `cxloop reindex_helpdesk_search` rebuilds a store's.

The text is prepared in Python (helpdesk.search); the database keeps its index
of it (an FTS5 table filled by triggers on SQLite, a generated tsvector on
PostgreSQL), so no write path touches FTS5 or tsvector SQL itself.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from cxloop.core import batch_cache

from ..models import Conversation, Message, SearchDocument
from ..search import MAX_DOCUMENT_CHARS, prepare_document

BATCH = 500
MESSAGE_CHARS = 50_000  # of one message's text that is indexed


@transaction.atomic
def index_conversations(conversation_ids: Iterable[int]) -> int:
    """Rewrite the search documents of these conversations from what they hold now; return how many.

    Safe to run twice; ids of deleted conversations are skipped. The conversations are locked first
    (as the services' own update of them already does): two messages added at once to one
    conversation each rewrite its document, and the second must see the first's message, not
    overwrite it with a document that lacks it.
    """
    ids = list(
        Conversation.objects.select_for_update()
        .filter(pk__in=list(conversation_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return write_documents(Conversation, Message, SearchDocument, ids)


_LATER = ("helpdesk.indexing", "later")


def add_messages(conversation_id: int, messages: list[Message]) -> None:
    """Make new `messages` of a conversation findable: their words are added to its document.

    The document then holds the words a rewrite (`index_conversations`) would give it: the message
    is the conversation's newest, and its sender's words are added only when the document lacks
    them. A rewrite is done instead when the document is missing or the words would bring it near
    MAX_DOCUMENT_CHARS (where a rewrite cuts other words). In an open batch that asked for it
    (`defer_indexing`) the messages wait for `index_deferred`; otherwise the document is written now.
    """
    later = batch_cache.get(_LATER)
    if later is None:
        _add({conversation_id: list(messages)})
    else:
        later.setdefault(conversation_id, []).extend(messages)


def defer_indexing() -> None:
    """In an open batch (core.batch_cache): `add_messages` collects messages until `index_deferred`,
    so a conversation given several messages in the batch has its document written once.

    They live in the batch's memory: a batch's rollback clears it (`all_items`), and a batch then
    run again item by item writes each document at once, as outside a batch.
    """
    batch_cache.put(_LATER, {})


def index_deferred() -> int:
    """Write what `add_messages` collected in the batch (inside its transaction); how many documents."""
    later = batch_cache.get(_LATER)
    if not later:
        return 0
    added = dict(later)
    later.clear()
    return _add(added)


def _add(added: dict[int, list[Message]]) -> int:
    # Locked first, as index_conversations does: two transactions adding to one document each read
    # it, and the second must see the first's words.
    ids = list(
        Conversation.objects.select_for_update()
        .filter(pk__in=list(added))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    texts = dict(
        SearchDocument.objects.filter(conversation_id__in=ids).values_list("conversation_id", "text")
    )
    documents, rewrite = [], []
    for pk in ids:
        text = texts.get(pk)
        grown = None if text is None else _grown(text, added[pk])
        if grown is None:
            rewrite.append(pk)
        elif grown != text:
            documents.append((pk, added[pk][0].store_id, grown))
    _upsert(documents, timezone.now())
    return len(documents) + write_documents(Conversation, Message, SearchDocument, rewrite)


def _upsert(documents: list[tuple[int, int, str]], now) -> None:
    """Write (conversation id, store id, text) documents, as `bulk_create(update_conflicts=True)` does,
    with SQL made once: the ORM compiled every value of every row, a tenth of the chat's database
    thread under a burst (cxloop bench chat)."""
    if not documents:
        return
    updated_at = SearchDocument._meta.get_field("updated_at").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        cursor.executemany(_upsert_sql(connection.vendor), [(*row, updated_at) for row in documents])


@functools.cache
def _upsert_sql(vendor: str) -> str:
    meta, quote = SearchDocument._meta, connection.ops.quote_name
    key, store, text, updated = (
        quote(meta.get_field(name).column) for name in ("conversation", "store", "text", "updated_at")
    )
    return (
        f"INSERT INTO {quote(meta.db_table)} ({key}, {store}, {text}, {updated}) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT ({key}) DO UPDATE SET {text} = EXCLUDED.{text}, {updated} = EXCLUDED.{updated}"
    )


def _grown(text: str, messages: list[Message]) -> str | None:
    """`text` with the messages' words added, or None when only a rewrite gives the right words."""
    have = set(text.split())
    parts = [text] if text else []
    for message in messages:
        senders = prepare_document(*sorted(filter(None, {message.from_name, message.from_email})))
        if senders and not set(senders.split()) <= have:
            parts.append(senders)
            have.update(senders.split())
        words = prepare_document((message.reply_text or message.text)[:MESSAGE_CHARS])
        if words:
            parts.append(words)
    grown = " ".join(parts)
    return grown if len(grown) < MAX_DOCUMENT_CHARS - 1000 else None


def new_conversation_document(conversation: Conversation, message: Message) -> SearchDocument:
    """The document of a conversation opened by `message` (for the caller to write in the
    transaction that writes both).

    The same words `write_documents` would find (a test holds them equal), from the rows in hand:
    nobody else can see the conversation before this transaction commits, so there is nothing to
    lock or read again.
    """
    customer = conversation.customer
    people = [
        conversation.contact_name, conversation.contact_email,
        customer.first_name if customer else "", customer.last_name if customer else "",
        customer.email if customer else "",
        *sorted(filter(None, {message.from_name, message.from_email})),
    ]  # fmt: skip
    text = prepare_document(
        conversation.subject, *people, (message.reply_text or message.text)[:MESSAGE_CHARS]
    )
    return SearchDocument(
        conversation=conversation, store_id=conversation.store_id, text=text, updated_at=timezone.now()
    )


def reindex_erased(store, conversation_ids: Iterable[int]) -> int:
    """Erasure's listener (services.privacy): the erased conversations' documents rewritten from what
    they hold after erasure, so none of the person's words, name or address can still find them."""
    return index_conversations(conversation_ids)


def reindex_customers(store, customer_ids: Iterable[int]) -> int:
    """The store mirror's listener for renamed customers (commerce.services.register_renamed_listener):
    the documents of their conversations rewritten with their name and email as they are now, so the
    new ones find them and the old ones no longer do (unless the conversation holds them itself: an
    address the person wrote from). One query when they have no conversation; returns how many."""
    ids = list(
        Conversation.objects.filter(store=store, customer_id__in=list(customer_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(index_conversations(ids[start : start + BATCH]) for start in range(0, len(ids), BATCH))


def remove_from_index(conversation_ids: Iterable[int]) -> int:
    """Remove these conversations' words from the index (for erasure); return how many were there."""
    deleted, _by_model = SearchDocument.objects.filter(conversation_id__in=list(conversation_ids)).delete()
    return deleted


def reindex_store(store) -> int:
    """Rewrite every document of the store's conversations, in batches; return how many."""
    ids = list(Conversation.objects.filter(store=store).order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), BATCH):
        done += index_conversations(ids[start : start + BATCH])
    return done


def write_documents(conversation_model, message_model, document_model, ids: list[int]) -> int:
    """Build and upsert the documents of `ids`, from these model classes (a migration passes its own)."""
    if not ids:
        return 0
    texts = defaultdict(list)
    senders = defaultdict(set)
    messages = message_model.objects.filter(conversation_id__in=ids).order_by("created_at", "pk")
    for conversation_id, reply_text, text, from_name, from_email in messages.values_list(
        "conversation_id", "reply_text", "text", "from_name", "from_email"
    ).iterator(chunk_size=2000):
        texts[conversation_id].append((reply_text or text)[:MESSAGE_CHARS])
        senders[conversation_id].update(filter(None, (from_name, from_email)))
    now = timezone.now()
    documents = []
    conversations = conversation_model.objects.filter(pk__in=ids).values_list(
        "pk", "store_id", "subject", "contact_name", "contact_email",
        "customer__first_name", "customer__last_name", "customer__email",
    )  # fmt: skip
    for pk, store_id, subject, name, email, first, last, customer_email in conversations:
        people = [name, email, first or "", last or "", customer_email or "", *sorted(senders[pk])]
        text = prepare_document(subject, *people, *texts[pk])
        documents.append(document_model(conversation_id=pk, store_id=store_id, text=text, updated_at=now))
    document_model.objects.bulk_create(
        documents,
        update_conflicts=True,
        unique_fields=["conversation"],
        update_fields=["text", "updated_at"],
    )
    return len(documents)
