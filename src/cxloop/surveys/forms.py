"""Staff forms of surveys: the builder (settings, texts per language, custom questions) and sending.

The builder's texts are one field per language and text
(`text__pl__question`), each showing the shipped default as its placeholder,
so an owner types only what they want to change; an empty field keeps the
default. Custom questions come as numbered fields (`q-0-kind`,
`q-0-text-pl`, `q-0-choices-pl` with one choice per line) that the page
can add, remove and reorder without JavaScript.
"""

from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cxloop.commerce.models import Customer
from cxloop.core.errors import InvalidInput
from cxloop.core.models import Membership, Store

from . import audience
from .models import Question, Survey
from .scoring import Kind
from .services.branding import MAX_LOGO_BYTES
from .services.surveys import COLOR, MAX_QUESTIONS, trigger_choices
from .texts import EDITABLE_FIELDS, MAX_TEXT_LENGTH, build_texts, normalize_language

SCORE_FIELDS = EDITABLE_FIELDS
CUSTOM_FIELDS = ("email_subject", "email_intro", "thank_you")
LONG_FIELDS = {"email_intro", "question"}
FIELD_LABELS = {
    "question": _("Question"),
    "scale_low_label": _("Label of the lowest score"),
    "scale_high_label": _("Label of the highest score"),
    "follow_up_low": _("Follow-up after a low score"),
    "follow_up_mid": _("Follow-up after a middle score"),
    "follow_up_high": _("Follow-up after a high score"),
    "email_subject": _("Email subject"),
    "email_intro": _("Email introduction"),
    "thank_you": _("Thank-you message"),
}


def text_fields_for(kind: str) -> tuple[str, ...]:
    """The customer-facing texts a survey of this kind uses."""
    return CUSTOM_FIELDS if kind == Kind.CUSTOM else SCORE_FIELDS


def builder_languages(store: Store, survey: Survey | None = None) -> list[str]:
    """The languages the builder offers: the store's first, then the shipped ones, then any in use."""
    codes = [normalize_language(store.default_language) or settings.LANGUAGE_CODE]
    codes += [code for code, _name in settings.LANGUAGES]
    codes += list((survey.texts or {}) if survey else {})
    return list(dict.fromkeys(codes))


def language_name(code: str) -> str:
    try:
        return translation.get_language_info(code)["name_local"]
    except KeyError:
        return code


def is_rtl(code: str) -> bool:
    try:
        return bool(translation.get_language_info(code)["bidi"])
    except KeyError:
        return False


def text_field_name(language: str, name: str) -> str:
    return f"text__{language}__{name}"


