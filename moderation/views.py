"""Moderation pages. Views are thin: forms validate input, ``services``
change state, ``selectors`` read, ``schoolsocial.access`` decides who gets in
and fetches objects of the current school only."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from moderation import selectors, services
from moderation.escalation import suggestions
from moderation.forms import (
    ActionForm,
    BanForm,
    CheckForm,
    DecisionForm,
    EscalateForm,
    IncidentForm,
    LiftForm,
    NameReviewForm,
    QueueFilterForm,
    ReopenForm,
    ResolveForm,
    WaiveStepForm,
)
from moderation.models import BannedAccount, Escalation, Evidence
from moderation.services import reading
from moderation.services.common import is_current_moderator
from moderation.services.escalations import may_decide
from moderation.services.incidents import possible_name_review
from moderation.services.screening import rare_possible_for
from moderation.services.steps import step_states, step_waive
from policy.selectors import profile_for
from schoolsocial import uploads
from schoolsocial.access import current_administrator_or_roles, get_for_school, roles_required
from schoolsocial.images import CONTENT_TYPES, DEFAULT_MAX_BYTES, inspect_upload
from schoolsocial.private_files import private_file_response

# Page administrators only while they hold a current authorisation
# (Threemilestone 4.2, 5.1); the head and SLT always.
moderators = current_administrator_or_roles("slt", "head")
leaders = roles_required("head", "slt")
# The acting head holds "head" among their effective roles on the days set.
head_only = roles_required("head")

PAGE_SIZE = 25


def _messages(error: ValidationError) -> list[str]:
    return list(error.messages)


def _detail_qs(request):
    """The school's incidents this member may open: another channel's
    incident is "not found" to an administrator not authorised for it."""
    return selectors.visible_to(
        selectors.incident_detail_qs(school=request.school),
        member=request.member,
        roles=request.roles,
    )


def _is_leader(request) -> bool:
    return bool({"head", "slt"} & request.roles)


# --- Queue -------------------------------------------------------------------------------


@moderators
def queue(request):
    school = request.school
    params = request.GET.copy()
    params.setdefault("status", "open")  # open work unless asked otherwise
    profile = profile_for(school)
    form = QueueFilterForm(params, school=school, categories=profile.choices())
    filters = {"status": "open"}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "status": data["status"],
            "channel_id": 0
            if data["elsewhere"]
            else (data["channel"].pk if data["channel"] else None),
            "steps": data["steps"],
            "category": data["category"],
            "severity": data["severity"],
            "author": data["author"].strip(),
            "text": data["text"].strip(),
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
    else:
        messages.error(request, gettext("Some filters were not understood and were left out."))
    incidents = selectors.visible_to(
        selectors.queue(school=school, **filters), member=request.member, roles=request.roles
    )
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return render(
        request,
        "moderation/queue.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "counts": selectors.status_counts(school=school),
            "category_labels": dict(profile.choices()),
        },
    )


# --- Recording an incident ----------------------------------------------------------------


@moderators
def incident_new(request):
    school, member = request.school, request.member
    channels = selectors.channels_for_incidents(member=member, leader=_is_leader(request))
    profile = profile_for(school)
    may_record = channels.exists() or is_current_moderator(member)
    initial = {"channel": request.GET.get("channel")} if request.GET.get("channel") else None
    # Screenshots chosen before "Check the text first" are held for this page.
    attached = _attached_screenshots(request)
    form = IncidentForm(
        request.POST or None,
        request.FILES or None,
        channels=channels,
        categories=profile.choices(),
        initial=initial,
        attached=len(attached),
    )
    screening = None
    repeat = None
    if request.method == "POST" and "check_text" in request.POST:
        # "Check the text": screen and pre-select categories, save nothing.
        content = request.POST.get("content", "")
        author = request.POST.get("author_name", "")
        profile_url = request.POST.get("author_profile_url", "")
        screening = services.screen_safely(school=school, text=content) if content else None
        repeat = selectors.repeat_author(school=school, author_name=author, profile_url=profile_url)
        attached = _keep_chosen_screenshots(request)
        data = request.POST.copy()
        if screening:
            chosen = data.getlist("categories")
            data.setlist("categories", list(dict.fromkeys(chosen + screening["suggested"])))
        form = IncidentForm(
            data, channels=channels, categories=profile.choices(), attached=len(attached)
        )
        form._errors = ErrorDict()  # a preview: keep the values, show no errors yet
    elif request.method == "POST" and form.is_valid():
        form_key = form.cleaned_data["submission_key"]
        if not form.claim(request):
            # The attached files are the first copy's to use and clear.
            messages.info(request, gettext("That incident was already recorded."))
            return redirect("moderation:queue")
        data = form.cleaned_data
        files = uploads.as_uploads(attached)
        try:
            incident = services.incident_record(
                channel=data["channel"],
                where=data["where"],
                reported_by=member,
                permalink=data["permalink"],
                author_name=data["author_name"],
                author_profile_url=data["author_profile_url"],
                author_kind=data["author_kind"],
                content=data["content"],
                occurred_at=data["occurred_at"],
                categories=data["categories"],
                screenshots=files + data["screenshots"],
            )
        except ValidationError as error:
            form.refuse(request, error)
        else:
            uploads.stash_clear(user=request.user, form_key=form_key)
            messages.success(
                request,
                gettext(
                    "Incident recorded (%(severity)s). "
                    "The screenshots are saved: you can now hide or delete the comment."
                )
                % {"severity": incident.get_severity_display().lower()},
            )
            _note_evidence_elsewhere(request, incident, incident.evidence.all())
            return redirect("moderation:incident", incident_id=incident.pk)
        finally:
            for file in files:
                file.close()
    if request.method == "POST" and "check_text" not in request.POST:
        # Sent back with a problem: the screenshots just chosen stay attached
        # (the form already says what is wrong with any that are not).
        attached = _keep_chosen_screenshots(request, report=False)
    return render(
        request,
        "moderation/incident_new.html",
        {
            "form": form,
            "attached": attached,
            "no_channels": not may_record,
            "screening": screening,
            "repeat": repeat,
            "category_labels": dict(profile.choices()),
        },
    )


def _attached_screenshots(request, *, remove: bool = True) -> list:
    """The screenshots held for this page, less any the person unticked."""
    if request.method != "POST":
        return []
    form_key = request.POST.get("submission_key", "")
    if remove:
        uploads.stash_remove(
            user=request.user, form_key=form_key, ids=request.POST.getlist("remove_attached")
        )
    return uploads.stashed(user=request.user, form_key=form_key)


def _keep_chosen_screenshots(request, *, report: bool = True) -> list:
    """Hold the files chosen on a page that goes back unsaved (a browser
    cannot put them back into the file input); returns all held for it.
    A file that is not an acceptable screenshot is not held."""
    problems = uploads.stash_add(
        user=request.user,
        form_key=request.POST.get("submission_key", ""),
        uploads=request.FILES.getlist("screenshots"),
        max_files=services.MAX_SCREENSHOTS,
        max_bytes=DEFAULT_MAX_BYTES,
        check=inspect_upload,
    )
    for problem in problems if report else ():
        messages.error(request, problem)
    return _attached_screenshots(request, remove=False)


def _note_evidence_elsewhere(request, incident, added) -> None:
    """A screenshot just added is already evidence on another incident: say
    so (it may be the same comment recorded twice)."""
    elsewhere = selectors.evidence_elsewhere(incident=incident, evidence=added)
    others = sorted({n for ids in elsewhere.values() for n in ids})
    if others:
        messages.warning(
            request,
            ngettext(
                "%(count)d of the screenshots is already evidence on incident %(numbers)s. "
                "Check it is not the same comment recorded twice.",
                "%(count)d of the screenshots are already evidence on incident %(numbers)s. "
                "Check it is not the same comment recorded twice.",
                len(elsewhere),
            )
            % {"count": len(elsewhere), "numbers": ", ".join(str(n) for n in others)},
        )


# --- One incident -------------------------------------------------------------------------


@moderators
def incident(request, incident_id: int):
    obj = get_for_school(request, _detail_qs(request), pk=incident_id)
    if request.method == "POST":
        return HttpResponseNotAllowed(["GET"])
    return _incident_page(request, obj)


def _may_act(member, obj) -> bool:
    if services.is_leader(member):
        return True
    if obj.channel_id is None:
        return is_current_moderator(member)
    return services.is_authorised_for(member, obj.channel)


def _evidence_hidden(request, obj) -> bool:
    """Evidence of the most sensitive kind (an indecent image of a child:
    Carey B.3) is seen by the headteacher only."""
    codes = [r.category for r in obj.category_rows.all()]
    return profile_for(request.school).evidence_head_only(codes) and "head" not in request.roles


def _with_elsewhere(obj) -> list:
    """The incident's screenshots, each with ``also_on``: the other incidents
    of the school holding the same file, and ``ocr``: the text read from it
    (None while it is being read)."""
    elsewhere = selectors.evidence_elsewhere(incident=obj)
    read = selectors.read_texts(incident=obj)
    items = list(obj.evidence.all())
    for number, item in enumerate(items, start=1):
        item.also_on = elsewhere.get(item.pk, [])
        item.ocr = read.get(item.pk)
        item.number = number
    return items


def _incident_page(
    request,
    obj,
    *,
    action_form=None,
    resolve_form=None,
    reopen_form=None,
    escalate_form=None,
    waive_form=None,
    name_form=None,
):
    school = request.school
    profile = profile_for(school)
    may_act = _may_act(request.member, obj)
    escalations = list(obj.escalations.all())
    open_escalation = next((e for e in escalations if e.is_open), None)
    timeline = list(obj.actions.all())
    codes = [r.category for r in obj.category_rows.all()]
    rules = [profile.category(c) for c in profile.ordered(codes)]
    clocks = [
        {"label": r.clock_label, "due": obj.recorded_at + datetime.timedelta(hours=r.clock_hours)}
        for r in rules
        if r.clock_hours
    ]
    hidden = _evidence_hidden(request, obj)
    reviewed = {a.note for a in timeline if a.kind in ("name_confirmed", "name_dismissed")}
    possible = [
        m
        for m in rare_possible_for(obj)
        # A name read from evidence only the head may see is for the head.
        if not (m.get("evidence_id") and hidden)
        if not any(n.startswith(f"“{m['matched_text']}”") for n in reviewed)
    ]
    evidence = [] if hidden else _with_elsewhere(obj)
    return render(
        request,
        "moderation/incident.html",
        {
            "incident": obj,
            "reading": any(item.ocr is None for item in evidence),
            "read_names": [(item, m) for item in evidence if item.ocr for m in item.ocr.named],
            "transcript": "\n\n".join(
                item.ocr.text for item in evidence if item.ocr and item.ocr.text
            ),
            "transcribed": any(reading.is_transcribed_note(a.note, school) for a in timeline),
            "categories": rules,
            "evidence": evidence,
            "evidence_hidden": hidden,
            "timeline": timeline,
            "steps": step_states(obj, timeline),
            "clocks": clocks,
            "possible_names": possible,
            "waive_form": waive_form or WaiveStepForm(),
            "name_form": name_form or NameReviewForm(),
            "is_leader": _is_leader(request),
            "screening": obj.screening or {},
            "repeat": selectors.repeat_author(
                school=school,
                author_name=obj.author_name,
                profile_url=obj.author_profile_url,
                exclude_incident_id=obj.pk,
            ),
            "may_act": may_act,
            "action_form": action_form or ActionForm(),
            "resolve_form": resolve_form or ResolveForm(),
            "reopen_form": reopen_form or ReopenForm(),
            "escalations": escalations,
            "open_escalation": open_escalation,
            "may_decide": bool(open_escalation) and may_decide(request.member, open_escalation),
            "escalate_form": escalate_form or EscalateForm(),
        },
    )


def _incident_form_post(request, incident_id: int, form_class, page_key: str, act, resent=""):
    """The incident page's forms, one way: the form is checked, its once-only
    key claimed (a resend changes nothing), ``act(incident, data)`` calls
    the service and returns the message to show; a refusal puts the page
    back with the form's error and its key released."""
    obj = get_for_school(request, _detail_qs(request), pk=incident_id)
    form = form_class(request.POST)
    if form.is_valid():
        if not form.claim(request):
            if resent:
                messages.info(request, resent)
            return redirect("moderation:incident", incident_id=obj.pk)
        try:
            message = act(obj, form.cleaned_data)
        except ValidationError as error:
            form.refuse(request, error)
        else:
            messages.success(request, message)
            return redirect("moderation:incident", incident_id=obj.pk)
    return _incident_page(request, obj, **{page_key: form})


