"""The demo store's live chat: a "Returns" guided flow over the returns article, tagged "return"."""

from cxloop.chat import flows
from cxloop.helpcenter.models import Article


def generate_chat(*, store) -> None:
    returns = Article.objects.filter(store=store, slug="returns").first()
    flows.save_flow(
        store=store,
        fields={
            "label_en": "Returns", "label_pl": "Zwroty", "label_lv": "Atgriešana", "label_fa": "مرجوعی",
            "label_zh_hans": "退货", "label_zh_hant": "退貨",
            "article": str(returns.pk) if returns else "", "ask_order": "on", "tag": "return",
        },
    )  # fmt: skip
