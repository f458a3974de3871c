"""Pages of the core: dashboard, choosing a school, invitations, roster,
channels, school settings, audit trail. Views are thin: forms validate,
services change state, ``schoolsocial.access`` decides who gets in."""

from __future__ import annotations

import datetime

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate
from django.contrib import messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from schoolsocial import notifications, selectors, services
from schoolsocial.access import (
    SESSION_SCHOOL_KEY,
    get_for_school,
    memberships_for,
    public_view,
    roles_required,
    signed_in_view,
    staff_view,
)
from schoolsocial.audit import action_label, audit_record
from schoolsocial.exports import csv_response
from schoolsocial.forms import (
    ActingHeadForm,
    AuditFilterForm,
    AuthoriseForm,
    ChannelForm,
    EmailChangeForm,
    InviteForm,
    LeftForm,
    RevokeForm,
    RolesForm,
    SchoolSettingsForm,
)
from schoolsocial.inputs import local_path
from schoolsocial.language import language_code, later, remember_choice
from schoolsocial.models import (
    ActingHead,
    AuditEvent,
    Channel,
    ChannelAuthorisation,
    Invitation,
    Notification,
    PlatformRemoval,
    StaffMember,
    User,
)

leaders_only = roles_required("head", "slt")


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Health, dashboard, choosing a school ------------------------------------


@public_view
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@staff_view
def dashboard(request):
    return render(
        request,
        "schoolsocial/dashboard.html",
        selectors.dashboard_context(member=request.member, roles=request.roles),
    )


@signed_in_view
def school_choose(request):
    memberships = memberships_for(request.user)
    if request.method == "POST":
        chosen = next(
            (m for m in memberships if str(m.school_id) == request.POST.get("school")), None
        )
        if chosen is None:
            messages.error(request, gettext("Choose one of your schools."))
        else:
            request.session[SESSION_SCHOOL_KEY] = chosen.school_id
            messages.success(
                request,
                gettext("You are now working in %(school)s.") % {"school": chosen.school.name},
            )
            return redirect(local_path(request.POST.get("next"), reverse("dashboard")))
    return render(
        request,
        "schoolsocial/school_choose.html",
        {"memberships": memberships, "next": local_path(request.GET.get("next"), "")},
    )


@roles_required("head")
def school_settings(request):
    form = SchoolSettingsForm(request.POST or None, instance=request.school)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in SchoolSettingsForm.Meta.fields}
        values["closure_dates"] = form.cleaned_data["closure_dates_text"]
        # The form validated against the instance; reload so the service
        # compares with what is stored.
        request.school.refresh_from_db()
        try:
            services.school_update(school=request.school, changed_by=request.member, **values)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, gettext("Settings saved."))
            return redirect("school_settings")
    return render(request, "schoolsocial/school_settings.html", {"form": form})


@signed_in_view
def account_email(request):
    """Replaces allauth's address management: staff do not add or change
    sign-in addresses themselves (schoolsocial.services.staff_change_email)."""
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(user=request.user, primary=True).first()
    return render(
        request,
        "schoolsocial/account_email.html",
        {"email": request.user.email, "verified": bool(address and address.verified)},
    )


# --- Invitations ---------------------------------------------------------------


