"""Searching conversations: words of subjects, people and messages, in any script, typed any way."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cxloop.commerce.imports import import_shopify_customers
from cxloop.commerce.models import Customer
from cxloop.commerce.tests.helpers import hmac_b64
from cxloop.core.services import set_webhook_secret
from cxloop.helpdesk import queries
from cxloop.helpdesk.models import Conversation, SearchDocument
from cxloop.helpdesk.search import fts5_query, prepare_document, search_words, tsquery
from cxloop.helpdesk.services import conversations as services
from cxloop.helpdesk.services.indexing import index_conversations, remove_from_index
from cxloop.surveys.tests.factories import make_customer

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db
SHOPIFY_PAYLOADS = Path(__file__).parents[2] / "commerce" / "tests" / "payloads" / "shopify"
SHOPIFY_CUSTOMERS = SHOPIFY_PAYLOADS.parent / "shopify_csv" / "customers_export.csv"


def found(store, search, user=None, **filters) -> list[int]:
    """Numbers of the store's conversations (any status) the search finds, newest activity first."""
    chosen = queries.InboxFilter(status=filters.pop("status", ""), search=search, **filters)
    return [c.number for c in queries.list_conversations(store, chosen, user)]


@pytest.fixture
def languages(store):
    """Four conversations in Polish, Latvian, Persian and Chinese, and one in English."""
    polish, _m = open_conversation(
        store, subject="Zwrot", text="Chcę zwrócić buty, są za małe. Proszę o etykietę zwrotną.",
        from_name="Łucja Żółć", from_email="lucja@example.pl",
    )  # fmt: skip
    latvian, _m = open_conversation(
        store, subject="Atgriešana", text="Vēlos atgriezt kurpes, tās ir par mazām.",
        from_name="Ļubova Bērziņa", from_email="lubova@example.lv",
    )  # fmt: skip
    persian, _m = open_conversation(
        store, subject="بازگشت کالا", text="می‌خواهم کفش‌ها را پس بدهم. شماره سفارش ۴۸۱۲ است.",
        from_name="زهرا رضایی", from_email="zahra@example.ir",
    )  # fmt: skip
    chinese, _m = open_conversation(
        store, subject="退货申请", text="你好，我想退货，因为尺码不对。订单号是 5521。",
        from_name="王秀英", from_email="wang@example.cn",
    )  # fmt: skip
    english, _m = open_conversation(store, subject="Parcel", text="Where is my parcel?")
    return {"pl": polish.number, "lv": latvian.number, "fa": persian.number, "zh": chinese.number,
            "en": english.number}  # fmt: skip


@pytest.mark.parametrize(
    ("language", "search"),
    [
        ("pl", "zwrócić buty"), ("pl", "ZWROCIC"), ("pl", "etykiete zwrotna"), ("pl", "zwr"),
        ("pl", "Łucja"), ("pl", "lucja zolc"), ("pl", "ŻÓŁĆ"),
        ("lv", "Vēlos"), ("lv", "velos kurpes"), ("lv", "atgriesana"), ("lv", "ļubova"),
        ("lv", "lubova berzina"),
        ("fa", "می‌خواهم"), ("fa", "میخواهم"), ("fa", "می خواهم"), ("fa", "ميخواهم"), ("fa", "كفش"),
        ("fa", "کَفش"), ("fa", "ك\u0640فش"), ("fa", "4812"), ("fa", "۴۸۱۲"), ("fa", "٤٨١٢"), ("fa", "رضايي"),
        ("zh", "退货"), ("zh", "尺码"), ("zh", "尺码不对"), ("zh", "退"), ("zh", "王秀英"), ("zh", "5521"),
    ],
)  # fmt: skip
def test_a_word_of_a_message_subject_or_name_finds_its_conversation_however_it_is_typed(
    store, languages, language, search
):
    assert found(store, search) == [languages[language]]


def test_every_word_must_be_found_and_only_the_last_may_be_a_words_start(store, languages):
    assert found(store, "zwrócić parcel") == []
    assert found(store, "zwr buty") == []
    assert found(store, "buty zwr") == [languages["pl"]]


def test_words_found_in_different_parts_of_a_conversation_find_it_together(store, languages):
    assert found(store, "lucja etykiete") == [languages["pl"]]  # the name, and a message


