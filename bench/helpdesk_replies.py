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
`cxloop bench surveys` baseline), timed before and after the replies, the
faster of the two counting. Goal: replies/s >= 30 % of it.

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
            print(f"== replies ({database}): baseline, smtplib alone (before)", flush=True)
            with _Sink(workdir, "baseline-before") as sink:
                baseline_before = _smtplib_baseline(sink.port, args.replies)
            with _Sink(workdir, "replies") as sink:
                send_env = {**env, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port)}  # fmt: skip
                print(f"== replies ({database}): sending, {args.reply_workers} worker processes", flush=True)
                sent = _send_with_workers(send_env, workdir, args.reply_workers)
            recorded = _child(env, workdir, action="check")
            received = sink.received
            print(f"== replies ({database}): baseline, smtplib alone (after)", flush=True)
            with _Sink(workdir, "baseline") as sink:
                baseline_after = _smtplib_baseline(sink.port, args.replies)
            baseline_received = sink.received
            # The faster of the two baseline runs counts: a machine that slowed down during one of
            # them never flatters the ratio.
            baseline_seconds = min(baseline_before, baseline_after)
        finally:
            if scratch is not None and not args.keep:
                scratch.drop()
    n = args.replies
    checks = {
        "sink received every reply": len(received) == n,
        "no reply received twice": len(set(received)) == len(received),
        "every reply recorded sent": recorded["deliveries"] == {"sent": n},
        "sink Message-IDs = recorded Message-IDs": set(received) == set(recorded["message_ids"]),
        "baseline sink received N distinct": len(set(baseline_received)) == len(baseline_received) == n,
    }
    rate, baseline_rate = n / sent["seconds"], n / baseline_seconds
    return {
        "replies": n,
        "seconds": round(sent["seconds"], 2),
        "per_second": round(rate, 1),
        "cpu_ms_per_reply": round(sent["cpu"] * 1000 / n, 2),
        "task_statuses": sent["statuses"],
        "baseline_seconds": round(baseline_seconds, 2),
        "baseline_per_second": round(baseline_rate, 1),
        "ratio": round(rate / baseline_rate, 4),
        "checks": checks,
        "failed_checks": [name for name, ok in checks.items() if not ok],
    }


def _send_with_workers(env: dict, workdir: Path, processes: int) -> dict:
    """Start the workers, let them load their ids, release them at once; combine their reports."""
    go = workdir / "send-go"
    procs, outs, ready = [], [], []
    for index in range(processes):
        out, flag = workdir / f"send-{index}.json", workdir / f"send-{index}.ready"
        config = {"action": "send", "out": str(out), "index": index, "processes": processes,
                  "ready": str(flag), "go": str(go)}  # fmt: skip
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "bench.helpdesk_replies", "--child", json.dumps(config)], env=env, cwd=ROOT
        ))  # fmt: skip
        outs.append(out)
        ready.append(flag)
    while not all(flag.exists() for flag in ready):
        if any(p.poll() not in (None, 0) for p in procs):
            sys.exit("a send worker failed")
        time.sleep(0.05)
    go.write_text("")
    if any(proc.wait() != 0 for proc in procs):
        sys.exit("a send worker failed")
    reports = [json.loads(out.read_text()) for out in outs]
    statuses = {}
    for report in reports:
        for status, count in report["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "seconds": max(r["finished"] for r in reports) - min(r["started"] for r in reports),
        "cpu": sum(r["cpu"] for r in reports),
        "statuses": statuses,
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
    result = {"prepare": _prepare, "send": _send, "check": _check}[config["action"]](config)
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
    """One worker: `send_reply_task` for its share of the queued replies, as the queue hands them out.

    Every task reports the status its reply ended in: "sent" whether it sent it itself or found it
    sent with another task's batch.
    """
    from collections import Counter

    from cxloop.helpdesk.models import Message
    from cxloop.helpdesk.tasks import send_reply_task

    replies = Message.objects.filter(kind=Message.Kind.REPLY)
    ids = list(replies.filter(delivery=Message.Delivery.QUEUED).order_by("pk").values_list("pk", flat=True))
    mine = ids[config["index"] :: config["processes"]]
    Path(config["ready"]).write_text("")
    while not Path(config["go"]).exists():
        time.sleep(0.005)
    started, cpu = time.time(), time.process_time()
    statuses = Counter(send_reply_task.call(pk) for pk in mine)
    finished, cpu = time.time(), time.process_time() - cpu
    return {"started": started, "finished": finished, "cpu": cpu, "statuses": dict(statuses)}


def _check(config: dict) -> dict:
    """What the database recorded once every worker stopped."""
    from collections import Counter

    from cxloop.helpdesk.models import Message

    replies = Message.objects.filter(kind=Message.Kind.REPLY)
    return {
        "deliveries": dict(Counter(replies.values_list("delivery", flat=True))),
        "message_ids": list(replies.values_list("message_id", flat=True)),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child_main(sys.argv[2])