@public_view
def invitation_accept(request, token: str):
    try:
        invitation = services.invitation_for_token(token)
    except ValidationError as error:
        return render(
            request,
            "schoolsocial/invitation_invalid.html",
            {"reason": _error_text(error)},
            status=410,
        )
    if not request.user.is_authenticated:
        # No account yet to choose a language: the school's, as in the email.
        translation.activate(language_code(invitation.school.language))
    signed_in_as_invitee = (
        request.user.is_authenticated and request.user.email.lower() == invitation.email.lower()
    )
    existing_account = User.objects.filter(email__iexact=invitation.email).exists()
    errors: list[str] = []
    if request.method == "POST":
        try:
            if signed_in_as_invitee:
                services.invitation_accept(token=token, user=request.user)
                request.session[SESSION_SCHOOL_KEY] = invitation.school_id
                messages.success(
                    request,
                    gettext("You have joined %(school)s.") % {"school": invitation.school.name},
                )
                return redirect("dashboard")
            password = request.POST.get("password1", "")
            if password != request.POST.get("password2", ""):
                raise ValidationError(gettext("The two passwords do not match."))
            validate_password(
                password,
                User(
                    email=invitation.email,
                    first_name=invitation.first_name,
                    last_name=invitation.last_name,
                ),
            )
            member = services.invitation_accept(token=token, password=password)
        except ValidationError as error:
            errors = error.messages
        else:
            get_adapter(request).login(request, member.user)
            request.session[SESSION_SCHOOL_KEY] = member.school_id
            messages.success(
                request,
                gettext("Welcome to %(school)s. Your password is set.")
                % {"school": member.school.name},
            )
            return redirect("dashboard")
    return render(
        request,
        "schoolsocial/invitation_accept.html",
        {
            "invitation": invitation,
            "signed_in_as_invitee": signed_in_as_invitee,
            "existing_account": existing_account,
            "errors": errors,
        },
    )


# --- Roster ----------------------------------------------------------------------


@leaders_only
def roster(request):
    school = request.school
    q = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "schoolsocial/roster.html",
        {
            "q": q,
            "members": selectors.roster(school=school, q=q),
            "former_members": selectors.roster(school=school, former=True, q=q),
            "invitations": Invitation.objects.filter(
                school=school, accepted_at__isnull=True, cancelled_at__isnull=True
            ).select_related("invited_by__user"),
            "acting_heads": ActingHead.objects.filter(school=school).select_related(
                "member__user", "set_by__user"
            ),
            "channels": selectors.channels_with_admins(school=school),
        },
    )


@leaders_only
def roster_invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, gettext("That invitation was already sent."))
            return redirect("roster")
        try:
            invitation, _token = services.staff_invite(
                school=request.school,
                invited_by=request.member,
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                roles=form.cleaned_data["roles"],
            )
        except ValidationError as error:
            form.release(request)
            form.add_error(None, error)
        else:
            messages.success(
                request,
                gettext("Invitation sent to %(email)s. The link works once, for 7 days.")
                % {"email": invitation.email},
            )
            return redirect("roster")
    return render(request, "schoolsocial/roster_invite.html", {"form": form})


def _member_page(request, member: StaffMember, status: int = 200, **forms):
    school = request.school
    forms.setdefault("roles_form", RolesForm(initial={"roles": sorted(member.roles)}))
    forms.setdefault("authorise_form", AuthoriseForm(school=school))
    forms.setdefault("left_form", LeftForm())
    forms.setdefault("email_form", EmailChangeForm())
    authorisations = (
        ChannelAuthorisation.objects.filter(member=member)
        .select_related("channel", "authorised_by__user", "revoked_by__user")
        .order_by("revoked_on", "channel__name", "-authorised_on")
    )
    return render(
        request,
        "schoolsocial/roster_member.html",
        {
            "member": member,
            "authorisations": authorisations,
            "revoke_form": RevokeForm(),
            "history": selectors.member_history(member=member),
            **forms,
        },
        status=status,
    )


@leaders_only
def roster_member(request, member_id: int):
    member = get_for_school(request, StaffMember.objects.select_related("user"), pk=member_id)
    return _member_page(request, member)


@require_POST
@leaders_only
def roster_member_roles(request, member_id: int):
    member = get_for_school(request, StaffMember.objects.select_related("user"), pk=member_id)
    form = RolesForm(request.POST)
    if form.is_valid():
        try:
            services.staff_set_roles(
                member=member, roles=form.cleaned_data["roles"], changed_by=request.member
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, gettext("Roles of %(name)s saved.") % {"name": member.user.display_name}
            )
            return redirect("roster_member", member_id=member.pk)
    return _member_page(request, member, status=400, roles_form=form)


