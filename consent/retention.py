"""What the consent register keeps, and for how long (schoolsocial/
retention.py runs it; docs/retention.md gives the sources).

* A pupil who left more than ``consent_retention_years`` ago (counted from
  the leaving date) is removed with their consent forms and scans, consent
  records, publication-check results, photo, and their place on private-
  group applications (an application naming no one else goes too). Pupils
  on roll are never removed, however old their forms.
* Publication checks are a log: kept for ``evidence_retention_years`` from
  the day they were run.
"""

from __future__ import annotations

import datetime
import uuid

from django.utils.translation import gettext_lazy, ngettext_lazy

from consent.models import (
    CheckedPupil,
    CheckPhoto,
    ConsentForm,
    ConsentRecord,
    GroupApplication,
    PublicationCheck,
    Pupil,
    RegisterVersion,
)
from schoolsocial.language import later
from schoolsocial.models import School
from schoolsocial.retention import Removed, RetentionRule, cutoff
from schoolsocial.wording import counted


class ConsentRetention(RetentionRule):
    key = "consent.leavers"

    def apply(self, *, school: School, now: datetime.datetime):
        leavers_cutoff = cutoff(school, school.consent_retention_years, now)
        log_cutoff = cutoff(school, school.evidence_retention_years, now)
        return [
            self._remove_leavers(school, leavers_cutoff.day),
            self._remove_checks(school, log_cutoff.moment),
        ]

    @staticmethod
    def _remove_leavers(school: School, before: datetime.date) -> Removed:
        leavers = list(Pupil.objects.filter(school=school, left_on__lt=before))
        removed = Removed(gettext_lazy("leavers' records"), len(leavers))
        if not leavers:
            return removed
        forms = ConsentForm.objects.filter(pupil__in=leavers)
        removed.files += [name for name in forms.values_list("scan", flat=True) if name]
        for photo, thumbnail in Pupil.objects.filter(pk__in=[p.pk for p in leavers]).values_list(
            "photo", "photo_thumbnail"
        ):
            removed.files += [photo, thumbnail]
        form_count = forms.count()
        CheckedPupil.objects.filter(pupil__in=leavers).delete()
        ConsentRecord.objects.filter(pupil__in=leavers).delete()
        forms.delete()
        links = GroupApplication.pupils.through.objects.filter(pupil__in=leavers)
        applications = set(links.values_list("groupapplication_id", flat=True))
        links.delete()
        emptied = GroupApplication.objects.filter(pk__in=applications, pupils__isnull=True)
        application_count = emptied.count()
        emptied.delete()
        Pupil.objects.filter(pk__in=[p.pk for p in leavers]).delete()
        RegisterVersion.objects.update_or_create(
            school=school, defaults={"token": uuid.uuid4().hex}
        )
        from consent.screening import forget_matchers

        forget_matchers(school.pk)
        removed.detail = later(
            "with %(forms)s and %(applications)s",
            forms=counted(
                ngettext_lazy("%(count)s consent form", "%(count)s consent forms", form_count),
                form_count,
            ),
            applications=counted(
                ngettext_lazy(
                    "%(count)s group application",
                    "%(count)s group applications",
                    application_count,
                ),
                application_count,
            ),
        )
        return removed

    @staticmethod
    def _remove_checks(school: School, before: datetime.datetime) -> Removed:
        checks = PublicationCheck.objects.filter(school=school, checked_at__lt=before)
        count = checks.count()
        if count:
            # A photo kept with a check goes with it.
            photos = CheckPhoto.objects.filter(check_run__in=checks)
            removed_files = [name for name in photos.values_list("kept", flat=True) if name]
            photos.delete()
            CheckedPupil.objects.filter(check_run__in=checks).delete()
            checks.delete()
            removed = Removed(gettext_lazy("publication checks"), count)
            removed.files += removed_files
            return removed
        return Removed(gettext_lazy("publication checks"), count)