@require_POST
@moderators
def incident_escalate(request, incident_id: int):
    """Escalate an incident to the headteacher by hand, with a reason."""

    def act(obj, data):
        escalation = services.incident_escalate(
            incident=obj, raised_by=request.member, reason=data["reason"]
        )
        if escalation.routed_to:
            return gettext("Escalated to %(name)s.") % {
                "name": escalation.routed_to.user.display_name
            }
        return gettext("Escalated to SLT.")

    return _incident_form_post(
        request,
        incident_id,
        EscalateForm,
        "escalate_form",
        act,
        resent=gettext("That escalation was already sent."),
    )


@require_POST
@moderators
def incident_action(request, incident_id: int):
    def act(obj, data):
        action = services.incident_add_action(
            incident=obj,
            kind=data["kind"],
            by=request.member,
            note=data["note"],
            reference=data["reference"],
            review_on=data["review_on"],
        )
        return gettext("Recorded: %(what)s.") % {"what": action.get_kind_display()}

    return _incident_form_post(
        request,
        incident_id,
        ActionForm,
        "action_form",
        act,
        resent=gettext("That was already recorded."),
    )


@require_POST
@leaders
def incident_waive(request, incident_id: int):
    """A leader waives a required step with a written reason."""

    def act(obj, data):
        step_waive(incident=obj, step=data["step"], by=request.member, reason=data["reason"])
        return gettext("The step is waived; the reason is on the timeline.")

    return _incident_form_post(request, incident_id, WaiveStepForm, "waive_form", act)