@require_POST
@leaders_only
def roster_member_authorise(request, member_id: int):
    member = get_for_school(request, StaffMember.objects.select_related("user"), pk=member_id)
    form = AuthoriseForm(request.POST, school=request.school)
    if form.is_valid():
        try:
            services.channel_authorise(
                member=member, authorised_by=request.member, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                gettext("%(name)s is now authorised for %(channel)s.")
                % {"name": member.user.display_name, "channel": form.cleaned_data["channel"].name},
            )
            return redirect("roster_member", member_id=member.pk)
    return _member_page(request, member, status=400, authorise_form=form)


@require_POST
@leaders_only
def roster_member_email(request, member_id: int):
    member = get_for_school(request, StaffMember.objects.select_related("user"), pk=member_id)
    if not did_recently_reauthenticate(request):
        # A leader's session left open must not be enough to move a
        # colleague's account to an address of the intruder's choosing.
        messages.warning(
            request, gettext("Confirm your password first, then change the address again.")
        )
        back = reverse("roster_member", args=[member.pk])
        return redirect(f"{reverse('account_reauthenticate')}?{urlencode({'next': back})}")
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            address = services.staff_change_email(
                member=member, email=form.cleaned_data["email"], changed_by=request.member
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # allauth's confirmation link, sent to the new address.
            address.send_confirmation(request)
            messages.success(
                request,
                gettext(
                    "%(name)s now signs in with %(email)s. Their old "
                    "address was told, and the new one has a link to confirm it."
                )
                % {"name": member.user.display_name, "email": address.email},
            )
            return redirect("roster_member", member_id=member.pk)
    return _member_page(request, member, status=400, email_form=form)


@require_POST
@leaders_only
def roster_member_left(request, member_id: int):
    member = get_for_school(request, StaffMember.objects.select_related("user"), pk=member_id)
    form = LeftForm(request.POST)
    if form.is_valid():
        try:
            services.staff_mark_left(member=member, marked_by=request.member, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, gettext("%(name)s is marked as left.") % {"name": member.user.display_name}
            )
            return redirect("roster_member", member_id=member.pk)
    return _member_page(request, member, status=400, left_form=form)


@require_POST
@leaders_only
def roster_authorisation_revoke(request, authorisation_id: int):
    authorisation = get_for_school(
        request,
        ChannelAuthorisation.objects.select_related("member__user", "channel"),
        pk=authorisation_id,
    )
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give a reason for revoking."))
    else:
        try:
            services.channel_authorisation_revoke(
                authorisation=authorisation,
                revoked_by=request.member,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                gettext("%(name)s is no longer authorised for %(channel)s.")
                % {
                    "name": authorisation.member.user.display_name,
                    "channel": authorisation.channel.name,
                },
            )
    return redirect("roster_member", member_id=authorisation.member_id)


@require_POST
@leaders_only
def roster_invitation_cancel(request, invitation_id: int):
    invitation = get_for_school(request, Invitation, pk=invitation_id)
    try:
        services.invitation_cancel(invitation=invitation, cancelled_by=request.member)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            gettext("The invitation for %(email)s is cancelled.") % {"email": invitation.email},
        )
    return redirect("roster")


@roles_required("head")
def roster_acting_head(request):
    form = ActingHeadForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            services.acting_head_set(set_by=request.member, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, gettext("Acting head saved."))
            return redirect("roster")
    return render(request, "schoolsocial/roster_acting_head.html", {"form": form})


# --- Channels ------------------------------------------------------------------------


@staff_view
def channels(request):
    return render(
        request,
        "schoolsocial/channels.html",
        {"channels": selectors.channels_with_admins(school=request.school)},
    )


@leaders_only
def channel_add(request):
    return _channel_form(request, Channel())


