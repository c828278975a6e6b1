"""CSV imports as background jobs: the upload page, the job page, and the task.

Uploads replay tests/payloads/shopify_csv through the page; the task runs
in-process (`run_import_task.call`), as a worker would run it.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from cxloop.commerce import tasks
from cxloop.commerce.imports import batches, jobs
from cxloop.commerce.models import Customer, ImportFileChunk, ImportJob, ImportProblem, Order
from cxloop.commerce.tests.test_imports import row_counts

PAYLOADS = Path(__file__).parent / "payloads" / "shopify_csv"
CUSTOMERS = PAYLOADS / "customers_export.csv"
ORDERS = PAYLOADS / "orders_export.csv"
TASK_PATH = "cxloop.commerce.tasks.run_import_task"
ORDER_PROBLEMS = [
    (11, "order #1005: Created at is not a valid date: '2024-03-32 09:15:00 +0100'; skipped"),
    (17, "order #1009: Lineitem quantity must be a whole number from 0 to 100000; skipped"),
    (18, "order #1002: appears again after line 5 (the first rows are kept); skipped"),
]


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/csv")


def queue(store, path: Path, kind: str, owner=None) -> ImportJob:
    with path.open("rb") as file:
        return jobs.queue_import(store=store, kind=kind, file=file, file_name=path.name, actor=owner)


def queued_task_args() -> list:
    return [r.args_kwargs["args"] for r in DBTaskResult.objects.filter(task_path=TASK_PATH)]


def problems(job) -> list[tuple[int, str]]:
    return list(ImportProblem.objects.filter(job=job).order_by("id").values_list("line", "reason"))


# The upload page ------------------------------------------------------------------


def test_upload_queues_the_import_and_opens_its_page(
    staff_client, store, owner, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("commerce:import"), {"kind": "shopify_customers", "file": upload(CUSTOMERS)}
        )

    # then the file is kept in the database, and the task waits for a worker
    job = ImportJob.objects.get(store=store)
    assert response.status_code == 302
    assert response.url == reverse("commerce:import-job", args=[job.pk])
    assert (job.kind, job.status, job.rows_total, job.file_name) == (
        "shopify_customers", "queued", 9, "customers_export.csv",
    )  # fmt: skip
    assert (job.created_by, job.language, job.file_size) == (owner, "en", CUSTOMERS.stat().st_size)
    assert b"".join(bytes(c.data) for c in job.chunks.order_by("index")) == CUSTOMERS.read_bytes()
    assert queued_task_args() == [[job.pk]]
    assert Customer.objects.count() == 0


BAD_UPLOADS = [
    ("shopify_xml", "customers_export.csv", CUSTOMERS.read_bytes(), "kind", "Choose what the file holds."),
    ("shopify_customers", "empty.csv", b"", "file", "The file is empty."),
    (
        "shopify_customers", "latin2.csv",
        "First Name,Last Name,Email,Accepts Marketing\nŁucja,Gąska,l@example.pl,yes\n".encode("iso-8859-2"),
        "file", "The file is not UTF-8 text.",
    ),
    ("shopify_customers", "export.csv", b"PK\x03\x04\x14\x00" + bytes(range(128, 256)), "file", "not UTF-8"),
    (
        "shopify_customers", "export.csv", b"First Name,Last Name\n" + b"x" * 200_000 + b",B\n", "file",
        "The file is not a readable CSV file: field larger than field limit",
    ),
    (
        "shopify_customers", "export.csv", b'{"customers": [{"email": "a@example.pl"}]}', "file",
        "This is not a Shopify customers export",
    ),
    (
        "shopify_customers", "orders_export.csv", ORDERS.read_bytes(), "file",
        "This is not a Shopify customers export: the column(s) First Name, Last Name are missing.",
    ),
    (
        "shopify_orders", "customers.csv", b"First Name,Last Name,Email,Accepts Marketing\n", "file",
        "This is not a Shopify orders export",
    ),
    (
        "shopify_customers", "header_only.csv", b"First Name,Last Name,Email,Accepts Marketing\n", "file",
        "The file has a header but no rows below it.",
    ),
    ("shopify_customers", "customers.xlsx", CUSTOMERS.read_bytes(), "file", "Choose a .csv file"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "name", "content", "field", "message"), BAD_UPLOADS)
def test_unusable_upload_is_a_form_error_and_queues_nothing(
    staff_client, store, kind, name, content, field, message, django_capture_on_commit_callbacks
):
    file = SimpleUploadedFile(name, content, content_type="text/csv")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("commerce:import"), {"kind": kind, "file": file})

    assert response.status_code == 422
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert message.split(":")[0] in response.text
    assert (ImportJob.objects.count(), ImportFileChunk.objects.count(), queued_task_args()) == (0, 0, [])


def test_upload_larger_than_the_limit_is_refused(staff_client, store, settings):
    settings.CXLOOP_MAX_UPLOAD_BYTES = 1_000_000
    big = SimpleUploadedFile("customers_export.csv", b"x" * 1_000_001, content_type="text/csv")

    response = staff_client.post(reverse("commerce:import"), {"kind": "shopify_customers", "file": big})

    assert response.status_code == 422
    assert response.context["form"].errors["file"] == ["The file is larger than 1 MB."]
    assert ImportJob.objects.count() == 0


def test_upload_page_lists_recent_imports_newest_first(staff_client, store, other_store):
    older = queue(store, CUSTOMERS, "shopify_customers")
    newer = queue(store, ORDERS, "shopify_orders")
    queue(other_store, CUSTOMERS, "shopify_customers")

    response = staff_client.get(reverse("commerce:import"))

    assert response.status_code == 200
    assert [job.pk for job in response.context["jobs"]] == [newer.pk, older.pk]
    assert reverse("commerce:import-job", args=[newer.pk]) in response.text


def test_agent_cannot_open_an_import(agent_client, store):
    job = queue(store, CUSTOMERS, "shopify_customers")

    assert agent_client.get(reverse("commerce:import-job", args=[job.pk])).status_code == 403
    assert agent_client.post(reverse("commerce:import-resume", args=[job.pk])).status_code == 403


def test_another_stores_import_answers_404(staff_client, other_store):
    job = queue(other_store, CUSTOMERS, "shopify_customers")

    assert staff_client.get(reverse("commerce:import-job", args=[job.pk])).status_code == 404
    assert staff_client.post(reverse("commerce:import-resume", args=[job.pk])).status_code == 404


# The job page ---------------------------------------------------------------------


def test_running_import_shows_a_progress_bar_that_polls(staff_client, store):
    job = queue(store, CUSTOMERS, "shopify_customers")
    ImportJob.objects.filter(pk=job.pk).update(status="running", rows_processed=4, created_count=3)

    response = staff_client.get(reverse("commerce:import-job", args=[job.pk]))

    assert response.status_code == 200
    assert re.search(r'<progress class="import-progress" max="100" value="44"', response.text)
    assert "44%" in response.text
    assert "4 of 9 rows" in response.text
    assert 'hx-trigger="every 1s"' in response.text


def test_polling_gets_only_the_status_partial(staff_client, store):
    job = queue(store, CUSTOMERS, "shopify_customers")
    url = reverse("commerce:import-job", args=[job.pk])

    response = staff_client.get(url, headers={"HX-Request": "true", "HX-Target": "import-status"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="import-status"')
    assert "<html" not in response.text
    assert "waiting for a worker" in response.text


def test_finished_import_shows_the_summary_and_stops_polling(staff_client, store):
    job = queue(store, ORDERS, "shopify_orders")
    tasks.run_import_task.call(job.pk)

    response = staff_client.get(reverse("commerce:import-job", args=[job.pk]))

    assert response.status_code == 200
    assert "hx-trigger" not in response.text
    assert "<progress" not in response.text
    assert [p.line for p in response.context["problems"].items] == [11, 17, 18]
    assert "order #1009: Lineitem quantity must be a whole number" in response.text
    assert re.search(r"Orders created</p><p class=\"kpi__value\">7<", response.text)


def test_long_problem_lists_are_paged(staff_client, store, tmp_path, django_assert_max_num_queries):
    # given 130 customers with neither email nor id
    path = tmp_path / "customers_export.csv"
    path.write_text("First Name,Last Name,Email,Accepts Marketing\n" + "Jan,Kos,,no\n" * 130)
    job = queue(store, path, "shopify_customers")
    tasks.run_import_task.call(job.pk)
    url = reverse("commerce:import-job", args=[job.pk])

    # when
    with django_assert_max_num_queries(12):
        first = staff_client.get(url)
    second = staff_client.get(url, {"page": 2})

    # then
    assert [p.line for p in first.context["problems"].items] == list(range(2, 102))
    assert 'rel="next" href="?page=2"' in first.text
    assert [p.line for p in second.context["problems"].items] == list(range(102, 132))


# The task -------------------------------------------------------------------------


def test_task_imports_the_file_and_then_deletes_it(store):
    job = queue(store, ORDERS, "shopify_orders")

    status = tasks.run_import_task.call(job.pk)

    job.refresh_from_db()
    assert status == "done"
    assert (job.created_count, job.updated_count, job.skipped_count) == (7, 0, 3)
    assert (job.rows_processed, job.rows_total, job.percent) == (16, 16, 100)
    assert job.started_at <= job.finished_at
    assert problems(job) == ORDER_PROBLEMS
    assert Order.objects.filter(store=store).count() == 7
    assert not ImportFileChunk.objects.filter(job=job).exists()


def test_a_file_stored_in_several_chunks_is_read_whole(store, monkeypatch):
    monkeypatch.setattr(jobs, "CHUNK_BYTES", 1000)
    job = queue(store, ORDERS, "shopify_orders")
    assert job.chunks.count() == -(-ORDERS.stat().st_size // 1000)

    tasks.run_import_task.call(job.pk)

    assert ImportJob.objects.get(pk=job.pk).created_count == 7


def test_running_the_task_twice_imports_once(store):
    job = queue(store, CUSTOMERS, "shopify_customers")
    tasks.run_import_task.call(job.pk)
    before = row_counts()

    second = tasks.run_import_task.call(job.pk)

    job.refresh_from_db()
    assert second is None
    assert (job.created_count, job.updated_count, job.skipped_count) == (6, 0, 3)
    assert len(problems(job)) == 3
    assert row_counts() == before


def test_a_job_another_run_is_working_on_is_left_to_it(store):
    job = queue(store, CUSTOMERS, "shopify_customers")
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempt=1, heartbeat_at=timezone.now())

    assert tasks.run_import_task.call(job.pk) is None
    assert Customer.objects.count() == 0


class WorkerDied(BaseException):
    """Stands for a worker killed mid-batch: not an error the run could catch."""


def test_a_stalled_import_resumes_after_its_last_committed_batch(store, monkeypatch):
    # given batches of four orders, and a worker that dies in its third batch
    monkeypatch.setattr(batches, "BATCH_SIZE", 4)
    monkeypatch.setattr(batches, "BATCH_SECONDS", 60)
    job = queue(store, ORDERS, "shopify_orders")
    real_checkpoint = jobs._Checkpoint.__call__
    calls = []

    def dying_checkpoint(self, done, total):
        calls.append(done)
        if len(calls) == 3:
            raise WorkerDied
        real_checkpoint(self, done, total)

    monkeypatch.setattr(jobs._Checkpoint, "__call__", dying_checkpoint)
    with pytest.raises(WorkerDied):
        tasks.run_import_task.call(job.pk)
    monkeypatch.setattr(jobs._Checkpoint, "__call__", real_checkpoint)
    job.refresh_from_db()
    assert (job.status, job.rows_processed, job.created_count) == ("running", 8, 4)

    # when the next run comes after the job has stalled
    assert tasks.run_import_task.call(job.pk) is None  # too early: the run may still be alive
    with time_machine.travel(timezone.now() + jobs.STALLED_AFTER + timedelta(seconds=1)):
        status = tasks.run_import_task.call(job.pk)

    # then it went on from the first order after the committed batch, like one clean run
    job.refresh_from_db()
    assert (status, job.attempt) == ("done", 2)
    assert (job.created_count, job.updated_count, job.skipped_count) == (7, 0, 3)
    assert problems(job) == ORDER_PROBLEMS
    assert Order.objects.filter(store=store).count() == 7


def test_a_run_that_lost_its_job_stops_and_rolls_its_batch_back(store, monkeypatch):
    # given a run whose job is taken over by another run while it works
    monkeypatch.setattr(batches, "BATCH_SIZE", 4)
    monkeypatch.setattr(batches, "BATCH_SECONDS", 60)
    job = queue(store, ORDERS, "shopify_orders")
    real_checkpoint = jobs._Checkpoint.__call__

    def taken_over(self, done, total):
        real_checkpoint(self, done, total)
        if not done:  # before the first batch: another run claims the job
            ImportJob.objects.filter(pk=self.job.pk).update(attempt=99)

    monkeypatch.setattr(jobs._Checkpoint, "__call__", taken_over)

    # when
    result = tasks.run_import_task.call(job.pk)

    # then it stops without applying its batch, and leaves the job to the other run
    job.refresh_from_db()
    assert result is None
    assert (job.status, job.rows_processed, job.attempt) == ("running", 0, 99)
    assert Order.objects.count() == 0


def test_resume_queues_a_run_only_for_a_stalled_import(
    staff_client, store, django_capture_on_commit_callbacks
):
    job = queue(store, CUSTOMERS, "shopify_customers")
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempt=1, heartbeat_at=timezone.now())
    url = reverse("commerce:import-resume", args=[job.pk])

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url)
    assert queued_task_args() == []

    with (
        time_machine.travel(timezone.now() + jobs.STALLED_AFTER + timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        page = staff_client.get(reverse("commerce:import-job", args=[job.pk]))
        response = staff_client.post(url)

    assert "Resume the import" in page.text
    assert response.status_code == 302
    assert queued_task_args() == [[job.pk]]
    assert ImportJob.objects.get(pk=job.pk).status == "queued"
    assert "Resume the import" not in staff_client.get(reverse("commerce:import-job", args=[job.pk])).text


def test_a_file_that_became_unreadable_fails_the_job_with_the_reason(store):
    job = queue(store, CUSTOMERS, "shopify_customers")
    ImportFileChunk.objects.filter(job=job).update(data=b"\xff\xfe not utf-8")

    status = tasks.run_import_task.call(job.pk)

    job.refresh_from_db()
    assert status == "failed"
    assert job.error.startswith("The file is not UTF-8 text.")
    assert not ImportFileChunk.objects.filter(job=job).exists()


def test_problem_reasons_are_written_in_the_language_of_the_uploader(store):
    with ORDERS.open("rb") as file:
        job = jobs.queue_import(
            store=store, kind="shopify_orders", file=file, file_name=ORDERS.name, actor=None, language="fa"
        )

    tasks.run_import_task.call(job.pk)

    assert problems(job)[2] == (
        18, "سفارش #1002: پس از خط 5 دوباره آمده است (سطرهای نخست نگه داشته شدند)؛ رد شد"
    )  # fmt: skip


def test_the_upload_page_answers_in_persian(staff_client, store):
    staff_client.cookies["django_language"] = "fa"
    wrong = SimpleUploadedFile("customers_export.csv", b"First Name\nAnna\n", content_type="text/csv")

    with translation.override("en"):  # the request switches this thread to Persian; switch it back after
        response = staff_client.post(reverse("commerce:import"), {"kind": "shopify_customers", "file": wrong})

    assert response.status_code == 422
    assert "این فایل خروجی مشتریان شاپیفای نیست" in response.text


# Crash recovery: a lost worker, a task that never reached the queue -------------------


def test_an_import_whose_worker_was_killed_is_taken_over_when_its_task_runs_again(
    store, monkeypatch, task_worker, time_machine
):
    # given a worker that committed two batches, then was killed with its task still running
    from cxloop.core import workers

    monkeypatch.setattr(batches, "BATCH_SIZE", 4)
    monkeypatch.setattr(batches, "BATCH_SECONDS", 60)
    time_machine.move_to(timezone.now(), tick=False)
    with task_worker.committing():
        job = queue(store, ORDERS, "shopify_orders")
    workers.register_worker("killed")
    row = DBTaskResult.objects.get(task_path=TASK_PATH)
    row.claim("killed")
    real_checkpoint = jobs._Checkpoint.__call__

    def dying_checkpoint(self, done, total):
        if done > 8:
            raise WorkerDied
        real_checkpoint(self, done, total)

    monkeypatch.setattr(jobs._Checkpoint, "__call__", dying_checkpoint)
    with pytest.raises(WorkerDied):
        jobs.run_import(job_id=job.pk)
    monkeypatch.setattr(jobs._Checkpoint, "__call__", real_checkpoint)

    # when its lease runs out, a new worker queues the task again and runs it
    time_machine.shift(61)
    assert workers.recover_lost_tasks(own_worker_id="new") == 1
    [status] = task_worker.run_ready()

    # then the run took the job over at once (not ten minutes later) and finished it
    job.refresh_from_db()
    assert (status, job.status, job.attempt, job.rows_processed) == ("done", "done", 2, job.rows_total)
    assert Order.objects.filter(store=store).count() == 7


def test_an_import_whose_task_never_reached_the_queue_is_run_by_the_sweep(
    store, task_worker, time_machine, django_capture_on_commit_callbacks
):
    # given an import committed by a process that died before enqueuing its task
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        job = queue(store, CUSTOMERS, "shopify_customers")
    assert queued_task_args() == []

    # when the periodic sweep runs within and after a minute, and once more
    early = tasks.requeue_stranded_imports_task.call()
    time_machine.shift(61)
    found = tasks.requeue_stranded_imports_task.call()
    again = tasks.requeue_stranded_imports_task.call()

    # then one task runs the import
    assert (early, found, again) == (0, 1, 0)
    assert task_worker.run_ready() == ["done"]
    job.refresh_from_db()
    assert job.status == "done"
