"""A school's policy profile: which template it started from and its own
edits on top. The profile itself is read through ``policy.selectors``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from schoolsocial.models import School, StaffMember


class PolicyProfile(models.Model):
    """One per school. ``overrides`` holds only what the school changed, in
    the template's shape ({"settings": {...}, "categories": {code: {...}}}),
    so the template's wording stays the school's until the head edits it."""

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="policy_profile")
    template = models.CharField(max_length=40)
    overrides = models.JSONField(default=dict, blank=True)
    dsl = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("designated safeguarding lead"),
    )
    # ALL-approval: the policy is signed off by the head and ratified by the
    # governing body (Threemilestone's sign-off; Whitchurch "approved by" the chair).
    head_approved_on = models.DateField(_("approved by the headteacher on"), null=True, blank=True)
    governors_approved_on = models.DateField(
        _("ratified by the governing body on"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Policy profile of {self.school} ({self.template})"