@leaders_only
def channel_edit(request, channel_id: int):
    return _channel_form(request, get_for_school(request, Channel, pk=channel_id))


def _channel_form(request, channel: Channel):
    creating = channel.pk is None
    form = ChannelForm(request.POST or None, instance=channel, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.channel_save(
                    channel=form.instance,
                    saved_by=request.member,
                    reason=form.cleaned_data.get("safeguard_reason", ""),
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                (
                    gettext("Channel %(name)s added.")
                    if creating
                    else gettext("Channel %(name)s saved.")
                )
                % {"name": channel.name},
            )
            return redirect("channels")
    return render(request, "schoolsocial/channel_form.html", {"form": form, "creating": creating})


# --- Removing a former administrator on the platform itself --------------------------


@require_POST
@leaders_only
def platform_removal_done(request, platform_removal_id: int):
    removal = get_for_school(
        request,
        PlatformRemoval.objects.select_related(
            "authorisation__member__user", "authorisation__channel"
        ),
        pk=platform_removal_id,
    )
    try:
        services.platform_removal_done(
            removal=removal, done_by=request.member, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, gettext("Marked done: the task has left the dashboard."))
    return redirect("dashboard")


# --- Notifications ---------------------------------------------------------------


@staff_view
def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.member)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "schoolsocial/notifications.html", {"page": page, "query": ""})


@staff_view
def notification_open(request):
    """Follow a notification's link: it is marked read on the way. The id is
    a query parameter; only the recipient's own notifications are found."""
    notification_id = request.GET.get("notification", "")
    if not notification_id.isdigit():
        return redirect("notifications")
    notification = get_object_or_404(
        Notification, pk=int(notification_id), recipient=request.member
    )
    return redirect(
        notifications.open_notification(member=request.member, notification=notification)
    )


@require_POST
@staff_view
def notification_read(request):
    ids = request.POST.getlist("notification")
    marked = notifications.mark_read(
        member=request.member,
        notification_ids=[int(i) for i in ids if i.isascii() and i.isdigit() and len(i) < 19]
        if ids
        else None,
    )
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked as read.",
            "%(count)s notifications marked as read.",
            marked,
        )
        % {"count": marked},
    )
    return redirect(local_path(request.POST.get("next"), reverse("notifications")))


# --- Audit trail ---------------------------------------------------------------------


