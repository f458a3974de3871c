"""Who may open each page of the school's policy, for the URLconf walk in
tests/schoolsocial/test_access.py: senior leaders read it, the head edits."""

EXPECTED = {
    "policy:page": {"head", "slt"},
    "policy:choose": {"head"},
    "policy:settings": {"head"},
    "policy:category": {"head"},
}

OBJECTS = {
    "code": lambda school: "bullying",
}
