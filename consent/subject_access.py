"""What the consent register contributes to a subject access export
(schoolsocial/subject_access.py): for a pupil, their register entry,
photo, consent forms with scans, publication checks and group
applications; for a parent, the forms they gave, withdrawals they made and
their group applications."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext

from consent.models import CheckedPupil, ConsentForm, GroupApplication, PublicationCheck, Pupil
from schoolsocial.subject_access import Contributor, Kind, Section, Subject, date_text


def pupil_choices(school) -> list[tuple[str, str]]:
    rows = (
        Pupil.objects.filter(school=school)
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", "last_name", "first_name", "class_name", "left_on")
    )
    return [
        (
            str(pk),
            (
                gettext("%(last_name)s, %(first_name)s (%(class_name)s, left)")
                if left_on
                else gettext("%(last_name)s, %(first_name)s (%(class_name)s)")
            )
            % {"last_name": last, "first_name": first, "class_name": class_name},
        )
        for pk, last, first, class_name, left_on in rows
    ]


def pupil_subject(school, ref: str) -> Subject | None:
    pupil = Pupil.objects.filter(school=school, pk=ref).first() if ref.isdigit() else None
    if pupil is None:
        return None
    names = {pupil.full_name}
    if pupil.preferred_name:
        names.add(f"{pupil.preferred_name} {pupil.last_name}")
    return Subject(Kind.PUPIL, ref, pupil.full_name, tuple(sorted(names)))


def _extension(name: str) -> str:
    return name[name.rfind(".") :] if "." in name else ""


def _form_rows(form: ConsentForm, section: Section) -> None:
    row = [
        (gettext("Pupil"), form.pupil.full_name),
        (
            gettext("Given by"),
            gettext("%(name)s (%(relationship)s)")
            % {"name": form.given_by_name, "relationship": form.get_relationship_display()},
        ),
        (gettext("Received on"), date_text(form.received_on)),
        (gettext("How"), form.get_method_display()),
        (gettext("Valid until"), date_text(form.valid_until)),
    ]
    for record in form.records.all():
        decision = record.get_decision_display()
        if record.withdrawn_on:
            decision = gettext("%(decision)s; withdrawn on %(date)s by %(name)s") % {
                "decision": decision,
                "date": date_text(record.withdrawn_on),
                "name": record.withdrawn_by_name,
            }
        row.append((record.purpose_label, decision))
        section.objects.add(("consent.consentrecord", str(record.pk)))
    if form.scan:
        arcname = f"consent-form-{form.pk}{_extension(form.scan.name)}"
        row.append((gettext("File"), arcname))
        section.files.append((arcname, form.scan.name))
    section.rows.append(row)
    section.objects.add(("consent.consentform", str(form.pk)))


def _application_rows(applications, section: Section) -> None:
    for application in applications:
        section.rows.append(
            [
                (gettext("Applicant"), application.applicant_name),
                (gettext("Profile name"), application.profile_name),
                (gettext("Relationship"), application.get_relationship_display()),
                (gettext("Pupils"), ", ".join(p.full_name for p in application.pupils.all())),
                (
                    gettext("Code of conduct signed"),
                    date_text(application.code_of_conduct_signed_on),
                ),
                (gettext("Status"), application.get_status_display()),
                (gettext("Decided"), date_text(application.decided_at)),
                (gettext("Reason"), application.decision_reason or application.removal_reason),
            ]
        )
        section.objects.add(("consent.groupapplication", str(application.pk)))


class ConsentContributor(Contributor):
    def sections(self, *, school, subject: Subject):
        if subject.kind == Kind.PUPIL:
            return self._pupil(school, subject)
        if subject.kind == Kind.PARENT:
            return self._parent(school, subject)
        return []

    def _pupil(self, school, subject):
        pupil = Pupil.objects.get(school=school, pk=subject.ref)
        record = Section(gettext("Pupil register entry"))
        row = [
            (gettext("Legal name"), pupil.full_name),
            (gettext("Preferred first name"), pupil.preferred_name),
            (gettext("UPN or admission number"), pupil.mis_id),
            (gettext("Date of birth"), date_text(pupil.date_of_birth)),
            (gettext("Year group"), pupil.year_label),
            (gettext("Class"), pupil.class_name),
            (gettext("Left on"), date_text(pupil.left_on)),
            (gettext("Never publish"), gettext("Yes") if pupil.never_publish else gettext("No")),
            (gettext("Never publish: reason"), pupil.never_publish_reason),
        ]
        if pupil.photo:
            arcname = f"pupil-photo{_extension(pupil.photo.name)}"
            row.append((gettext("File"), arcname))
            record.files.append((arcname, pupil.photo.name))
        record.rows.append(row)
        record.objects.add(("consent.pupil", str(pupil.pk)))

        forms = Section(
            gettext("Consent forms"), gettext("Each form as received, with its answer per purpose.")
        )
        for form in (
            ConsentForm.objects.filter(pupil=pupil)
            .select_related("pupil")
            .prefetch_related("records")
            .order_by("received_on", "pk")
        ):
            _form_rows(form, forms)

        checks = Section(
            gettext("Publication checks"),
            gettext(
                "Each time a photo or caption was checked before posting with this pupil in it "
                "or named in the caption."
            ),
        )
        in_photo = CheckedPupil.objects.filter(pupil=pupil).select_related("check_run__channel")
        seen = set()
        for checked in in_photo.order_by("check_run__checked_at"):
            run = checked.check_run
            seen.add(run.pk)
            checks.rows.append(
                [
                    (gettext("When"), date_text(run.checked_at)),
                    (gettext("Channel"), run.channel.name),
                    (gettext("In the photo"), gettext("Yes")),
                    (
                        gettext("Result for the pupil"),
                        gettext("Allowed") if checked.allowed else gettext("Blocked"),
                    ),
                    (gettext("Reason"), checked.reason),
                    (gettext("Caption"), run.caption),
                ]
            )
            checks.objects.add(("consent.publicationcheck", str(run.pk)))
        for run in PublicationCheck.objects.filter(school=school).exclude(pk__in=seen):
            if any(m.get("pupil_id") == pupil.pk for m in run.caption_matches or []):
                checks.rows.append(
                    [
                        (gettext("When"), date_text(run.checked_at)),
                        (gettext("Channel"), run.channel.name),
                        (gettext("In the photo"), gettext("No; named in the caption")),
                        (gettext("Result"), run.get_result_display()),
                        (gettext("Caption"), run.caption),
                    ]
                )
                checks.objects.add(("consent.publicationcheck", str(run.pk)))

        groups = Section(gettext("Private group applications naming the pupil"))
        _application_rows(
            GroupApplication.objects.filter(school=school, pupils=pupil).prefetch_related("pupils"),
            groups,
        )
        return [record, forms, checks, groups]

    def _parent(self, school, subject):
        name = subject.name
        forms = Section(
            gettext("Consent forms given or withdrawn by this person"),
            gettext("Forms whose “given by” or withdrawal names “%(name)s”.") % {"name": name},
        )
        for form in (
            ConsentForm.objects.filter(pupil__school=school)
            .filter(
                Q(given_by_name__icontains=name) | Q(records__withdrawn_by_name__icontains=name)
            )
            .distinct()
            .select_related("pupil")
            .prefetch_related("records")
            .order_by("received_on", "pk")
        ):
            _form_rows(form, forms)
        groups = Section(gettext("Private group applications"))
        _application_rows(
            GroupApplication.objects.filter(school=school)
            .filter(Q(applicant_name__icontains=name) | Q(profile_name__icontains=name))
            .prefetch_related("pupils"),
            groups,
        )
        return [forms, groups]