def _filtered_audit(request):
    school = request.school
    events = AuditEvent.objects.filter(school=school).select_related("actor")
    form = AuditFilterForm(
        request.GET or None,
        people=User.objects.filter(memberships__school=school).distinct(),
        # Without the model's ordering, so DISTINCT is over the kinds alone
        # (an index-only scan of audit_school_action, not every event).
        actions=list(
            AuditEvent.objects.filter(school=school)
            .order_by("action")
            .values_list("action", flat=True)
            .distinct()
        ),
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["person"]:
            events = events.filter(actor=data["person"])
        if data["action"]:
            events = events.filter(action=data["action"])
        tz = school.tz
        if data["date_from"]:
            start = datetime.datetime.combine(data["date_from"], datetime.time.min, tzinfo=tz)
            events = events.filter(created_at__gte=start)
        if data["date_to"]:
            end = datetime.datetime.combine(
                data["date_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
            events = events.filter(created_at__lt=end)
    return form, events


@leaders_only
def audit(request):
    form, events = _filtered_audit(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    for event in page.object_list:
        event.label = action_label(event.action)
    return render(
        request,
        "schoolsocial/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


# The printed audit trail: at most this many events on one printout (the CSV
# has them all).
AUDIT_PRINT_LIMIT = 1000


@leaders_only
def audit_print(request):
    """The filtered audit trail laid out for paper, with a Print button."""
    form, events = _filtered_audit(request)
    total = events.count()
    shown = list(events[:AUDIT_PRINT_LIMIT])
    for event in shown:
        event.label = action_label(event.action)
    audit_record(
        school=request.school,
        actor=request.user,
        action="audit.print",
        summary=(
            later(
                "Printed %(shown)s of %(total)s audit events (filters: %(filters)s).",
                shown=len(shown),
                total=total,
                filters=request.GET.urlencode(),
            )
            if request.GET
            else later(
                "Printed %(shown)s of %(total)s audit events.", shown=len(shown), total=total
            )
        ),
    )
    filters = []
    if form.is_valid():
        data = form.cleaned_data
        if data["person"]:
            filters.append((gettext("Person"), data["person"].display_name))
        if data["action"]:
            filters.append((gettext("Kind"), action_label(data["action"])))
        if data["date_from"]:
            filters.append((gettext("From"), date_format(data["date_from"], "j F Y")))
        if data["date_to"]:
            filters.append((gettext("To"), date_format(data["date_to"], "j F Y")))
    return render(
        request,
        "schoolsocial/audit_print.html",
        {
            "events": shown,
            "total": total,
            "limited": total > len(shown),
            "filters": filters,
            "query": request.GET.urlencode(),
            "printed_at": timezone.now(),
        },
    )


@require_POST
@signed_in_view
def language_set(request):
    """The language switch in the account menu."""
    try:
        services.user_set_language(
            user=request.user,
            language=request.POST.get("language", ""),
            school=getattr(request, "school", None),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(local_path(request.POST.get("next"), reverse("dashboard")))
    response = redirect(local_path(request.POST.get("next"), reverse("dashboard")))
    remember_choice(response, request.POST.get("language", ""))
    return response


@require_POST
@public_view
def language_choose(request):
    """The language switch on the pages before sign-in: kept in a cookie on
    this browser only (there is nobody to remember it for yet)."""
    language = request.POST.get("language", "")
    response = redirect(local_path(request.POST.get("next"), reverse("account_login")))
    if language in ("en", "cy"):
        remember_choice(response, language)
    else:
        messages.error(request, gettext("Choose English or Cymraeg."))
    return response


@signed_in_view
def help_page(request):
    """The short guide for each of the member's roles (docs/help/)."""
    from schoolsocial.guides import ROLE_ORDER, guides_for

    roles = request.roles or frozenset()
    if not roles:
        roles = {
            role
            for membership in memberships_for(request.user)
            for role in membership.effective_roles()
        }
    language = "cy" if translation.get_language() == "cy" else "en"
    shown = guides_for(roles, language)
    others = [g for g in guides_for(set(ROLE_ORDER), language) if g["role"] not in roles]
    return render(request, "schoolsocial/help.html", {"guides": shown, "others": others})


@leaders_only
def audit_export(request):
    form, events = _filtered_audit(request)
    audit_record(
        school=request.school,
        actor=request.user,
        action="audit.export",
        summary=(
            later(
                "Exported %(count)s audit events as CSV (filters: %(filters)s).",
                count=events.count(),
                filters=request.GET.urlencode(),
            )
            if request.GET
            else later("Exported %(count)s audit events as CSV.", count=events.count())
        ),
    )
    tz = request.school.tz
    # Plain rows, read in chunks: constant memory however long the trail.
    rows = (
        [
            created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            actor_label,
            action_label(action),
            summary,
            f"{object_type} {object_id}".strip(),
            ip_address or "",
        ]
        for created_at, actor_label, action, summary, object_type, object_id, ip_address in (
            events.values_list(
                "created_at",
                "actor_label",
                "action",
                "summary",
                "object_type",
                "object_id",
                "ip_address",
            ).iterator(chunk_size=5000)
        )
    )
    stamp = timezone.now().astimezone(tz).strftime("%Y%m%d-%H%M")
    return csv_response(
        filename=f"audit-{request.school.slug}-{stamp}.csv",
        header=[
            gettext("when"),
            gettext("person"),
            gettext("kind"),
            gettext("summary"),
            gettext("object"),
            gettext("ip address"),
        ],
        rows=rows,
    )