@require_POST
@moderators
def incident_name_review(request, incident_id: int):
    """Confirm or dismiss a rare first name that screening found."""

    def act(obj, data):
        possible_name_review(
            incident=obj,
            by=request.member,
            pupil_id=data["pupil_id"],
            confirm=data["confirm"],
            note=data["note"],
        )
        if data["confirm"]:
            return gettext("Confirmed: the incident is urgent and escalated.")
        return gettext("Dismissed; the reason is on the timeline.")

    return _incident_form_post(request, incident_id, NameReviewForm, "name_form", act)


@require_POST
@moderators
def incident_status(request, incident_id: int):
    obj = get_for_school(request, _detail_qs(request), pk=incident_id)
    op = request.POST.get("op")
    forms = {"resolve": ResolveForm, "reopen": ReopenForm, "close": ReopenForm}
    if op not in forms:
        messages.error(request, gettext("Choose what to do with the incident."))
        return redirect("moderation:incident", incident_id=obj.pk)
    form = ResolveForm(request.POST) if op == "resolve" else ReopenForm(request.POST)
    if op == "close":
        form = None
    try:
        if op == "close":
            services.incident_close(incident=obj, by=request.member)
            messages.success(request, gettext("Incident closed. It can be reopened with a reason."))
        elif form.is_valid():
            if op == "resolve":
                services.incident_resolve(
                    incident=obj, by=request.member, outcome=form.cleaned_data["outcome"]
                )
                messages.success(request, gettext("Incident resolved."))
            else:
                services.incident_reopen(
                    incident=obj, by=request.member, reason=form.cleaned_data["reason"]
                )
                messages.success(request, gettext("Incident reopened."))
        else:
            return _incident_page(request, obj, **{f"{op}_form": form})
    except ValidationError as error:
        if form is None:
            for message in _messages(error):
                messages.error(request, message)
            return redirect("moderation:incident", incident_id=obj.pk)
        form.add_error(None, error)
        return _incident_page(request, obj, **{f"{op}_form": form})
    return redirect("moderation:incident", incident_id=obj.pk)


