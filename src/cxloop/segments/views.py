"""Staff pages of segments: the list, the editor with a live count, a segment's members and their CSV.

A segment's page lists its member rows (services.members) with when they were
last brought up to date and who entered and left in the last week.

Every member of the store reads segments and previews queries; owners and
admins save, change and delete them and export their members (an agent's
write is a 403). Another store's segment id is a 404. Thin views: the verbs
are in services.segments, the reads in queries.
"""

from django.contrib import messages as flash
from django.http import HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxloop.core.errors import DomainError
from cxloop.core.models import Membership
from cxloop.core.roles import check_role, has_role
from cxloop.surveys.exports import neutralize, stream_csv
from cxloop.web.access import store_required
from cxloop.web.paging import build_page

from . import queries
from .query import SegmentQueryError, all_fields
from .query.grammar import MAX_LENGTH
from .services import segments as services

CHANGES_DAYS = 7  # the segment page's "entered / left in the last 7 days"
EXAMPLES = (
    "amount_spent > 100 AND number_of_orders >= 2",
    "last_order_date < -90d AND number_of_orders >= 2",
    "rfm_group = 'AT_RISK' OR churn_risk > 70",
    "predicted_spend_tier = 'HIGH'",
    "last_nps_band = 'DETRACTOR' AND contacted_support(since: -30d) = false",
)


@store_required
def segment_list(request):
    context = {
        "section": "segments",
        "segments": queries.list_segments(request.store),
        "can_edit": has_role(request.membership, Membership.Role.ADMIN),
        "examples": EXAMPLES,
    }
    return render(request, "segments/segment_list.html", context)


@store_required
def segment_new(request):
    if request.method == "POST":
        check_role(request, Membership.Role.ADMIN)
        try:
            segment = services.create_segment(
                store=request.store, name=request.POST.get("name", ""), query=request.POST.get("query", ""),
                description=request.POST.get("description", ""), actor=request.user,
            )  # fmt: skip
        except DomainError as error:
            return _editor(request, None, error=error, status=error.status)
        flash.success(request, _("Segment saved."))
        return redirect("segments:segment-detail", segment.pk)
    return _editor(request, None)


@store_required
def segment_detail(request, segment_id):
    segment = queries.get_segment(request.store, segment_id)
    if request.method == "POST":
        check_role(request, Membership.Role.ADMIN)
        try:
            services.update_segment(
                segment=segment, name=request.POST.get("name", ""), query=request.POST.get("query", ""),
                description=request.POST.get("description", ""),
            )  # fmt: skip
        except DomainError as error:
            segment.refresh_from_db()
            return _editor(request, segment, error=error, status=error.status)
        flash.success(request, _("Segment saved."))
        return redirect("segments:segment-detail", segment.pk)
    return _editor(request, segment)


def _editor(request, segment, *, error: DomainError | None = None, status: int = 200):
    posted = request.POST if request.method == "POST" else {}
    query = posted.get("query", segment.query if segment else request.GET.get("query", ""))
    members = build_page(queries.segment_members(segment), request.GET.get("page")) if segment else None
    context = {
        "section": "segments",
        "segment": segment,
        "name": posted.get("name", segment.name if segment else ""),
        "description": posted.get("description", segment.description if segment else ""),
        "query": query,
        "max_length": MAX_LENGTH,
        "error": error,
        "query_error": error if isinstance(error, SegmentQueryError) else None,
        "fields": all_fields(),
        "examples": EXAMPLES,
        "members": members,
        "history": _history(segment) if segment else [],
        "changes": queries.recent_member_changes(segment, days=CHANGES_DAYS) if segment else None,
        "changes_days": CHANGES_DAYS,
        "can_edit": has_role(request.membership, Membership.Role.ADMIN),
    }
    if segment is None and query and error is None:
        context["preview"], context["query_error"] = _preview(request.store, query)
    context["caret"] = caret(query, context["query_error"])
    return render(request, "segments/segment_editor.html", context, status=status)


def _history(segment) -> list[tuple]:
    """The last 30 daily counts, each with its bar's length (0-100, against the largest)."""
    counts = queries.segment_counts(segment, days=30)
    largest = max((count.members for count in counts), default=0) or 1
    return [(count, round(100 * count.members / largest, 1)) for count in counts]


def _preview(store, query: str):
    try:
        return services.preview_segment(store, query), None
    except SegmentQueryError as error:
        return None, error


def caret(query: str, error: SegmentQueryError | None) -> tuple[str, str, str] | None:
    """The query cut at the error's position: before, the character at fault (a space past the end), after."""
    if error is None or not query:
        return None
    at = min(max(error.position, 0), len(query))
    return query[:at], query[at : at + 1] or " ", query[at + 1 :]


@require_POST
@store_required
def segment_preview(request):
    """The live count under the editor (htmx): the count and a sample, or where the query goes wrong."""
    query = request.POST.get("query", "")
    preview, error = _preview(request.store, query) if query.strip() else (None, None)
    context = {"preview": preview, "query_error": error, "query": query, "caret": caret(query, error)}
    return render(request, "segments/_preview.html", context, status=200)


@store_required
def segment_delete(request, segment_id):
    segment = queries.get_segment(request.store, segment_id)  # another store's: 404, whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    check_role(request, Membership.Role.ADMIN)
    services.delete_segment(segment=segment)
    flash.success(request, _("Segment deleted."))
    return redirect("segments:segment-list")


@store_required
def segment_export(request, segment_id):
    """The segment's members, as CSV (formula-safe: a name like "=HYPERLINK(...)" stays text): its rows,
    or the query's matches while they are being updated after an edit (queries.segment_members)."""
    segment = queries.get_segment(request.store, segment_id)
    check_role(request, Membership.Role.ADMIN)
    head = [_("Customer id"), _("Email"), _("First name"), _("Last name"), _("Country"), _("Language"),
            _("Orders"), _("Amount spent"), _("Last order")]  # fmt: skip
    rows = (
        [
            c.pk,
            neutralize(c.email),
            neutralize(c.first_name),
            neutralize(c.last_name),
            c.country,
            c.language,
            c.orders_count,
            c.amount_spent,
            c.last_order_at.isoformat() if c.last_order_at else "",
        ]  # fmt: skip
        for c in queries.segment_members(segment).only(*EXPORT_FIELDS).iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(stream_csv(rows, head=head), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


EXPORT_FIELDS = (
    "pk", "email", "first_name", "last_name", "country", "language", "orders_count", "amount_spent",
    "last_order_at",
)  # fmt: skip
