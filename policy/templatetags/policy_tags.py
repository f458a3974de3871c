"""``{% clause "daily_check" %}``: the school's own clause reference for a
rule, from its policy profile — never another school's. Renders nothing
when the school's policy has no such clause. The reference is the school's
English document, so it is marked ``<span lang="en">`` on a page in any
language; ``before`` and ``after`` (brackets, a colon) are around it."""

from django import template
from django.utils.html import format_html

from policy.selectors import profile_for

register = template.Library()


@register.simple_tag(takes_context=True)
def clause(context, key: str, before: str = "", after: str = "") -> str:
    request = context.get("request")
    school = getattr(request, "school", None)
    if school is None:
        return ""
    ref = profile_for(school).clause(key).ref
    if not ref:
        return ""
    return format_html('{}<span lang="en">{}</span>{}', before, str(ref), after)


@register.simple_tag(takes_context=True)
def category_label(context, code: str) -> str:
    """A category's label in the school's own policy ("Pupil named or
    described"), never its code."""
    request = context.get("request")
    school = getattr(request, "school", None)
    if school is None:
        from policy.profile import Profile

        return Profile.from_template().label(code)
    return profile_for(school).label(code)
