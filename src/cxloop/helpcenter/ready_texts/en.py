"""The ready templates in English."""

# ruff: noqa: E501 (a paragraph is one line: the owner edits it in a textarea)

NOTE = "*Template: replace every part in double square brackets and check the text before you publish it.*"
LEGAL_NOTE = "*This text is not legal advice: have it checked for your business and your country.*"

SIZE_LABELS = {
    "header": "{measure} ({unit})",
    "cm": "cm",
    "in": "in",
    "size": "Size",
    "eu": "EU size",
    "chest": "Chest",
    "waist": "Waist",
    "inside_leg": "Inside leg",
    "foot": "Foot length",
}

TEXTS = {
    "shipping": {
        "title": "Shipping policy",
        "body": """\
## When we send your order

We pack and send orders within [[number of business days]] business days of payment. Orders placed at weekends or on public holidays are sent on the next business day.

## Delivery times and costs

| Destination | Carrier | Delivery time | Cost |
|---|---|---|---|
| [[your country]] | [[carrier]] | [[number of days]] business days | [[price]] |
| [[other countries]] | [[carrier]] | [[number of days]] business days | [[price]] |

Delivery is free for orders over [[amount]].

## Tracking your parcel

When your parcel leaves us, we email you a tracking link. If it has not arrived within [[number of days]] business days, write to us at [[email address]].

## Customs and taxes

Parcels sent outside [[country or region]] may be charged import duties and taxes by the destination country; the recipient pays them.
""",
    },
    "returns": {
        "title": "Returns and refunds",
        "body": """\
## Returning an item

You can return an item within [[number of days]] days of receiving it, without giving a reason. It must be unused, with its labels and original packaging.

These cannot be returned: [[excluded items, for example underwear or personalised items]].

## How to return

1. Write to us at [[email address]] with your order number.
2. Pack the item securely and send it to [[return address]].
3. Return shipping: [[who pays for it, and how much]].

## Refunds

We refund you within [[number of days]] days of receiving the returned item, to the payment method you used.

## Damaged or wrong items

If an item arrived damaged or is not what you ordered, write to us within [[number of days]] days with a photo. We will replace it or refund it, shipping included.
""",
    },
    "privacy": {
        "title": "Privacy policy",
        "body": """\
This policy explains what personal data we collect, why, how long we keep it, and your rights under the EU General Data Protection Regulation (GDPR).

## Who we are

[[store name]], [[company address]], is the controller of your personal data. For anything about your data, write to [[email address]].

## What data we collect and why

- **Orders:** your name, addresses, email, phone number and what you bought, to deliver your order and handle returns (needed for the contract).
- **Payments:** handled by [[payment provider]]; we do not see or store your full card details.
- **Invoices:** kept because accounting law requires it (legal obligation).
- **Customer service:** the messages you send us, to answer them (legitimate interest).
- **Newsletter and surveys:** your email address, only if you agree (consent, which you can withdraw at any time).
- **Cookies:** [[which cookies the shop uses, and why]].

## Who receives it

Only the companies that help us run the shop: [[for example carriers, payment provider, hosting, email service]]. We never sell your data. Transfers outside the European Economic Area: [[where, and the safeguards used, or "none"]].

## How long we keep it

- Orders and invoices: [[number of years]] years, as accounting law requires.
- Customer service messages: [[number of months]] months after the conversation ends.
- Newsletter: until you unsubscribe.

## Your rights

You can ask us to show you your data, correct it, delete it, restrict or object to its use, and send it to you in a portable format. Write to [[email address]]; we answer within one month. You can also complain to the data protection authority: [[name of the supervisory authority]].
""",
    },
    "terms": {
        "title": "Terms of service",
        "body": """\
## About these terms

These terms apply to purchases from [[store name]] at [[website address]]. The seller is [[company name, address and registration number]]. By placing an order you accept them.

## Orders

The contract is made when we confirm your order by email. We may decline an order, for example if a product is out of stock; anything you have paid is then refunded in full.

## Prices and payment

Prices are in [[currency]] and include [[VAT or sales tax]]. Delivery costs are shown before you pay. We accept [[payment methods]].

## Delivery

We deliver to the countries, and within the times, listed in our shipping policy.

## Withdrawal and returns

You can withdraw from a purchase within [[number of days]] days of receiving the goods, as our returns policy describes.

## Complaints

If a product is faulty, you have the rights the law gives you. Send complaints to [[email address]]; we answer within [[number of days]] days.

## Applicable law

These terms are governed by the law of [[country]]. This does not remove the protection consumers have under the law of the country where they live.
""",
    },
    "about": {
        "title": "About us",
        "body": """\
## Our story

[[store name]] began in [[year]] in [[town or city]]. [[How and why the shop started]].

## What we do

We sell [[what you sell]]. [[What makes your products different: materials, makers, how they are made]].

## Our promise

- [[first promise, for example dispatch within one day]]
- [[second promise, for example free returns]]
- [[third promise, for example a reply within one business day]]

## The people behind the shop

[[A few words about you and your team]].
""",
    },
    "contact": {
        "title": "Contact us",
        "body": """\
We are happy to help with orders, sizes, returns and anything else.

## Write or call

- **Email:** [[email address]]
- **Phone:** [[phone number]], [[opening hours]]

We answer within [[number of hours]] hours on business days. Please include your order number if you have one.

## Company details

[[company name]], [[full address]]. [[registration number and VAT number]].
""",
    },
    "faq": {
        "title": "Frequently asked questions",
        "body": """\
## Orders

### How do I know you received my order?

We email you a confirmation within a few minutes. If it has not arrived, check your spam folder or write to us at [[email address]].

### Can I change or cancel my order?

Yes, until we send it: write to us within [[number of hours]] hours of ordering.

## Delivery

### When will my order arrive?

Usually within [[number of days]] business days. Our shipping policy lists the times for each country.

### How can I track my parcel?

We email you a tracking link when the parcel leaves us.

## Returns

### How do I return an item?

You have [[number of days]] days to return it. Our returns policy explains how.

## Payment

### Which payment methods do you accept?

We accept [[payment methods]].

### Is my payment secure?

Payments are handled by [[payment provider]]; we never see your full card details.
""",
    },
    "size-chart": {
        "title": "Size charts",
        "body": """\
The measurements are of the body, not of the garment. [[Check these sizes against your own products and change them where they differ]].

## How to measure

- **Chest:** around the fullest part of the chest, under the arms.
- **Waist:** around your natural waistline, above the hips.
- **Inside leg:** from the crotch to the floor, without shoes.
- **Foot length:** from the heel to the tip of the longest toe, standing.

## Tops

{tops}

## Trousers

{trousers}

## Shoes

{shoes}

Between two sizes? Choose the larger one, or write to us at [[email address]].
""",
    },
}
