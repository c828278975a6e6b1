import pytest

from cxloop.chat.flows import widget_flows
from cxloop.demo.chat import generate_chat
from cxloop.demo.helpcenter import generate_helpcenter

pytestmark = pytest.mark.django_db


def test_the_demo_chat_offers_returns_with_the_returns_article_in_each_language(store):
    generate_helpcenter(store=store)
    generate_chat(store=store)

    [persian] = widget_flows(store, "fa")
    [english] = widget_flows(store, "en")

    assert persian["label"] == "مرجوعی" and persian["article"]["language"] == "fa"
    assert english["label"] == "Returns" and english["article"]["slug"] == "returns"