@require_POST
@moderators
def evidence_add(request, incident_id: int):
    obj = get_for_school(request, _detail_qs(request), pk=incident_id)
    files = request.FILES.getlist("screenshots")
    try:
        rows = services.evidence_add(incident=obj, uploads=files, added_by=request.member)
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext("%(count)d screenshot added.", "%(count)d screenshots added.", len(rows))
            % {"count": len(rows)},
        )
        _note_evidence_elsewhere(request, obj, rows)
    return redirect("moderation:incident", incident_id=obj.pk)


VARIANTS = {"display", "thumbnail", "original"}


@moderators
def evidence(request, evidence_id: int):
    """Serve a screenshot: role checked by the decorator, school by
    ``get_for_school``, every view audited."""
    item = get_for_school(
        request,
        selectors.visible_to(
            Evidence.objects.select_related("incident"),
            member=request.member,
            path="incident",
            roles=request.roles,
        ),
        pk=evidence_id,
    )
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if _evidence_hidden(request, item.incident):
        raise PermissionDenied(gettext("Only the headteacher can see this evidence."))
    variant = request.GET.get("v", "display")
    if variant not in VARIANTS:
        raise Http404
    if variant != "original" and not item.is_prepared:
        raise Http404(gettext("The display copy is still being prepared."))
    if variant == "thumbnail" and not item.thumbnail:
        variant = "display"
    field = getattr(item, variant)
    if variant == "original":
        fmt, ext = item.original_format, field.name.rsplit(".", 1)[-1]
    elif variant == "display":
        fmt, ext = item.display_format, field.name.rsplit(".", 1)[-1]
    else:
        fmt, ext = "JPEG", "jpg"
    services.evidence_viewed(evidence=item, member=request.member, variant=variant)
    return private_file_response(
        field.open("rb"),
        filename=f"incident-{item.incident_id}-screenshot-{item.pk}-{variant}.{ext}",
        content_type=CONTENT_TYPES[fmt],
        as_attachment=variant == "original",
    )


