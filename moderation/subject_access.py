"""What moderation contributes to a subject access export
(schoolsocial/subject_access.py): incidents whose comment, author or
screening names the subject (a pupil found by the name screening or by
name; a parent or member of staff by name), with their screenshots as
uploaded and their timeline; for staff, also the incidents they reported."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext

from moderation.models import Incident
from policy.selectors import profile_for
from schoolsocial.subject_access import Contributor, Kind, Section, Subject, date_text


def _named_pupil(incident: Incident, pupil_id: int) -> bool:
    return any(m.get("pupil_id") == pupil_id for m in (incident.screening or {}).get("names", []))


def _timeline_entry(action) -> str:
    """One timeline line: "05/03/2026 10:12 Closed: note (ref. 123)"."""
    values = {
        "date": date_text(action.at),
        "kind": action.get_kind_display(),
        "note": action.note,
        "reference": action.reference,
    }
    if action.note and action.reference:
        return gettext("%(date)s %(kind)s: %(note)s (ref. %(reference)s)") % values
    if action.note:
        return gettext("%(date)s %(kind)s: %(note)s") % values
    if action.reference:
        return gettext("%(date)s %(kind)s (ref. %(reference)s)") % values
    return gettext("%(date)s %(kind)s") % values


class ModerationContributor(Contributor):
    def sections(self, *, school, subject: Subject):
        text = Q()
        for name in subject.names:
            text |= Q(content__icontains=name) | Q(author_name__icontains=name)
        incidents = Incident.objects.filter(school=school)
        found = list(incidents.filter(text)) if text else []
        if subject.kind == Kind.PUPIL:
            pupil_id = int(subject.ref)
            ids = {i.pk for i in found}
            # Screening catches spellings a plain search misses (accents,
            # preferred names, run-together names).
            found += [
                i
                for i in incidents.exclude(pk__in=ids).exclude(screening={})
                if _named_pupil(i, pupil_id)
            ]
        profile = profile_for(school)
        sections = [
            self._section(
                profile,
                gettext("Incidents that name this person"),
                gettext(
                    "Comments recorded from the school's social media channels whose text, "
                    "author or name screening names the subject, with screenshots as uploaded."
                ),
                sorted(found, key=lambda i: (i.occurred_at, i.pk)),
            )
        ]
        if subject.kind == Kind.STAFF and subject.member is not None:
            reported = incidents.filter(reported_by=subject.member).exclude(
                pk__in=[i.pk for i in found]
            )
            sections.append(
                self._section(
                    profile,
                    gettext("Incidents this member of staff recorded"),
                    "",
                    reported.order_by("occurred_at", "pk"),
                    with_files=False,
                )
            )
        return sections

    @staticmethod
    def _section(profile, title, intro, incidents, *, with_files=True) -> Section:
        section = Section(title, intro)
        for incident in incidents:
            row = [
                (
                    gettext("Incident"),
                    gettext("#%(number)s %(where)s")
                    % {"number": incident.pk, "where": incident.where_label},
                ),
                (gettext("Link"), incident.permalink),
                (gettext("Posted"), date_text(incident.occurred_at)),
                (
                    gettext("Author"),
                    gettext("%(name)s (%(kind)s)")
                    % {"name": incident.author_name, "kind": incident.get_author_kind_display()},
                ),
                (gettext("Comment, as written"), incident.content),
                (
                    gettext("Categories"),
                    ", ".join(profile.label(c.category) for c in incident.category_rows.all()),
                ),
                (gettext("Status"), incident.get_status_display()),
                (gettext("Outcome"), incident.outcome),
            ]
            for action in incident.actions.select_related("by__user").order_by("at", "pk"):
                row.append((gettext("Timeline"), _timeline_entry(action)))
                section.objects.add(("moderation.incidentaction", str(action.pk)))
            if with_files:
                for evidence in incident.evidence.all():
                    extension = evidence.original_format.lower()
                    arcname = f"incident-{incident.pk}-screenshot-{evidence.pk}.{extension}"
                    row.append((gettext("File"), arcname))
                    row.append((gettext("SHA-256 as uploaded"), evidence.sha256))
                    section.files.append((arcname, evidence.original.name))
                    section.objects.add(("moderation.evidence", str(evidence.pk)))
            section.rows.append(row)
            section.objects.add(("moderation.incident", str(incident.pk)))
        return section
