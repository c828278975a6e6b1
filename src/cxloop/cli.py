"""The `cxloop` console script.

    cxloop serve [--host H] [--port P] [--workers N] [--threads T] [--no-access-log]
                                                       web server (gunicorn)
    cxloop serve --asgi [--host H] [--port P]          one process for the site and the chat's
                                                       sockets (uvicorn; the demo, or /chat/ alone)
    cxloop worker                                      background tasks
    cxloop store create NAME --currency CUR ...        and other Django commands
    cxloop member invite|role|remove EMAIL --store S   the team (emailed one-time links)
    cxloop apikey list|revoke|rotate --store S [KEY]   API keys
    cxloop bench ingest|seed                           benchmarks (bench/)

Everything else is passed to Django's management commands, so `cxloop migrate`
and `cxloop shell` work as `manage.py` would.
"""

import os
import sys


def uvicorn_command(
    *, app: str = "cxloop.asgi:application", host: str, port: int, workers: int = 1, access_log: bool = True
) -> list[str]:
    """The command `cxloop serve --asgi` runs (the chat's benchmark serves its variants with it too)."""
    return [
        sys.executable, "-m", "uvicorn", app,
        "--host", host, "--port", str(port),
        "--ws-max-size", "65536", "--proxy-headers", "--lifespan", "off",
        # Not compressed: a chat frame is a few hundred bytes, and deflate kept ~40 KB of state
        # per socket and cost CPU on every frame (docs/chat.md, "Serving").
        "--ws-per-message-deflate", "false",
        "--workers", str(workers),
        *([] if access_log else ["--no-access-log"]),
    ]  # fmt: skip


def _serve(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="cxloop serve", description="Run the web server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--workers", type=int, default=None,
        help="processes (default: WEB_CONCURRENCY or 2; with --asgi, 1 unless CXLOOP_REDIS_URL is set)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--no-access-log", action="store_true", help="do not log each request to stdout")
    parser.add_argument(
        "--asgi", action="store_true",
        help="serve under ASGI with the chat's WebSockets (one process; --workers above 1 needs Redis)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers: at least 1")
    if args.asgi:
        # Several processes only with Redis: Channels' in-memory layer reaches the sockets of its own
        # process alone, so an agent would not hear a shopper whose socket another process holds
        # (docs/chat.md, "Serving"). A frame larger than 64 KiB is refused before the chat reads it.
        workers = args.workers or 1
        if workers > 1 and not os.environ.get("CXLOOP_REDIS_URL"):
            parser.error(
                "--asgi --workers above 1 needs CXLOOP_REDIS_URL: the chat's sockets in different "
                "processes reach each other through Redis"
            )
        os.execvp(
            sys.executable,
            uvicorn_command(
                host=args.host, port=args.port, workers=workers, access_log=not args.no_access_log
            ),
        )
    access_log = [] if args.no_access_log else ["--access-logfile", "-"]
    os.execvp(
        sys.executable,
        [
            sys.executable, "-m", "gunicorn", "cxloop.wsgi:application",
            "--bind", f"{args.host}:{args.port}",
            "--workers", str(args.workers or int(os.environ.get("WEB_CONCURRENCY", "2"))),
            "--threads", str(args.threads),
            "--worker-class", "gthread",
            *access_log,
            "--timeout", "60",
        ],
    )  # fmt: skip


def _bench(argv: list[str]) -> None:
    """Run bench/<name>.py from the source tree: `cxloop bench ingest`."""
    import importlib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    names = sorted(p.stem for p in (root / "bench").glob("*.py") if not p.stem.startswith("_"))
    if not argv or argv[0] not in names:
        sys.exit(f"usage: cxloop bench {{{'|'.join(names)}}} [options]")
    sys.path.insert(0, str(root))
    importlib.import_module(f"bench.{argv[0]}").main(argv[1:])


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings")
    command = argv[0] if argv else "help"
    if command == "serve":
        return _serve(argv[1:])
    if command == "bench":
        return _bench(argv[1:])
    if command == "worker":
        argv = ["worker", "--no-reload", *argv[1:]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cxloop", *argv])


if __name__ == "__main__":
    main()