def _visible_evidence(request, evidence_id: int) -> Evidence:
    item = get_for_school(
        request,
        selectors.visible_to(
            Evidence.objects.select_related("incident__school"),
            member=request.member,
            path="incident",
            roles=request.roles,
        ),
        pk=evidence_id,
    )
    if _evidence_hidden(request, item.incident):
        raise PermissionDenied(gettext("Only the headteacher can see this evidence."))
    return item


@moderators
def evidence_highlighted(request, evidence_id: int):
    """The screenshot with the pupils' names OCR found outlined in red."""
    item = _visible_evidence(request, evidence_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    try:
        data = reading.evidence_highlighted(evidence=item, member=request.member)
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
        return redirect("moderation:incident", incident_id=item.incident_id)
    return private_file_response(
        io.BytesIO(data),
        filename=f"incident-{item.incident_id}-screenshot-{item.pk}-names-highlighted.png",
        content_type="image/png",
    )


@leaders
def evidence_redacted(request, evidence_id: int):
    """Download a copy with every pupil's name (and the words marked in
    ``words``, comma-separated) blacked out: the head and SLT only."""
    item = _visible_evidence(request, evidence_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    marked = (request.GET.get("words") or "")[:1000].replace("\n", ",").split(",")
    try:
        data = reading.evidence_redact(evidence=item, member=request.member, marked=marked)
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
        return redirect("moderation:incident", incident_id=item.incident_id)
    return private_file_response(
        io.BytesIO(data),
        filename=f"incident-{item.incident_id}-screenshot-{item.pk}-redacted.png",
        content_type="image/png",
        as_attachment=True,
    )


@require_POST
@moderators
def incident_transcribe(request, incident_id: int):
    """Fill an empty comment with the text read from the screenshots."""
    obj = get_for_school(request, _detail_qs(request), pk=incident_id)
    try:
        reading.incident_fill_from_screenshots(incident=obj, by=request.member)
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request, gettext("The comment is filled in: transcribed from the screenshot.")
        )
    return redirect("moderation:incident", incident_id=obj.pk)


# --- Escalations: the head's inbox ---------------------------------------------------------------


@leaders
def escalations(request):
    """Open escalations, urgent first then oldest, with how long each has
    waited; the head (or acting head) acknowledges and decides, SLT see."""
    school = request.school
    return render(
        request,
        "moderation/escalations.html",
        {
            "open_escalations": list(selectors.open_escalations(school=school)),
            "decided": selectors.recently_decided(school=school),
            "may_decide": "head" in request.roles or profile_for(school).decider == "slt",
        },
    )


def _back(request, escalation):
    if request.POST.get("back") == "incident":
        return redirect("moderation:incident", incident_id=escalation.incident_id)
    if request.POST.get("back") == "dashboard":
        return redirect("dashboard")
    return redirect("moderation:escalations")


@require_POST
@leaders
def escalation_acknowledge(request, escalation_id: int):
    escalation = get_for_school(request, Escalation, pk=escalation_id)
    if not may_decide(request.member, escalation):
        raise PermissionDenied(
            gettext("The school's policy gives this escalation to someone else.")
        )
    try:
        services.escalation_acknowledge(escalation=escalation, by=request.member)
    except ValidationError as error:
        for message in _messages(error):
            messages.info(request, message)
    else:
        messages.success(
            request,
            gettext("Acknowledged: incident %(number)s.") % {"number": escalation.incident_id},
        )
    return _back(request, escalation)


@leaders
def escalation_decide(request, escalation_id: int):
    escalation = get_for_school(
        request, selectors.escalation_for_decision(school=request.school), pk=escalation_id
    )
    incident = escalation.incident
    if not escalation.is_open:
        messages.info(request, gettext("This escalation has already been decided."))
        return redirect("moderation:incident", incident_id=incident.pk)
    if not may_decide(request.member, escalation):
        raise PermissionDenied(gettext("The school's policy gives this decision to someone else."))
    codes = [r.category for r in incident.category_rows.all()]
    profile = profile_for(request.school)
    suggested = suggestions(school=request.school, codes=codes, author_kind=incident.author_kind)
    initial = {"decision": suggested[0].decision} if suggested else None
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, gettext("That decision was already recorded."))
            return redirect("moderation:incident", incident_id=incident.pk)
        data = form.cleaned_data
        try:
            services.escalation_decide(
                escalation=escalation,
                by=request.member,
                decision=data["decision"],
                more=data["more_decisions"],
                note=data["note"],
                external_reference=data["external_reference"],
            )
        except ValidationError as error:
            form.refuse(request, error)
        else:
            label = "; ".join(
                str(Escalation.Decision(d).label)
                for d in [data["decision"], *data["more_decisions"]]
            )
            messages.success(
                request, gettext("Decision recorded: %(decisions)s.") % {"decisions": label}
            )
            return redirect("moderation:incident", incident_id=incident.pk)
    return render(
        request,
        "moderation/escalation_decide.html",
        {
            "escalation": escalation,
            "incident": incident,
            "categories": [profile.category(c) for c in profile.ordered(codes)],
            "suggestions": suggested,
            "form": form,
        },
    )


