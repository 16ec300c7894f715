"""The merchant portal: items, shipments (inbound notices) and API tokens.

Every page is for a merchant's users only (:func:`~warehouse.common.pages.page_view`)
and reads through the same selectors as the API, so a merchant sees only
their own items and notices (another merchant's notice is a 404). Shipments
are announced through :func:`warehouse.services.inbound_notice_create`, by
form or by file, all or nothing; its row errors (``items[3].claim.weight_g``)
are shown beside the row's field, or by the file's row number.
"""

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.authtoken.models import Token

from warehouse.common.access import Role
from warehouse.common.exceptions import Conflict, InvalidInput, NotFound
from warehouse.common.pages import page_view

from .. import selectors, services, uploads
from ..filters import PortalItemFilter
from ..forms import (
    MAX_FORM_ITEMS,
    ItemFormSet,
    ItemRowForm,
    NoticeForm,
    NoticeUploadForm,
)
from ..models import Category, InboundNotice, Item, ItemState

PAGE_SIZE = 50
NOTICE_ITEMS_PAGE_SIZE = 100
MAX_PK = 2**63 - 1
ITEM_KEY = re.compile(r"^items\[(\d+)\]\.(.+)$")
# Claims a category names that are not an input of their own: the input to mark.
CLAIM_INPUT_OF = {"weight": "weight_g", "shelf_life": "expiry_date"}


def _partial_wanted(request) -> bool:
    """An htmx request for a part of the page (not a history restore)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _page(request, queryset, size: int):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- items ---------------------------------------------------------------------------


@require_GET
@page_view(Role.MERCHANT)
def item_list(request):
    """The merchant's items, newest first, filtered; htmx swaps just the table."""
    items = selectors.item_list_for(request.principal).order_by("-created_at", "-id")
    filters = PortalItemFilter(request.GET or None, queryset=items)
    page = _page(request, filters.qs, PAGE_SIZE)
    context = {
        "filters": filters,
        "page": page,
        "query": _query_without_page(request),
    }
    template = (
        "portal/item_list_results.html"
        if _partial_wanted(request)
        else "portal/item_list.html"
    )
    status = 400 if filters.is_bound and not filters.is_valid() else 200
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- notices -------------------------------------------------------------------------


@require_GET
@page_view(Role.MERCHANT)
def notice_list(request):
    """The merchant's shipments, newest first, with how many items arrived."""
    notices = selectors.notice_list_for(request.principal).order_by(
        "-created_at", "-id"
    )
    page = _page(request, notices, PAGE_SIZE)
    waiting = dict(
        Item.objects.filter(
            notice_id__in=[notice.pk for notice in page],
            state=ItemState.ANNOUNCED,
        )
        .order_by()
        .values_list("notice_id")
        .annotate(n=Count("id"))
    )
    for notice in page:
        notice.received_count = notice.item_count - waiting.get(notice.pk, 0)
    return render(
        request,
        "portal/notice_list.html",
        {"page": page, "query": _query_without_page(request)},
    )