def test_the_customer_record_of_a_conversation_finds_it(store):
    customer = Customer.objects.create(
        store=store, email="marta.kwiatkowska@example.pl", email_key="marta.kwiatkowska@example.pl",
        first_name="Marta", last_name="Kwiatkowska", created_at=timezone.now(), updated_at=timezone.now(),
    )  # fmt: skip
    conversation, _m = open_conversation(store, from_email="marta.kwiatkowska@example.pl", from_name="")

    assert conversation.customer_id == customer.pk
    assert found(store, "kwiatkowska") == [conversation.number]
    assert found(store, "marta.kwiatkowska@example.pl") == [conversation.number]


SHOPIFY_SECRET = "shpss_test_secret_0123456789"


def shopify_sends(store, topic: str, record: dict, event_id: str):
    body = json.dumps(record).encode()
    return Client().post(
        f"/webhooks/shopify/{store.slug}/", data=body, content_type="application/json",
        headers={
            "X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": hmac_b64(SHOPIFY_SECRET, body),
            "X-Shopify-Event-Id": event_id, "X-Shopify-Webhook-Id": f"wh-{event_id}",
            "X-Shopify-Shop-Domain": "sklep-ania.myshopify.com",
        },
    )  # fmt: skip


def test_a_customer_renamed_by_the_store_is_found_by_the_new_name_and_no_longer_by_the_old(store):
    # given Zahra Rezaei as Shopify sent her, and her conversation linked to her record
    set_webhook_secret(store=store, platform="shopify", secret=SHOPIFY_SECRET)
    zahra = json.loads((SHOPIFY_PAYLOADS / "customers_update.json").read_bytes())
    assert shopify_sends(store, "customers/update", zahra, "evt-1").status_code == 200
    conversation, _m = open_conversation(store, from_email="zahra.rezaei@example.ir", from_name="")
    assert found(store, "رضایی") == [conversation.number]

    # when the store renames her and gives her a new address
    zahra |= {"last_name": "Karimi", "email": "zahra.karimi@example.ir", "updated_at": "2026-10-01T09:00:00Z"}
    assert shopify_sends(store, "customers/update", zahra, "evt-2").status_code == 200

    # then the new name and address find the conversation; the old name does not
    assert Customer.objects.get(pk=conversation.customer_id).last_name == "Karimi"
    assert found(store, "karimi") == [conversation.number]
    assert found(store, "zahra.karimi@example.ir") == [conversation.number]
    assert found(store, "رضایی") == []  # ("rezaei" still does: the address she wrote from)


def test_a_customer_renamed_by_an_import_is_found_by_the_new_name_only(store):
    # given Sara Mohammadi imported from the store's export, with a conversation
    import_shopify_customers(store=store, file=io.BytesIO(SHOPIFY_CUSTOMERS.read_bytes()))
    conversation, _m = open_conversation(store, from_email="sara.mohammadi@example.ir", from_name="")
    other, _m = open_conversation(store, from_email="janis.berzins@example.lv", from_name="")
    assert found(store, "محمدی") == [conversation.number]

    # when a later export has her under her new name
    export = SHOPIFY_CUSTOMERS.read_text().replace(",سارا,محمدی,", ",سارا,کریمی,")
    import_shopify_customers(store=store, file=io.BytesIO(export.encode()))

    # then
    assert found(store, "کریمی") == [conversation.number]
    assert found(store, "محمدی") == []
    assert found(store, "bērziņš") == [other.number]


def test_another_stores_messages_never_match(store, other_store, languages):
    open_conversation(other_store, subject="Zwrot", text="Chcę zwrócić buty")

    assert found(store, "zwrocic") == [languages["pl"]]
    assert found(other_store, "Vēlos") == []


def test_a_customers_message_a_reply_and_a_note_become_findable(store, agent):
    conversation, _m = open_conversation(store, text="Hello")

    customer_writes(store, conversation, text="Paczka nie dotarła do paczkomatu")
    assert found(store, "paczkomatu") == [conversation.number]

    conversation.refresh_from_db()
    services.reply(conversation=conversation, author=agent, text="Wysłaliśmy nową przesyłkę kurierem")
    assert found(store, "kurierem") == [conversation.number]

    services.add_note(conversation=conversation, author=agent, text="Klient stały, zwrot bez kosztów")
    assert found(store, "kosztow") == [conversation.number]