# --- Daily checks -------------------------------------------------------------------------------


@moderators
def checks(request):
    school, member = request.school, request.member
    channels = selectors.channels_to_check(member=member)
    form = CheckForm(request.POST or None, channels=channels)
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, gettext("That check was already recorded."))
            return redirect("moderation:checks")
        data = form.cleaned_data
        try:
            check = services.check_record(
                channel=data["channel"],
                checked_by=member,
                outcome=data["outcome"],
                note=data["note"],
            )
        except ValidationError as error:
            for message in _messages(error):
                messages.info(request, message)
            return redirect("moderation:checks")
        messages.success(
            request,
            gettext("Today's check of %(channel)s is recorded.") % {"channel": check.channel.name},
        )
        if check.outcome == check.Outcome.INCIDENTS:
            return redirect(reverse("moderation:incident_new") + f"?channel={check.channel_id}")
        return redirect("moderation:checks")
    today = selectors.checked_today(school=school)
    return render(
        request,
        "moderation/checks.html",
        {
            "form": form,
            "can_check": channels.exists(),
            "today_rows": [(c, today.get(c.pk)) for c in channels],
            "coverage": selectors.coverage(school=school),
            "recent": selectors.recent_checks(school=school),
        },
    )


# --- Banned accounts ----------------------------------------------------------------------------


@moderators
def banned(request):
    school = request.school
    form = BanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, gettext("That ban was already recorded."))
            return redirect("moderation:banned")
        data = form.cleaned_data
        try:
            ban = services.ban_create(
                school=school,
                platform=data["platform"],
                account_name=data["account_name"],
                profile_url=data["profile_url"],
                reason=data["reason"],
                review_on=data["review_on"],
                banned_by=request.member,
            )
        except ValidationError as error:
            form.refuse(request, error)
        else:
            messages.success(
                request,
                gettext("%(account)s is on the banned list.") % {"account": ban.account_name},
            )
            return redirect("moderation:banned")
    return render(
        request,
        "moderation/banned.html",
        {
            "form": form,
            "bans": selectors.banned_accounts(school=school),
            "can_lift": _is_leader(request),
            "lift_form": LiftForm(),
        },
    )


@require_POST
@moderators
def banned_lift(request, banned_account_id: int):
    ban = get_for_school(request, BannedAccount, pk=banned_account_id)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give the reason for lifting the ban."))
        return redirect("moderation:banned")
    if not form.claim(request):
        return redirect("moderation:banned")
    try:
        services.ban_lift(ban=ban, lifted_by=request.member, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            gettext("The ban on %(account)s is lifted; it stays on record.")
            % {"account": ban.account_name},
        )
    return redirect("moderation:banned")