@require_GET
@page_view(Role.MERCHANT)
def notice_detail(request, pk: int):
    """One shipment: its progress, a count per state, its items page by page."""
    notice = None
    if pk <= MAX_PK:
        notice = selectors.notice_list_for(request.principal).filter(pk=pk).first()
    if notice is None:
        raise NotFound(_("No inbound notice %(id)s.") % {"id": pk})
    counts = dict(
        Item.objects.filter(notice=notice)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    total = sum(counts.values())
    received = total - counts.get(ItemState.ANNOUNCED, 0)
    items = (
        selectors.item_list_for(request.principal)
        .filter(notice=notice)
        .order_by("line")
    )
    states = [
        {"state": state, "count": counts[state]}
        for state in ItemState.values
        if state in counts
    ]
    return render(
        request,
        "portal/notice_detail.html",
        {
            "notice": notice,
            "states": states,
            "total": total,
            "received": received,
            "page": _page(request, items, NOTICE_ITEMS_PAGE_SIZE),
            "query": _query_without_page(request),
        },
    )


def _category_choices() -> list[tuple[str, str]]:
    return [
        (category.code, str(category))
        for category in Category.objects.filter(is_active=True)
    ]


def _item_formset(data=None, *, categories):
    return ItemFormSet(data, prefix="items", form_kwargs={"categories": categories})


def _row_field(form: forms.Form, name: str) -> str | None:
    """The input of ``form`` that a service error on ``name`` belongs beside."""
    if name.startswith("claim."):
        name = name.removeprefix("claim.")
        name = CLAIM_INPUT_OF.get(name, name)
    return name if name in form.fields else None


def _errors_place(exc, notice_form, formset, positions: list[int]) -> list[str]:
    """Put the service's field errors beside their inputs; return the rest."""
    rest = []
    for key, field_messages in exc.fields.items():
        match = ITEM_KEY.match(key)
        for message in field_messages:
            if match and int(match.group(1)) < len(positions):
                form = formset.forms[positions[int(match.group(1))]]
                form.add_error(_row_field(form, match.group(2)), message)
            elif key in notice_form.fields:
                notice_form.add_error(key, message)
            else:
                rest.append(str(message))
    return rest


def _notice_create(request, header: dict, items: list) -> InboundNotice:
    """Announce through the service exactly as the API does."""
    return services.inbound_notice_create(
        merchant=request.user.merchant_membership.merchant,
        warehouse_code=header["warehouse"].code,
        reference=header["reference"],
        carrier=header.get("carrier", ""),
        tracking_number=header.get("tracking_number", ""),
        items=items,
        actor=request.user,
    )


def _announced(request, notice: InboundNotice):
    messages.success(
        request,
        ngettext(
            "Shipment %(reference)s announced with %(count)d item.",
            "Shipment %(reference)s announced with %(count)d items.",
            notice.item_count,
        )
        % {"reference": notice.reference, "count": notice.item_count},
    )
    url = reverse("portal:notice-detail", kwargs={"pk": notice.pk})
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_http_methods(["GET", "POST"])
@page_view(Role.MERCHANT)
def notice_create(request):
    """Announce a shipment by form: the notice, then one fieldset per item.

    Blank item rows are ignored. ``?add_row`` (htmx) answers one more blank
    row; without htmx the same button posts the form back with a row added.
    """
    categories = _category_choices()
    if request.method == "GET" and "add_row" in request.GET:
        return _row_add(request, categories)
    if request.method == "GET":
        return _notice_create_render(
            request, NoticeForm(), _item_formset(categories=categories)
        )
    notice_form = NoticeForm(request.POST)
    if "add_row" in request.POST:
        data = request.POST.copy()
        total = _int(data.get("items-TOTAL_FORMS"))
        data["items-TOTAL_FORMS"] = str(min(total + 1, MAX_FORM_ITEMS))
        formset = _item_formset(data, categories=categories)
        return _notice_create_render(request, notice_form, formset, quiet=True)
    formset = _item_formset(request.POST, categories=categories)
    if not (notice_form.is_valid() and formset.is_valid()):
        return _notice_create_render(request, notice_form, formset, status=400)
    positions = [
        index for index, form in enumerate(formset.forms) if form.has_changed()
    ]
    items = [formset.forms[index].item() for index in positions]
    try:
        notice = _notice_create(request, notice_form.cleaned_data, items)
    except (InvalidInput, Conflict) as exc:
        # Errors not on one input (no items, too many) are told by the summary.
        rest = _errors_place(exc, notice_form, formset, positions)
        problems = [exc.message] if rest or not exc.fields else []
        status = 400 if isinstance(exc, InvalidInput) or exc.fields else 409
        return _notice_create_render(
            request, notice_form, formset, status=status, problems=problems
        )
    return _announced(request, notice)


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _notice_create_render(
    request, notice_form, formset, *, status=200, quiet=False, problems=()
):
    return render(
        request,
        "portal/notice_create.html",
        {
            "form": notice_form,
            "formset": formset,
            "quiet": quiet,
            "problems": problems,
            "failed": status >= 400,
            "max_items": MAX_FORM_ITEMS,
        },
        status=status,
    )


def _row_add(request, categories):
    """One more blank item row (htmx), and the formset's new total out of band."""
    index = _int(request.GET.get("items-TOTAL_FORMS"), -1)
    if not 0 <= index < MAX_FORM_ITEMS:
        return HttpResponse(status=204)
    form = ItemRowForm(
        prefix=f"items-{index}",
        categories=categories,
        empty_permitted=True,
        use_required_attribute=False,
    )
    return render(
        request,
        "portal/notice_item_row_added.html",
        {"item_form": form, "number": index + 1, "total": index + 1},
    )


# --- upload --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@page_view(Role.MERCHANT)
def notice_upload(request):
    """Announce a shipment from a CSV or XLSX file: all rows or none.

    Problems are listed by the file's row (the header is row 1): what the
    reader finds first (the service is not called then), else the service's.
    """
    if request.method == "GET":
        return _upload_render(request, NoticeUploadForm())
    form = NoticeUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_render(request, form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > uploads.reader.MAX_UPLOAD_BYTES:
        parsed = uploads.notice_file_read(upload)  # names the limit
        return _upload_render(request, form, errors=parsed.errors, status=413)
    parsed = uploads.notice_file_read(upload)
    if parsed.errors:
        return _upload_render(request, form, errors=parsed.errors, status=400)
    try:
        notice = _notice_create(request, form.cleaned_data, parsed.items)
    except (InvalidInput, Conflict) as exc:
        header = {k: v for k, v in exc.fields.items() if k in form.fields}
        for key, field_messages in header.items():
            for message in field_messages:
                form.add_error(key, message)
        rows = {k: v for k, v in exc.fields.items() if k not in form.fields}
        errors = uploads.service_errors(rows, parsed.rows)
        if not exc.fields or any(error.row is None for error in errors):
            # Not on one row (too many items …): the summary tells it.
            errors = [uploads.RowError(None, "", exc.message)] + [
                error for error in errors if error.row is not None
            ]
        status = 400 if isinstance(exc, InvalidInput) or exc.fields else 409
        return _upload_render(request, form, errors=errors, status=status)
    return _announced(request, notice)


def _upload_render(request, form, *, errors=(), status=200):
    return render(
        request,
        "portal/notice_upload.html",
        {
            "form": form,
            "errors": errors,
            "errors_capped": len(errors) >= uploads.MAX_FILE_ERRORS,
            "columns": uploads.TEMPLATE_COLUMNS,
            "max_items": settings.INBOUND_NOTICE_MAX_ITEMS,
            "max_mb": uploads.reader.MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        status=status,
    )


@require_GET
@page_view(Role.MERCHANT)
def notice_template(request):
    """The upload template, ``?format=csv`` (default) or ``?format=xlsx``."""
    kind = request.GET.get("format", "csv")
    if kind == "xlsx":
        body = uploads.notice_template_xlsx()
        content_type = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    elif kind == "csv":
        body = uploads.notice_template_csv()
        content_type = "text/csv; charset=utf-8"
    else:
        return HttpResponse(
            _("Choose format=csv or format=xlsx."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="inbound-notice-template.{kind}"'
    )
    return response


# --- API tokens ----------------------------------------------------------------------

TOKEN_ACTIONS = ("create", "regenerate", "revoke")


def _masked(token: Token | None) -> str:
    return f"{token.key[:4]}…" if token else ""


@never_cache
@require_http_methods(["GET", "POST"])
@page_view(Role.MERCHANT)
def token_manage(request):
    """The signed-in merchant user's API key: create, regenerate, revoke.

    A new key is shown in full once, on the answer to the request that made
    it; afterwards only its first characters. Replacing or revoking an
    existing key asks for confirmation first.
    """
    token = Token.objects.filter(user=request.user).first()
    if request.method == "GET":
        return _token_render(request, token)
    action = request.POST.get("action")
    if action not in TOKEN_ACTIONS:
        messages.error(request, _("Unknown action."))
        return _token_render(request, token, status=400)
    if action == "revoke" and token is None:
        messages.info(request, _("You have no API key to revoke."))
        return redirect("portal:tokens")
    if token is not None and request.POST.get("confirm") != "yes":
        return render(
            request,
            "portal/token_confirm.html",
            {
                "action": "revoke" if action == "revoke" else "regenerate",
                "token": token,
                "masked": _masked(token),
            },
        )
    if action == "revoke":
        services.token_revoke(user=request.user)
        messages.success(
            request, _("Your API key was revoked; requests with it are refused.")
        )
        return redirect("portal:tokens")
    try:
        token = services.token_issue(user=request.user)
    except IntegrityError:
        messages.error(
            request, _("Another key was made at the same moment; try again.")
        )
        return _token_render(
            request, Token.objects.filter(user=request.user).first(), status=409
        )
    return _token_render(request, token, new_key=token.key)


def _token_render(request, token, *, new_key="", status=200):
    return render(
        request,
        "portal/token_manage.html",
        {"token": token, "masked": _masked(token), "new_key": new_key},
        status=status,
    )
