"""Pages of the consent app. Views are thin: forms validate, services change
state, selectors read, ``schoolsocial.access`` decides who gets in and
``get_for_school`` keeps every object inside the current school."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from consent import selectors, services
from consent.forms import (
    CheckForm,
    ClassFormRow,
    ClassFormsForm,
    ConsentFormForm,
    GroupApplicationForm,
    GroupDecisionForm,
    NeverPublishForm,
    PupilEditForm,
    PupilForm,
    ReasonForm,
    RegisterFilterForm,
    ReviewForm,
    WithdrawForm,
)
from consent.models import (
    CheckedPupil,
    ConsentForm,
    ConsentRecord,
    GroupApplication,
    PublicationCheck,
    Pupil,
    Purpose,
    Status,
    and_list,
    purpose_for_channel,
)
from schoolsocial.access import (
    current_administrator_or_roles,
    get_for_school,
    roles_required,
    staff_view,
)
from schoolsocial.exports import csv_response
from schoolsocial.images import ImageRejected, inspect_upload
from schoolsocial.language import later
from schoolsocial.private_files import private_file_response
from schoolsocial.wording import lower

REGISTER_READERS = ("office", "head", "slt", "admin")
EDITORS = ("office", "head")
CHECKERS = ("admin", "slt", "head")
GROUP_STAFF = ("office", "slt", "head")
INLINE_SCAN_TYPES = frozenset({"image/png", "image/jpeg"})
# The register and the publication check: page administrators only while
# they hold a current channel authorisation (Threemilestone 4.2; Whitchurch
# "Legal considerations": data protection).
register_readers = current_administrator_or_roles("office", "head", "slt")
checkers = current_administrator_or_roles("slt", "head")
ALREADY_SENT = gettext_lazy("That form was already sent; nothing was changed the second time.")


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Register and pupils -----------------------------------------------------------


@register_readers
def pupils(request):
    classes = selectors.class_names(request.school)
    form = RegisterFilterForm(request.GET or None, classes=classes)
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.register(
        school=request.school,
        q=filters.get("q", ""),
        year=filters.get("year", ""),
        class_name=filters.get("class_name", ""),
        leavers=filters.get("leavers", False),
        page=request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "consent/pupils.html",
        {
            "form": form,
            "page": page,
            "rows": page.object_list,
            "query": query.urlencode(),
            "purposes": list(Purpose),
            "can_edit": bool(set(EDITORS) & request.roles),
            "class_name": filters.get("class_name", ""),
        },
    )


@roles_required(*EDITORS)
def pupil_add(request):
    form = PupilForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, ALREADY_SENT)
            return redirect("consent:pupils")
        data = {k: v for k, v in form.cleaned_data.items() if k != "submission_key"}
        try:
            pupil = services.pupil_create(school=request.school, created_by=request.member, **data)
        except ValidationError as error:
            form.refuse(request, error)
        else:
            messages.success(
                request,
                gettext("%(name)s added to the register.") % {"name": pupil.full_name},
            )
            return redirect("consent:pupil", pupil_id=pupil.pk)
    return render(request, "consent/pupil_form.html", {"form": form, "creating": True})


@register_readers
def pupil(request, pupil_id: int):
    pupil = get_for_school(request, Pupil.objects.with_consent(people=True), pk=pupil_id)
    roles = request.roles
    today = request.school.local_today()
    answers = pupil.answers(on=today)
    # A withdrawal can be recorded while "never publish" is set: it still
    # stands when the head clears it.
    withdrawable = [
        forms_answer.record if forms_answer.status == Status.GRANTED else None
        for forms_answer in (pupil.consent_from_forms(a.purpose, on=today) for a in answers)
    ]
    return render(
        request,
        "consent/pupil.html",
        {
            "pupil": pupil,
            "answers": answers,
            "rows": list(zip(answers, withdrawable, strict=True)),
            "history": selectors.pupil_history(pupil),
            "followups": selectors.followups(pupil),
            "can_edit": bool(set(EDITORS) & roles),
            "is_head": "head" in roles,
            "sees_reason": bool({"head", "slt"} & roles),
        },
    )


@roles_required(*EDITORS)
def pupil_edit(request, pupil_id: int):
    pupil = get_for_school(request, Pupil, pk=pupil_id)
    initial = {
        f: getattr(pupil, f)
        for f in (
            "first_name",
            "preferred_name",
            "last_name",
            "mis_id",
            "date_of_birth",
            "year_group",
            "class_name",
            "left_on",
        )
    }
    form = PupilEditForm(
        request.POST or None, request.FILES or None, initial=initial, has_photo=bool(pupil.photo)
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "submission_key"}
        try:
            services.pupil_update(pupil=pupil, changed_by=request.member, **data)
        except ValidationError as error:
            pupil.refresh_from_db()
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, gettext("Saved %(name)s.") % {"name": pupil.full_name})
            return redirect("consent:pupil", pupil_id=pupil.pk)
    return render(request, "consent/pupil_form.html", {"form": form, "pupil": pupil})


@roles_required("head")
def pupil_never_publish(request, pupil_id: int):
    pupil = get_for_school(request, Pupil, pk=pupil_id)
    # The page carries what the head means to do ("set" 1 or 0), never "the
    # opposite of now": a resent form then changes nothing.
    form = NeverPublishForm(
        request.POST or None, initial={"set": "0" if pupil.never_publish else "1"}
    )
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, ALREADY_SENT)
            return redirect("consent:pupil", pupil_id=pupil.pk)
        try:
            services.pupil_set_never_publish(
                pupil=pupil,
                never_publish=form.cleaned_data["set"],
                reason=form.cleaned_data["reason"],
                set_by=request.member,
            )
        except ValidationError as error:
            form.release(request)
            form.add_error(None, _error_text(error))
            # The page now offers the change that can still be made.
            form.data = form.data.copy()
            form.data["set"] = "0" if pupil.never_publish else "1"
        else:
            messages.success(
                request,
                (
                    gettext("%(name)s must never be published.")
                    if pupil.never_publish
                    else gettext("“Never publish” cleared for %(name)s; their consent forms apply.")
                )
                % {"name": pupil.full_name},
            )
            return redirect("consent:pupil", pupil_id=pupil.pk)
    return render(request, "consent/never_publish.html", {"form": form, "pupil": pupil})


def _photo_response(request, pupil: Pupil, field: str, summary: str | None):
    """The file; audited unless ``summary`` is None (a list already recorded it)."""
    file = getattr(pupil, field)
    if not file:
        raise Http404("No photo")
    if summary is not None:
        services.audit_private_file(member=request.member, obj=pupil, summary=summary)
    name = file.name.rsplit("/", 1)[-1]
    content_type = {"png": "image/png", "webp": "image/webp", "heic": "image/heic"}.get(
        name.rsplit(".", 1)[-1], "image/jpeg"
    )
    return private_file_response(file.open("rb"), filename=name, content_type=content_type)


@register_readers
def pupil_photo(request, pupil_id: int):
    pupil = get_for_school(request, Pupil, pk=pupil_id)
    return _photo_response(
        request, pupil, "photo", later("Viewed the photo of %(name)s.", name=pupil.full_name)
    )


# A list of pupils with their thumbnails (the do-not-publish list, the
# publication check) is one audit event for all the photos it shows, not one
# per photo: opening a class of 30 wrote 30 events, and the check's list of
# the whole school hundreds. The list hands this member's browser a pass,
# signed and short-lived, that its thumbnail requests carry instead.
THUMBNAIL_PASS_SALT = "consent.thumbnails"  # noqa: S105 - a signing salt, not a secret
THUMBNAIL_PASS_AGE = 30 * 60  # seconds: longer than a page stays open unattended


def _thumbnail_pass(request, pupils, *, shown) -> str:
    """Record that the page shows these pupils' thumbnails (``shown``: a
    ``later`` sentence with ``%(count)s``) and return the pass, or "" when it
    shows none."""
    count = sum(1 for pupil in pupils if pupil.photo_thumbnail)
    if not count:
        return ""
    services.audit_private_file(member=request.member, obj=None, summary=shown(count))
    return signing.TimestampSigner(salt=THUMBNAIL_PASS_SALT).sign(str(request.member.pk))


def _holds_thumbnail_pass(request) -> bool:
    try:
        member = signing.TimestampSigner(salt=THUMBNAIL_PASS_SALT).unsign(
            request.GET.get("pass", ""), max_age=THUMBNAIL_PASS_AGE
        )
    except signing.BadSignature:
        return False
    return member == str(request.member.pk)


@register_readers
def pupil_thumbnail(request, pupil_id: int):
    """A pupil's thumbnail: audited on its own, unless it was asked for by a
    list that recorded it (``_thumbnail_pass``)."""
    pupil = get_for_school(request, Pupil, pk=pupil_id)
    summary = (
        None
        if _holds_thumbnail_pass(request)
        else later("Viewed the thumbnail photo of %(name)s.", name=pupil.full_name)
    )
    return _photo_response(request, pupil, "photo_thumbnail", summary)


# --- Consent forms ------------------------------------------------------------------------


@roles_required(*EDITORS)
def consent_form(request, pupil_id: int):
    pupil = get_for_school(request, Pupil, pk=pupil_id)
    form = ConsentFormForm(
        request.POST or None,
        request.FILES or None,
        initial={"received_on": request.school.local_today()},
    )
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, ALREADY_SENT)
            return redirect("consent:pupil", pupil_id=pupil.pk)
        data = form.cleaned_data
        try:
            services.consent_form_record(
                pupil=pupil,
                recorded_by=request.member,
                decisions=form.decisions(),
                given_by_name=data["given_by_name"],
                relationship=data["relationship"],
                received_on=data["received_on"],
                method=data["method"],
                valid_until=data.get("valid_until"),
                scan=data.get("scan"),
            )
        except ValidationError as error:
            form.refuse(request, error)
        else:
            messages.success(
                request,
                gettext("Consent form recorded for %(name)s.") % {"name": pupil.full_name},
            )
            return redirect("consent:pupil", pupil_id=pupil.pk)
    return render(request, "consent/consent_form.html", {"form": form, "pupil": pupil})


@roles_required(*EDITORS)
def class_forms(request):
    """A class's paper consent forms in one sitting: a row per pupil, one
    save. Rows are recorded one by one: a row with a problem is not recorded
    and stays on the page with its message; the others are recorded."""
    school = request.school
    classes = selectors.class_names(school)
    class_name = request.GET.get("class", "")
    if class_name not in classes:
        return render(request, "consent/class_forms.html", {"classes": classes})
    pupils = selectors.class_pupils(school=school, class_name=class_name)
    data = request.POST if request.method == "POST" else None
    form = ClassFormsForm(
        data, initial={"received_on": school.local_today(), "method": ConsentForm.Method.PAPER}
    )
    rows = [ClassFormRow(data, pupil=p, prefix=f"pupil-{p.pk}") for p in pupils]
    recorded: list[services.ClassFormEntry] = []
    if data is not None and form.is_valid():
        rows_valid = [row.is_valid() for row in rows]
        filled = [row for row, ok in zip(rows, rows_valid, strict=True) if ok and not row.is_blank]
        problems = [row for row, ok in zip(rows, rows_valid, strict=True) if not ok]
        if not filled and not problems:
            form.add_error(
                None, gettext("Nothing to record: fill in a row for each form received.")
            )
        elif filled and not form.claim(request):
            messages.info(request, ALREADY_SENT)
            return redirect(f"{reverse('consent:pupils')}?{urlencode({'class_name': class_name})}")
        elif filled:
            entries = services.consent_forms_record_for_class(
                entries=[
                    services.ClassFormEntry(
                        pupil=row.pupil,
                        decisions=row.decisions(),
                        given_by_name=row.cleaned_data["given_by_name"],
                        relationship=row.cleaned_data["relationship"],
                        received_on=row.cleaned_data["received_on"]
                        or form.cleaned_data["received_on"],
                    )
                    for row in filled
                ],
                recorded_by=request.member,
                method=form.cleaned_data["method"],
            )
            for row, entry in zip(filled, entries, strict=True):
                if entry.error:
                    row.add_error(None, entry.error)
                    problems.append(row)
                else:
                    row.recorded = entry.form
                    recorded.append(entry)
            if not problems:
                messages.success(
                    request,
                    ngettext(
                        "Recorded %(count)s consent form for %(class_name)s.",
                        "Recorded %(count)s consent forms for %(class_name)s.",
                        len(recorded),
                    )
                    % {"count": len(recorded), "class_name": class_name},
                )
                return redirect(
                    f"{reverse('consent:pupils')}?{urlencode({'class_name': class_name})}"
                )
            if recorded:
                # The recorded rows leave the page (shown as recorded); the
                # rest can be corrected and sent again with a new key.
                form.data = form.data.copy()
                form.data["submission_key"] = uuid.uuid4().hex
            else:
                form.release(request)
        if problems:
            message = ngettext(
                "%(count)s form not recorded: see the row marked below.",
                "%(count)s forms not recorded: see the rows marked below.",
                len(problems),
            ) % {"count": len(problems)}
            if recorded:
                message += " " + ngettext(
                    "The other %(count)s was recorded.",
                    "The other %(count)s were recorded.",
                    len(recorded),
                ) % {"count": len(recorded)}
            form.add_error(None, message)
    return render(
        request,
        "consent/class_forms.html",
        {
            "classes": classes,
            "class_name": class_name,
            "form": form,
            "rows": rows,
            "problem_rows": [r for r in rows if r.is_bound and r.errors],
            "purposes": list(Purpose),
        },
    )


@roles_required(*EDITORS)
def consent_withdraw(request, consent_record_id: int):
    record = get_for_school(
        request, ConsentRecord.objects.select_related("pupil", "form"), pk=consent_record_id
    )
    form = WithdrawForm(
        request.POST or None,
        initial={
            "withdrawn_on": request.school.local_today(),
            "withdrawn_by_name": record.form.given_by_name,
        },
    )
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, ALREADY_SENT)
            return redirect("consent:pupil", pupil_id=record.pupil_id)
        try:
            services.consent_withdraw(
                record=record,
                withdrawn_by_name=form.cleaned_data["withdrawn_by_name"],
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                recorded_by=request.member,
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                gettext(
                    "Consent for %(purpose)s withdrawn for %(name)s. Review the posts listed below."
                )
                % {"purpose": record.purpose_label.lower(), "name": record.pupil},
            )
        return redirect("consent:pupil", pupil_id=record.pupil_id)
    return render(request, "consent/withdraw.html", {"form": form, "record": record})


@roles_required("office", "head", "slt")
def consent_scan(request, consent_record_id: int):
    record = get_for_school(
        request, ConsentRecord.objects.select_related("form", "pupil"), pk=consent_record_id
    )
    scan = record.form.scan
    if not scan:
        raise Http404("No scan")
    services.audit_private_file(
        member=request.member,
        obj=record.form,
        summary=later("Viewed the consent form scan of %(name)s.", name=record.pupil.full_name),
    )
    content_type = record.form.scan_content_type or "application/octet-stream"
    # Image scans were re-encoded when uploaded and may be shown in the page;
    # a PDF (or anything else) is only ever downloaded, never rendered inline.
    return private_file_response(
        scan.open("rb"),
        filename=scan.name.rsplit("/", 1)[-1],
        content_type=content_type,
        as_attachment=content_type not in INLINE_SCAN_TYPES,
    )


@current_administrator_or_roles("office", "head", "slt")
@require_POST
def followup_reviewed(request, followup_id: int):
    followup = get_for_school(
        request,
        CheckedPupil.objects.select_related("pupil", "cleared_by", "check_run__channel"),
        pk=followup_id,
    )
    form = ReviewForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    try:
        services.followup_mark_reviewed(
            followup=followup,
            reviewed_by=request.member,
            outcome=data.get("outcome", ""),
            note=data.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, gettext("Recorded: the follow-up is closed."))
    if data.get("next") == "followups":
        return redirect("consent:followups")
    return redirect("consent:pupil", pupil_id=followup.pupil_id)


# --- Do-not-publish list -------------------------------------------------------------------


def _dnp_context(request, *, explain: bool = False):
    purpose = request.GET.get("purpose") or Purpose.SOCIAL_PUBLIC
    if purpose not in Purpose.values:
        purpose = Purpose.SOCIAL_PUBLIC
    classes = selectors.class_names(request.school)
    class_name = request.GET.get("class") or ""
    if class_name not in classes:
        class_name = ""
    return {
        "purpose": Purpose(purpose),
        "purposes": list(Purpose),
        "classes": classes,
        "class_name": class_name,
        "by_class": selectors.do_not_publish(
            school=request.school, purpose=purpose, class_name=class_name, explain=explain
        ),
        "query": request.GET.urlencode(),
    }


@staff_view
def do_not_publish(request):
    context = _dnp_context(request)
    context["thumbnail_pass"] = _thumbnail_pass(
        request,
        (row.pupil for rows in context["by_class"].values() for row in rows),
        shown=lambda count: later(
            "Opened the do-not-publish list, which showed %(count)s pupils' photos.",
            count=count,
        ),
    )
    return render(request, "consent/do_not_publish.html", context)


SHEET_COLUMNS = 4


@staff_view
def do_not_publish_print(request):
    """The do-not-publish list as a sheet for the staff room: what each pupil
    may not appear in, with their photo, 20 or more to an A4 page. Opening it
    to print is audited."""
    school = request.school
    classes = selectors.class_names(school)
    class_name = request.GET.get("class") or ""
    if class_name not in classes:
        class_name = ""
    purpose = request.GET.get("purpose") or ""
    purposes = [purpose] if purpose in Purpose.values else list(Purpose.values)
    by_class = selectors.do_not_publish_sheet(
        school=school, purposes=purposes, class_name=class_name
    )
    count = sum(len(pupils) for pupils in by_class.values())
    services.audit_print(member=request.member, summary=_print_summary(purposes, class_name, count))
    return render(
        request,
        "consent/do_not_publish_print.html",
        {
            "sections": [
                (
                    name,
                    [pupils[i : i + SHEET_COLUMNS] for i in range(0, len(pupils), SHEET_COLUMNS)],
                )
                for name, pupils in by_class.items()
            ],
            "columns": range(SHEET_COLUMNS),
            "column_count": SHEET_COLUMNS,
            "count": count,
            "purpose": Purpose(purpose) if len(purposes) == 1 else None,
            "class_name": class_name,
            "printed_at": timezone.localtime(timezone.now(), school.tz),
            "back_query": urlencode(
                {"purpose": purpose or Purpose.SOCIAL_PUBLIC, "class": class_name}
            ),
        },
    )


def _print_summary(purposes: list[str], class_name: str, count: int):
    """The audit summary of a printed sheet, in the school's language."""
    if len(purposes) == 1:
        what = Purpose(purposes[0]).label
        if class_name:
            return later(
                "Printed the do-not-publish sheet (%(purpose)s, class %(class_name)s): "
                "%(count)s pupils.",
                purpose=lower(what),
                class_name=class_name,
                count=count,
            )
        return later(
            "Printed the do-not-publish sheet (%(purpose)s, the whole school): %(count)s pupils.",
            purpose=lower(what),
            count=count,
        )
    if class_name:
        return later(
            "Printed the do-not-publish sheet (any purpose, class %(class_name)s): "
            "%(count)s pupils.",
            class_name=class_name,
            count=count,
        )
    return later(
        "Printed the do-not-publish sheet (any purpose, the whole school): %(count)s pupils.",
        count=count,
    )


@staff_view
def do_not_publish_csv(request):
    context = _dnp_context(request, explain=True)  # the file gives each reason
    purpose = context["purpose"]
    rows = [row for rows in context["by_class"].values() for row in rows]
    services.audit_export(
        member=request.member,
        summary=(
            later(
                "Exported the do-not-publish list for %(purpose)s, class %(class_name)s "
                "(%(count)s pupils).",
                purpose=lower(purpose.label),
                class_name=context["class_name"],
                count=len(rows),
            )
            if context["class_name"]
            else later(
                "Exported the do-not-publish list for %(purpose)s (%(count)s pupils).",
                purpose=lower(purpose.label),
                count=len(rows),
            )
        ),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(
        filename=f"do-not-publish-{purpose.value}-{stamp}.csv",
        header=[
            gettext("class"),
            gettext("year group"),
            gettext("first name"),
            gettext("preferred name"),
            gettext("surname"),
            gettext("UPN"),
            gettext("purpose"),
            gettext("status"),
            gettext("reason"),
        ],
        rows=(
            [
                row.pupil.class_name,
                row.pupil.year_label,
                row.pupil.first_name,
                row.pupil.preferred_name,
                row.pupil.last_name,
                row.pupil.mis_id,
                purpose.label,
                row.answers[0].label,
                row.answers[0].reason,
            ]
            for row in rows
        ),
    )


# --- Publication check -----------------------------------------------------------------


@checkers
def check(request):
    channels = selectors.checkable_channels(request.member)
    on_roll = Pupil.objects.filter(school=request.school).on_roll()
    initial = {}
    again = request.GET.get("again", "")
    if request.method == "GET" and again.isdigit():
        # "Run another check" starts from the last one: same channel, pupils
        # and caption, ready to be changed (a pupil cropped out, a name
        # taken out of the caption).
        previous = get_for_school(request, PublicationCheck, pk=int(again))
        initial = {
            "channel": previous.channel_id,
            "pupils": list(
                previous.pupils.filter(pupil__left_on__isnull=True).values_list(
                    "pupil_id", flat=True
                )
            ),
            "caption": previous.caption,
        }
    form = CheckForm(
        request.POST or None,
        request.FILES or None,
        channels=channels,
        pupils=on_roll,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data.get("photo")
        if photo is not None:
            # A photo that is not one refuses the check before it is run.
            try:
                inspect_upload(photo)
            except ImageRejected as error:
                form.add_error("photo", error)
        if not form.errors:
            if not form.claim(request):
                messages.info(request, ALREADY_SENT)
                return redirect("consent:check")
            try:
                result = services.publication_check_run(
                    channel=form.cleaned_data["channel"],
                    pupils=form.cleaned_data["pupils"],
                    caption=form.cleaned_data["caption"],
                    checked_by=request.member,
                    includes_video=form.cleaned_data["includes_video"],
                )
                if photo is not None:
                    services.check_photo_record(
                        check=result,
                        photo=photo,
                        keep=form.cleaned_data["keep_photo"],
                        by=request.member,
                    )
            except ValidationError as error:
                form.refuse(request, error)
            else:
                return redirect("consent:check_result", publication_check_id=result.pk)
    selected = {str(v) for v in (form["pupils"].value() or [])}
    q = request.GET.get("q", "").strip()
    by_class = selectors.pupils_by_class(request.school, q)
    return render(
        request,
        "consent/check.html",
        {
            "form": form,
            "channels": [
                (c, and_list(Purpose(p).label for p in purpose_for_channel(c)) or None)
                for c in channels
            ],
            "by_class": by_class,
            "thumbnail_pass": _thumbnail_pass(
                request,
                (pupil for pupils in by_class.values() for pupil in pupils),
                shown=lambda count: later(
                    "Opened the publication check, which showed %(count)s pupils' photos.",
                    count=count,
                ),
            ),
            "selected": selected,
            "q": q,
            "recent": selectors.recent_checks(request.school),
        },
    )


@checkers
def check_result(request, publication_check_id: int):
    result = get_for_school(
        request,
        PublicationCheck.objects.select_related("channel", "checked_by__user"),
        pk=publication_check_id,
    )
    rows = list(result.pupils.select_related("pupil"))
    return render(
        request,
        "consent/check_result.html",
        {
            "check": result,
            "blocked": [r for r in rows if not r.allowed],
            "allowed": [r for r in rows if r.allowed],
            "caption_parts": _highlight(result.caption, result.caption_matches),
        },
    )


def _highlight(text: str, matches: list[dict]) -> list[tuple[str, bool]]:
    """The caption split into (text, is_a_name) parts for display."""
    parts, position = [], 0
    for match in sorted(matches, key=lambda m: m["start"]):
        if match["start"] < position:
            continue
        parts.append((text[position : match["start"]], False))
        parts.append((text[match["start"] : match["end"]], True))
        position = match["end"]
    parts.append((text[position:], False))
    return [p for p in parts if p[0]]


# --- Private-group applications ------------------------------------------------------------


@roles_required(*GROUP_STAFF)
def group_applications(request):
    return render(
        request,
        "consent/group_applications.html",
        selectors.group_applications(request.school),
    )


@roles_required(*GROUP_STAFF)
def group_application_add(request):
    on_roll = Pupil.objects.filter(school=request.school).on_roll()
    form = GroupApplicationForm(request.POST or None, pupils=on_roll)
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, ALREADY_SENT)
            return redirect("consent:group_applications")
        data = {k: v for k, v in form.cleaned_data.items() if k != "submission_key"}
        try:
            services.group_application_record(
                school=request.school, recorded_by=request.member, **data
            )
        except ValidationError as error:
            form.refuse(request, error)
        else:
            messages.success(
                request, gettext("Application recorded; it waits for a senior leader.")
            )
            return redirect("consent:group_applications")
    return render(request, "consent/group_application_form.html", {"form": form})


@roles_required(*GROUP_STAFF)
def group_application(request, group_application_id: int):
    application = get_for_school(
        request,
        GroupApplication.objects.select_related(
            "recorded_by__user", "decided_by__user", "removed_by__user"
        ),
        pk=group_application_id,
    )
    decide_form = GroupDecisionForm(prefix="decide", school=request.school)
    remove_form = ReasonForm(prefix="remove")
    if request.method == "POST":
        try:
            if "decide-decision" in request.POST:
                decide_form = GroupDecisionForm(
                    request.POST, prefix="decide", school=request.school
                )
                if decide_form.is_valid():
                    services.group_application_decide(
                        application=application,
                        approve=decide_form.cleaned_data["decision"] == "approve",
                        reason=decide_form.cleaned_data["reason"],
                        decided_by=request.member,
                        exception_reason=decide_form.cleaned_data["exception_reason"],
                    )
                    messages.success(request, gettext("Decision recorded."))
                    return redirect("consent:group_applications")
            else:
                remove_form = ReasonForm(request.POST, prefix="remove")
                if remove_form.is_valid():
                    services.group_application_remove(
                        application=application,
                        reason=remove_form.cleaned_data["reason"],
                        removed_by=request.member,
                    )
                    messages.success(
                        request,
                        gettext("%(name)s removed.") % {"name": application.applicant_name},
                    )
                    return redirect("consent:group_applications")
        except ValidationError as error:
            messages.error(request, _error_text(error))
    return render(
        request,
        "consent/group_application.html",
        {
            "application": application,
            "pupils": application.pupils.all(),
            "children_all_left": selectors.children_all_left(application),
            "decide_form": decide_form,
            "remove_form": remove_form,
            "can_decide": bool({"head", "slt"} & request.roles),
        },
    )