class SurveyForm(forms.Form):
    """A survey's settings and its texts per language (the kind is chosen before and never changes)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    trigger = forms.ChoiceField(label=_("When to ask"), choices=Survey.Trigger.choices)
    delay_days = forms.IntegerField(label=_("Days after the order"), min_value=0, max_value=365, initial=3)
    sampling_percent = forms.IntegerField(
        label=_("Ask this share of customers (%)"), min_value=1, max_value=100, initial=100
    )
    link_valid_days = forms.IntegerField(
        label=_("Links stay valid for (days)"), min_value=1, max_value=14, initial=14
    )
    brand_color = forms.CharField(
        label=_("Brand colour"), initial="#2563eb", widget=forms.TextInput(attrs={"type": "color"})
    )
    logo = forms.FileField(label=_("Logo"), required=False)
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    low_score_rule = forms.BooleanField(label=_("Follow up low scores"), required=False, initial=True)
    low_score_tag = forms.CharField(label=_("Tag the customer with"), max_length=50, required=False)
    notify_user_ids = forms.TypedMultipleChoiceField(
        label=_("Notify these staff members"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, store: Store, kind: str, survey: Survey | None = None, **kwargs):
        if survey is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from_survey(survey)
        super().__init__(*args, **kwargs)
        self.store = store
        self.kind = kind
        self.survey = survey
        members = Membership.objects.filter(store=store).select_related("user").order_by("user__email")
        self.fields["trigger"].choices = trigger_choices(survey.trigger if survey else None)
        self.fields["notify_user_ids"].choices = [(m.user_id, m.user.email) for m in members]
        self.languages = builder_languages(store, survey)
        self.text_names = text_fields_for(kind)
        for language in self.languages:
            defaults = build_texts(Survey(store=store, kind=kind, texts={}), language)
            direction = "rtl" if is_rtl(language) else "auto"
            for name in self.text_names:
                widget = forms.Textarea(attrs={"rows": 2}) if name in LONG_FIELDS else forms.TextInput()
                widget.attrs |= {"placeholder": getattr(defaults, name), "dir": direction, "lang": language}
                self.fields[text_field_name(language, name)] = forms.CharField(
                    label=FIELD_LABELS[name], required=False, max_length=MAX_TEXT_LENGTH, widget=widget
                )

    def clean_brand_color(self):
        color = self.cleaned_data["brand_color"].strip()
        if not COLOR.fullmatch(color):
            raise forms.ValidationError(_("Write a colour as #RRGGBB."))
        return color.lower()

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload and upload.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("The logo is larger than 200 KB."))
        return upload

    def language_panels(self) -> list[dict]:
        """Per language: its code, name, direction and bound text fields, for the template's tabs."""
        return [
            {
                "code": language,
                "name": language_name(language),
                "rtl": is_rtl(language),
                "fields": [self[text_field_name(language, name)] for name in self.text_names],
            }
            for language in self.languages
        ]

    def texts(self) -> dict:
        """The texts to save: the builder's languages from the form, other languages kept as they were."""
        texts = {
            language: fields
            for language, fields in ((self.survey.texts or {}) if self.survey else {}).items()
            if language not in self.languages
        }
        for language in self.languages:
            values = {
                name: self.cleaned_data.get(text_field_name(language, name), "").strip()
                for name in self.text_names
            }
            if values := {name: value for name, value in values.items() if value}:
                texts[language] = values
        return texts

    def settings(self) -> dict:
        """The survey settings as `services.create_survey`/`update_survey` take them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "trigger": data["trigger"],
            "delay_days": data["delay_days"],
            "sampling_percent": data["sampling_percent"],
            "link_valid_days": data["link_valid_days"],
            "brand_color": data["brand_color"],
            "low_score_rule": data["low_score_rule"],
            "low_score_tag": data["low_score_tag"].strip(),
            "notify_user_ids": list(data["notify_user_ids"]),
            "texts": self.texts(),
        }

    def add_service_error(self, error) -> None:
        """Show a service's InvalidInput beside the field it names (`texts.pl.question` included)."""
        where = error.field or ""
        if where.startswith("texts."):
            parts = where.split(".")
            if len(parts) == 3 and text_field_name(parts[1], parts[2]) in self.fields:
                where = text_field_name(parts[1], parts[2])
        self.add_error(where if where in self.fields else None, error.message)


def initial_from_survey(survey: Survey) -> dict:
    initial = {
        "name": survey.name,
        "trigger": survey.trigger,
        "delay_days": survey.delay_days,
        "sampling_percent": survey.sampling_percent,
        "link_valid_days": survey.link_valid_days,
        "brand_color": survey.brand_color,
        "low_score_rule": survey.low_score_rule,
        "low_score_tag": survey.low_score_tag,
        "notify_user_ids": list(survey.notify_user_ids),
    }
    for language, fields in (survey.texts or {}).items():
        for name, value in fields.items():
            initial[text_field_name(language, name)] = value
    return initial


@dataclass
class QuestionDraft:
    """One custom question as the builder edits it: structure, and words per language."""

    kind: str = Question.QuestionKind.RATING
    required: bool = False
    scale_max: int = 5
    texts: dict[str, str] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)  # language -> one choice per line

    @property
    def has_choices(self) -> bool:
        return self.kind in (Question.QuestionKind.SINGLE, Question.QuestionKind.MULTIPLE)

    @property
    def is_rating(self) -> bool:
        return self.kind == Question.QuestionKind.RATING

    def to_service(self, number: int) -> dict:
        """The question as `services.set_questions` takes it; ChoicesMismatch on uneven choices."""
        raw = {
            "kind": self.kind,
            "required": self.required,
            "scale_max": self.scale_max,
            "texts": {language: text for language, text in self.texts.items() if text.strip()},
        }
        if self.has_choices:
            raw["choices"] = _choices_from_lines(self.choices, number)
        return raw


class ChoicesMismatch(ValueError):
    """A choice question's languages list different numbers of choices."""


