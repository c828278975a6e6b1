"""On SQLite, a login or a customer's answer never fails because an import is running.

Real processes on one SQLite file: `cxloop serve` (gunicorn, 2 workers x 4
threads) on a free port and `cxloop worker` running the import of a generated
30,000-row Shopify customers export. While the import runs, 100 logins, 100
survey answers (the answer page and the public API) and 100 event batches go
over HTTP from 6 client threads at once. Every one must succeed (no 5xx, no
429 from a rate limiter that mistook a locked cache for a hit), and the
import must move on meanwhile and complete. How long the requests take is
measured by `cxloop bench contention`, not asserted here.
"""

from collections import Counter

import pytest

from cxloop.testing.contention import Installation, ProgressWatch, plan, run_requests

IMPORT_ROWS = 30_000
REQUESTS_PER_KIND = 100


@pytest.fixture
def site(tmp_path):
    with Installation(tmp_path, invitations=REQUESTS_PER_KIND) as installation:
        installation.start(server=True)
        yield installation


def test_logins_answers_and_events_all_succeed_while_an_import_runs(site):
    # given an import the worker has begun
    job = site.queue_import(rows=IMPORT_ROWS)
    site.start(worker=True)
    site.wait_for(lambda: site.import_state(job)[1] > 0, what="the import to commit its first batch")

    # when staff sign in, customers answer and the storefront sends events, all at once
    steps = plan(site, logins=REQUESTS_PER_KIND, answers=REQUESTS_PER_KIND, batches=REQUESTS_PER_KIND)
    with ProgressWatch(site, job) as progress:
        results = run_requests(steps, clients=6)

    # then every request succeeded, none with a server error
    failures = [(r.kind, r.status, r.detail) for r in results if not r.ok]
    assert failures == []
    assert Counter(r.kind for r in results) == {"login": 100, "answer": 100, "events": 100}
    assert [r for r in results if r.status >= 500] == []
    # and the import moved on while they ran, and completed
    assert progress.samples[-1] > progress.samples[0]
    site.wait_for(lambda: site.import_state(job)[0] != "running", what="the import to end", seconds=900)
    assert site.import_state(job) == ("done", IMPORT_ROWS)
    assert "database is locked" not in site.log("server") + site.log("worker")