def test_a_merged_conversations_words_find_the_conversation_it_was_merged_into(store, agent):
    source, _m = open_conversation(store, text="Reklamacja kurtki")
    target, _m = open_conversation(store, text="Pytanie o rozmiar")

    services.merge(source=source, target=target, actor=agent)

    assert found(store, "reklamacja") == [target.number]


def test_removed_from_the_index_a_conversation_is_not_found(store, languages):
    polish = Conversation.objects.get(store=store, number=languages["pl"])

    assert remove_from_index([polish.pk]) == 1
    assert found(store, "zwrocic") == []
    assert not SearchDocument.objects.filter(conversation=polish).exists()

    index_conversations([polish.pk])
    assert found(store, "zwrocic") == [polish.number]


def test_a_deleted_conversation_leaves_nothing_in_the_index(store, languages):
    Conversation.objects.filter(store=store, number=languages["zh"]).delete()

    assert found(store, "退货") == []
    assert SearchDocument.objects.filter(store=store).count() == 4
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO helpdesk_search(helpdesk_search) VALUES ('integrity-check')")


def test_search_combines_with_the_filters_and_lists_newest_activity_first(store, agent):
    older, _m = open_conversation(store, text="Faktura VAT proszę")
    newer, _m = open_conversation(store, text="Proszę o fakturę")
    Conversation.objects.filter(pk=older.pk).update(last_message_at=timezone.now() + timedelta(hours=1))
    services.set_status(conversation=newer, status="resolved", actor=agent)

    assert found(store, "prosze") == [older.number, newer.number]
    assert found(store, "prosze", status="resolved") == [newer.number]
    assert found(store, "prosze", status="open") == [older.number]


def test_a_number_still_finds_its_conversation(store, languages):
    assert found(store, f"#{languages['lv']}") == [languages["lv"]]


def test_a_number_in_persian_digits_finds_its_conversation_and_a_superscript_fails_nothing(store, languages):
    persian = str(languages["lv"]).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))

    assert found(store, f"#{persian}") == [languages["lv"]]
    assert found(store, "¹") == [] and found(store, "#²³") == []


@pytest.mark.parametrize(
    "search",
    ['"', '"zwrot', "*", "zwrot*", "NEAR(zwrot buty)", "zwrot OR buty", "NOT buty", "(((", "zwrot)",
     "a:b", "'", "\\", "&|!", "buty\x00", "^zwrot", "-zwrot", "+", "{col}:x", "x" * 10_000,
     "buty " * 2000, "\u200c", "ـ", "AND", "'':*", "¹", "#²"],
)  # fmt: skip
def test_hostile_searches_answer_without_an_error(store, languages, search):
    found(store, search)


def fts_syntax():
    return st.lists(
        st.sampled_from(['"', "*", "NEAR(", ")", "(", " OR ", " AND ", " NOT ", "^", ":", "'", "&", "|",
                         "!", "\\", "\x00", "-", "+", "zwrot", "buty", "退货", "ك", "\u200c", " "]),
    ).map("".join)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(search=st.one_of(st.text(max_size=300), fts_syntax()))
@example(search="x" * 10_240)
@example(search='NEAR("a" "b", 2) OR (c')
def test_no_search_string_makes_the_search_fail(store, search):
    found(store, search)


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_a_search_is_words_the_index_reads_as_words(search):
    words = search_words(search)
    assert len(words) <= 8
    for word in words:
        assert word and " " not in word and '"' not in word and "'" not in word
    prepare_document(search)  # any text can be prepared
    if words:
        assert fts5_query(words).count('"') == 2 * len(words)
        assert tsquery(words).count("'") == 2 * len(words)


def test_the_inbox_marks_what_was_found_and_escapes_the_rest(store, agent_client):
    open_conversation(store, subject="<b>Zwrot</b>", text="<script>alert(1)</script> chcę zwrócić buty")

    response = agent_client.get(reverse("helpdesk:inbox"), {"q": "zwrocic", "status": "all"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; chcę <mark>zwrócić</mark> buty" in page
    assert "&lt;b&gt;Zwrot&lt;/b&gt;" in page and "<script>alert" not in page


def test_the_inbox_searches_as_you_type_in_its_results_partial(store, agent_client):
    conversation, _m = open_conversation(store, text="Rozmiar 42 jest za mały")

    response = agent_client.get(
        reverse("helpdesk:inbox"), {"q": "rozm", "status": "all"},
        headers={"HX-Request": "true", "HX-Target": "inbox-results"},
    )  # fmt: skip

    assert [c.number for c in response.context["page"].items] == [conversation.number]
    assert "<mark>Rozmiar</mark> 42" in response.content.decode()


def test_a_search_without_a_match_offers_every_status(store, agent_client):
    conversation, _m = open_conversation(store, text="Kurtka zimowa")
    Conversation.objects.filter(pk=conversation.pk).update(status="resolved")

    response = agent_client.get(reverse("helpdesk:inbox"), {"q": "kurtka"})

    assert response.context["page"].items == []
    assert "?q=kurtka&amp;status=all" in response.content.decode()


def test_the_api_searches_conversations_of_the_keys_store_only(api_client, store, other_store, languages):
    open_conversation(other_store, text="Chcę zwrócić buty")

    answer = api_client.get("/api/v1/conversations", {"q": "zwrocic"})

    assert answer.status_code == 200
    assert [item["number"] for item in answer.json()["items"]] == [languages["pl"]]
    assert api_client.get("/api/v1/conversations", {"q": 'NEAR("x" OR'}).json()["items"] == []


def test_reindexing_a_store_brings_back_its_words(store, languages):
    SearchDocument.objects.filter(store=store).delete()
    call_command("reindex_helpdesk_search", "--store", store.slug, stdout=io.StringIO())

    assert found(store, "velos") == [languages["lv"]]


def test_a_new_conversations_document_is_the_one_the_indexer_writes(store):
    make_customer(store, email="zofia@example.pl", first_name="Zofia", last_name="Wójcik")
    conversation, _message = open_conversation(
        store, subject="Reklamacja butów", from_email="Zofia@Example.pl", from_name="Zofia W.",
        text="Podeszwa odkleiła się po tygodniu. 鞋底开胶了。",
    )  # fmt: skip
    written_on_arrival = SearchDocument.objects.get(conversation=conversation).text

    index_conversations([conversation.pk])

    assert SearchDocument.objects.get(conversation=conversation).text == written_on_arrival
    assert "wojcik" in written_on_arrival and "鞋底" in written_on_arrival


# -- adding a message's words instead of rewriting the document ------------------------------------

WRITERS = st.sampled_from([
    ("customer", "", ""), ("customer", "Zofia Żak", "zofia@example.pl"),
    ("customer", "张伟", "wei@example.cn"), ("agent", "", ""), ("note", "", ""),
])  # fmt: skip
TEXTS = st.sampled_from([
    "Gdzie jest moja paczka? Zamówienie 1001", "می‌خواهم کفش ۴۲ را پس بدهم", "我想退货，鞋子太小了",
    "Kur ir mana paka? Pasūtījums 77", "", "   ", "Zebra-7 ŁÓDŹ", "tracking PL123456789",
])  # fmt: skip


@given(steps=st.lists(st.tuples(WRITERS, TEXTS), min_size=1, max_size=6))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_new_messages_words_added_to_the_document_are_the_words_a_rewrite_gives(store, owner, steps):
    conversation, _ = open_conversation(store, subject="Buty 退货")
    for (kind, name, email), text in steps:
        if kind == "customer":
            customer_writes(store, conversation, text=text or "…", from_name=name, **(
                {"from_email": email} if email else {}))  # fmt: skip
        elif kind == "agent" and text.strip():
            services.reply(conversation=conversation, author=owner, text=text)
        elif kind == "note" and text.strip():
            services.add_note(conversation=conversation, author=owner, text=text)
        added = SearchDocument.objects.get(conversation=conversation).text
        index_conversations([conversation.pk])
        rewritten = SearchDocument.objects.get(conversation=conversation).text
        assert set(added.split()) == set(rewritten.split())