def _choices_from_lines(lines_by_language: dict[str, str], number: int) -> list[dict]:
    split = {}
    for language, text in lines_by_language.items():
        lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            split[language] = lines
    counts = {len(lines) for lines in split.values()}
    if len(counts) > 1:
        raise ChoicesMismatch(
            _("Question %(number)s: give the same number of choices, one per line, in every language.")
            % {"number": number}
        )
    count = counts.pop() if counts else 0
    return [
        {"labels": {language: lines[index] for language, lines in split.items() if lines[index]}}
        for index in range(count)
    ]


def drafts_from_survey(survey: Survey) -> list[QuestionDraft]:
    drafts = []
    for question in survey.questions.all():
        languages = {language for choice in question.choices for language in choice.get("labels", {})}
        drafts.append(
            QuestionDraft(
                kind=question.kind,
                required=question.required,
                scale_max=question.scale_max,
                texts=dict(question.texts),
                choices={
                    language: "\n".join(choice["labels"].get(language, "") for choice in question.choices)
                    for language in languages
                },
            )
        )
    return drafts


def drafts_from_post(data, languages: list[str]) -> list[QuestionDraft]:
    """The questions posted by the builder, in their order (at most MAX_QUESTIONS)."""
    try:
        count = min(int(data.get("q-count", 0)), MAX_QUESTIONS)
    except (TypeError, ValueError):
        count = 0
    drafts = []
    for index in range(max(count, 0)):
        prefix = f"q-{index}-"
        kind = data.get(prefix + "kind", "")
        if kind not in Question.QuestionKind.values:
            kind = Question.QuestionKind.RATING
        try:
            scale_max = min(max(int(data.get(prefix + "scale_max", 5)), 2), 10)
        except (TypeError, ValueError):
            scale_max = 5
        drafts.append(
            QuestionDraft(
                kind=kind,
                required=data.get(prefix + "required") == "on",
                scale_max=scale_max,
                texts={lang: data.get(f"{prefix}text-{lang}", "")[:MAX_TEXT_LENGTH] for lang in languages},
                choices={lang: data.get(f"{prefix}choices-{lang}", "")[:5000] for lang in languages},
            )
        )
    return drafts


def apply_question_action(drafts: list[QuestionDraft], action: str) -> list[QuestionDraft]:
    """Add, remove or move a question, as the builder's buttons ask ("add", "remove-2", "up-1")."""
    drafts = list(drafts)
    verb, _sep, raw_index = action.partition("-")
    if verb == "add":
        if len(drafts) < MAX_QUESTIONS:
            drafts.append(QuestionDraft())
        return drafts
    try:
        index = int(raw_index)
    except ValueError:
        return drafts
    if not 0 <= index < len(drafts):
        return drafts
    if verb == "remove":
        drafts.pop(index)
    elif verb == "up" and index > 0:
        drafts[index - 1], drafts[index] = drafts[index], drafts[index - 1]
    elif verb == "down" and index < len(drafts) - 1:
        drafts[index + 1], drafts[index] = drafts[index], drafts[index + 1]
    return drafts


class SendFilterForm(forms.Form):
    """The customer-list filters a send reuses (the same as the customers page)."""

    q = forms.CharField(label=_("Search customers"), required=False, max_length=200, strip=True)
    consent = forms.ChoiceField(
        label=_("Email consent"),
        required=False,
        choices=[("", _("Any"))] + list(Customer.Consent.choices),
    )
    has_orders = forms.ChoiceField(
        label=_("Orders"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Has orders")), ("no", _("No orders yet"))],
    )
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", _("Any"))])

    def __init__(self, data=None, *, store=None, **kwargs):
        super().__init__(data, **kwargs)
        if store is not None:
            from cxloop.segments.queries import list_segments

            self.fields["segment"].choices = [("", _("Any"))] + [
                (str(segment.pk), segment.name) for segment in list_segments(store)
            ]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": data.get("q", ""),
            "consent": data.get("consent", ""),
            "has_orders": data.get("has_orders", ""),
            # As posted, even when the form is refused: a segment deleted meanwhile must narrow the send
            # to nobody (list_filter_customers), never widen it to every customer.
            "segment": str(self.data.get("segment", "") or "")[:20],
        }


class EmailUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file of email addresses"),
        help_text=_("A column headed “email”, or one address per line. At most 10,000 rows."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > audience.MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        data = upload.read()
        try:
            return audience.read_email_csv(data)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc
