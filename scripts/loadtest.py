"""`make loadtest`: the app under gunicorn on PostgreSQL, signed-in users on
loopback, bounded in number and time.

Builds a small trust (``--schools``, default 2, full size each) in its own
database (``loadtest_<name of DATABASE_URL's database>``, created afresh and
dropped at the end), starts gunicorn with docker/gunicorn.conf.py on a free
127.0.0.1 port and runs, one after another:

1. the most one server gives: ``--busy`` users (default 8) with no pause,
   first on a trivial signed-in page, then on the mixed pages (the
   moderation queue, an incident, the consent register, the dashboard);
2. ``--users`` (default 50) who pause 2–5 s between the mixed pages, for
   ``--seconds`` (default 60).

Reports requests/s, p50/p95/p99 and errors for each. Only loopback, only
these bounds.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolsocial.settings")
os.environ.setdefault("DJANGO_ENV", "test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_users(port, cookies, urls, *, seconds, pause=None):
    """Each cookie is one user on its own keep-alive connection, requesting
    ``urls`` in turn until ``seconds`` pass. Returns (timings ms, errors, s)."""
    timings, errors = [], []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(n, cookie):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        k = n
        while time.monotonic() < stop:
            url = urls[k % len(urls)]
            k += 1
            start = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException) as error:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                response = error
            took = (time.perf_counter() - start) * 1000
            with lock:
                timings.append(took)
                if not ok:
                    errors.append(f"{url}: {getattr(response, 'status', response)}")
            if pause:
                # Longer than gunicorn's keep-alive: the server closes the
                # idle connection, and the next page opens a new one, as a
                # browser's would.
                conn.close()
                time.sleep(random.uniform(*pause))  # noqa: S311 - think time
        conn.close()

    threads = [threading.Thread(target=user, args=(n, c)) for n, c in enumerate(cookies)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, errors, time.monotonic() - began


def report(label, timings, errors, elapsed):
    timings = sorted(timings)

    def pct(p):
        return timings[min(len(timings) - 1, int(p * len(timings)))] if timings else 0

    rate = len(timings) / elapsed if elapsed else 0
    line = (
        f"{label}: {rate:.1f} req/s, p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, "
        f"p99 {pct(0.99):.0f} ms, {len(errors)} errors of {len(timings)}"
    )
    if errors:
        line += f" (first: {errors[0]})"
    return line, rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--busy", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--busy-seconds", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("make loadtest needs PostgreSQL: set DATABASE_URL=postgres://…")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"loadtest_{name}"
    settings.DEBUG = False
    old = setup_databases(verbosity=0, interactive=False)
    server = None
    try:
        import bench_trust

        trust = bench_trust.Trust(args.schools)
        trust.create_schools()
        trust.grow(0.0, 1.0)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        urls = [u for label, u, roles in bench_trust.pages(trust) if label in MIXED]
        school = trust.schools[0]
        head = trust.staff[0]["head"]
        cookies = []
        for _ in range(max(args.users, args.busy)):
            client = bench_trust._client_for(head, school)
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.session.session_key}")
        port = free_port()
        env = dict(os.environ)
        env["DATABASE_URL"] = _url_with_name(os.environ["DATABASE_URL"], f"loadtest_{name}")
        env.update(
            {
                "PORT": str(port),
                "DJANGO_ENV": "test",
                "PYTHONPATH": f"{ROOT}:{ROOT / 'scripts'}",
            }
        )
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn, loopback only
            [
                str(gunicorn),
                "-c",
                str(ROOT / "docker" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
                "loadtest_wsgi:application",
            ],
            env=env,
            cwd=str(ROOT),
            start_new_session=True,
        )
        _wait_for(port)
        workers = env.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 1)
        print(
            f"gunicorn on 127.0.0.1:{port}: {workers} workers × "
            f"{env.get('GUNICORN_THREADS', '4')} threads; PostgreSQL; {os.cpu_count()} cores; "
            f"data: {bench_trust._sizes(trust.counts())}"
        )
        run_users(port, cookies[:2], ["/bench/trivial/"] + urls, seconds=3)  # warm up
        timings, errors, elapsed = run_users(
            port, cookies[: args.busy], ["/bench/trivial/"], seconds=args.busy_seconds
        )
        line, trivial_rate = report(
            f"trivial signed-in page, {args.busy} busy users", timings, errors, elapsed
        )
        print(line)
        timings, errors, elapsed = run_users(
            port, cookies[: args.busy], urls, seconds=args.busy_seconds
        )
        line, mixed_rate = report(
            f"mixed pages ({', '.join(MIXED)}), {args.busy} busy users",
            timings,
            errors,
            elapsed,
        )
        print(line)
        print(f"  mixed pages at {mixed_rate / trivial_rate:.0%} of the trivial page's rate")
        timings, errors, elapsed = run_users(
            port, cookies[: args.users], urls, seconds=args.seconds, pause=(2, 5)
        )
        line, _ = report(
            f"mixed pages, {args.users} users pausing 2–5 s, {args.seconds} s",
            timings,
            errors,
            elapsed,
        )
        print(line)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        connection.close()
        teardown_databases(old, verbosity=0)


MIXED = ["moderation queue", "incident", "consent register", "dashboard"]


def _url_with_name(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _wait_for(port):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


if __name__ == "__main__":
    main()
