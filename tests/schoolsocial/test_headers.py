"""Headers on real responses in production settings: no-store on every
signed-in page and download, and a Permissions-Policy denying what the app
does not use."""

import json

import pytest


@pytest.fixture(scope="module")
def production_responses(tmp_path_factory):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    var = tmp_path_factory.mktemp("production")
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL", "REDIS_URL"}
    }
    environment.update(
        DJANGO_ENV="production",
        SECRET_KEY="k3J9!xq2-7vLw@pZ4#rT8mN1&bY6^cF0*hD5(sG3)aE9uQ2zV7",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        SCHOOLSOCIAL_VAR_DIR=str(var),
        STATIC_ROOT=str(var / "static"),
        PRIVATE_STORAGE_ROOT=str(var / "private"),
        MEDIA_ROOT=str(var / "media"),
        CELERY_TASK_ALWAYS_EAGER="true",
        EMAIL_URL="dummymail://",
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.schoolsocial.production_probe"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


SIGNED_IN = [
    "dashboard",
    "roster",
    "pupils",
    "incident",
    "evidence",
    "audit_csv",
    "do_not_publish_csv",
    "not_found",
]


@pytest.mark.parametrize("name", SIGNED_IN)
def test_signed_in_pages_and_downloads_are_never_stored(production_responses, name):
    response = production_responses[name]
    assert response["status"] in (200, 404), response
    assert "no-store" in response["headers"]["Cache-Control"]


def test_the_downloads_really_are_downloads(production_responses):
    assert production_responses["evidence"]["headers"]["Content-Type"].startswith("image/")
    for name in ["audit_csv", "do_not_publish_csv"]:
        assert "attachment" in production_responses[name]["headers"]["Content-Disposition"]


@pytest.mark.parametrize("name", [*SIGNED_IN, "login"])
def test_every_response_denies_the_browser_features_the_app_does_not_use(
    production_responses, name
):
    policy = production_responses[name]["headers"]["Permissions-Policy"]
    features = dict(item.strip().split("=", 1) for item in policy.split(","))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "display-capture"]:
        assert features[feature] == "()", feature


def test_production_keeps_its_other_security_headers(production_responses):
    headers = production_responses["dashboard"]["headers"]
    assert "max-age=63072000" in headers["Strict-Transport-Security"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_static_files_keep_their_cache_lifetime(production_responses):
    static = production_responses["static"]
    assert static["status"] == 200
    assert "no-store" not in static["headers"].get("Cache-Control", "")
