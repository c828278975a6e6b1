"""`cxloop bench helpdesk --parts replies`: staff replies sent by email, against smtplib alone.

A scratch database (SQLite in a temp dir, or PostgreSQL at --postgres-url)
gets a store and --replies conversations, each opened by a customer's mail
(`intake.take_message`) and answered by an agent (`conversations.reply`,
which queues the reply). Not timed. Then one worker process runs
`send_reply_task` for every queued reply, as the task queue hands them out:
claim, build the threaded mail (In-Reply-To, References, the quoted history,
plain text and HTML), send over the worker's kept SMTP connection to an
aiosmtpd sink in its own process, record "sent". Timed from the first claim
to the last record.

The baseline, in the same run, against a fresh sink: the same number of
pre-built minimal messages sent over one smtplib connection (the
`cxloop bench surveys` baseline). Goal: replies/s >= 30 % of it.

Checks: the sink received every reply once, with the Message-IDs recorded on
the replies, and every reply is "sent".

    cxloop bench helpdesk --parts replies --replies 2000 --db both
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.surveys import _PostgresDb, _Sink, _smtplib_baseline

ROOT = Path(__file__).resolve().parents[1]
PREPARE_CHUNK = 500


def run(database: str, args: argparse.Namespace) -> dict:
    """Prepare, send and measure on one database; return the figures."""
    with tempfile.TemporaryDirectory(prefix="cxbench-replies-") as tmp:
        workdir = Path(tmp)
        env = {**os.environ, "CXLOOP_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "cxloop.settings", "DEBUG": "0"}
        env.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
        env["ALLOWED_HOSTS"] = "testserver"
        env["CXLOOP_HELPDESK_FLOOD_LIMIT"] = str(args.replies * 2)
        env.pop("CXLOOP_REDIS_URL", None)
        scratch = None
        if database == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            scratch = _PostgresDb(args.postgres_url.replace("cxbench_helpdesk", "cxbench_helpdesk_replies"))
            scratch.create()
            env["DATABASE_URL"] = scratch.url
        try:
            print(f"== replies ({database}): {args.replies:,} conversations, a queued reply each", flush=True)
            _child(env, workdir, action="prepare", replies=args.replies)
            with _Sink(workdir, "replies") as sink:
                send_env = {**env, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port)}  # fmt: skip
                print(f"== replies ({database}): sending", flush=True)
                sent = _child(send_env, workdir, action="send")
            received = sink.received
            print(f"== replies ({database}): baseline, smtplib alone", flush=True)
            with _Sink(workdir, "baseline") as sink:
                baseline_seconds = _smtplib_baseline(sink.port, args.replies)
            baseline_received = sink.received
        finally:
            if scratch is not None and not args.keep:
                scratch.drop()
    n = args.replies
    checks = {
        "sink received every reply": len(received) == n,
        "no reply received twice": len(set(received)) == len(received),
        "every reply recorded sent": sent["statuses"] == {"sent": n},
        "sink Message-IDs = recorded Message-IDs": set(received) == set(sent["message_ids"]),
        "baseline sink received N distinct": len(set(baseline_received)) == len(baseline_received) == n,
    }
    rate, baseline_rate = n / sent["seconds"], n / baseline_seconds
    return {
        "replies": n,
        "seconds": round(sent["seconds"], 2),
        "per_second": round(rate, 1),
        "cpu_ms_per_reply": round(sent["cpu"] * 1000 / n, 2),
        "baseline_seconds": round(baseline_seconds, 2),
        "baseline_per_second": round(baseline_rate, 1),
        "ratio": round(rate / baseline_rate, 4),
        "checks": checks,
        "failed_checks": [name for name, ok in checks.items() if not ok],
    }


def _child(env: dict, workdir: Path, **config) -> dict:
    out = workdir / f"{config['action']}.json"
    config["out"] = str(out)
    done = subprocess.run(
        [sys.executable, "-m", "bench.helpdesk_replies", "--child", json.dumps(config)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"the {config['action']} step failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return json.loads(out.read_text())


def _child_main(config_json: str) -> None:
    config = json.loads(config_json)
    import django

    django.setup()
    result = {"prepare": _prepare, "send": _send}[config["action"]](config)
    Path(config["out"]).write_text(json.dumps(result))


def _prepare(config: dict) -> dict:
    from django.core.management import call_command
    from django.db import transaction

    from cxloop.core.models import Membership
    from cxloop.core.services import add_staff, create_store
    from cxloop.helpdesk.models import Channel
    from cxloop.helpdesk.services import conversations
    from cxloop.helpdesk.services.intake import Incoming, take_message

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    store, _ = create_store(name="Replies bench", currency="EUR", slug="replies-bench")
    store.support_email = "support@shop.example"
    store.save(update_fields=["support_email"])
    agent, _password = add_staff(store=store, email="agent@shop.example", role=Membership.Role.AGENT)
    people = (("Anna Smith", "Where is my parcel? I ordered shoes a week ago."),
              ("Ania Nowak", "Gdzie jest moja paczka? Zamówienie miało dotrzeć w piątek."),
              ("Līga Ozola", "Kur ir mana paka? Pasūtījums vēl nav piegādāts."),
              ("سارا احمدی", "سفارش من هنوز نرسیده است. لطفا وضعیت ارسال را بررسی کنید."),
              ("李娜", "我的订单还没有收到，请帮我查一下物流信息。"))  # fmt: skip
    n = config["replies"]
    for first in range(0, n, PREPARE_CHUNK):
        with transaction.atomic():
            for i in range(first, min(n, first + PREPARE_CHUNK)):
                name, text = people[i % len(people)]
                incoming = Incoming(text=text, subject=f"Order {1000 + i}", from_email=f"c{i}@mail.example",
                                    from_name=name, message_id=f"<customer.{i}@mail.example>")  # fmt: skip
                conversation, _message, _created = take_message(
                    store=store, channel=Channel.EMAIL, incoming=incoming, external_id=f"bench:{i}"
                )
                conversations.reply(
                    conversation=conversation, author=agent,
                    text=f"Hello {name.split()[0]},\n\nyour parcel left our warehouse today.\n\nBest wishes",
                )  # fmt: skip
    return {"store_id": store.pk}


def _send(config: dict) -> dict:
    """One worker: every queued reply through send_reply_task, as the worker runs it."""
    from collections import Counter

    from cxloop.helpdesk.models import Message
    from cxloop.helpdesk.tasks import send_reply_task

    ids = list(
        Message.objects.filter(kind=Message.Kind.REPLY, delivery=Message.Delivery.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    started, cpu = time.perf_counter(), time.process_time()
    statuses = Counter(send_reply_task.call(pk) for pk in ids)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    recorded = list(Message.objects.filter(pk__in=ids).values_list("message_id", flat=True))
    return {"seconds": seconds, "cpu": cpu, "statuses": dict(statuses), "message_ids": recorded}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child_main(sys.argv[2])
