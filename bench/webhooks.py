"""``python -m bench.webhooks``: webhook deliveries per second against a plain loop of signed POSTs.

Everything runs on this machine: PostgreSQL (database ``retain_bench_webhooks``, as the app role
under row-level security), a private ``redis-server`` and the receiver (``bench.receiver``, an
asyncio server in its own process that answers 204 at once). Each round measures, in this order
or the reverse:

* **plain**: one loop in this process POSTing N bodies, each signed per Standard Webhooks, over
  one kept-alive connection (httpcore, as Retain uses) — the floor;
* **retain**: N deliveries of one endpoint waiting in the database, handed to rq and sent by one
  ``SimpleWorker`` in this process (claim, sign, POST, record the outcomes), until none is left;
* **retain, from events**: N events committed at once, then the same worker delivers them to the
  endpoint (the event jobs' fan-out included).

Reports deliveries per second and the ratio of each Retain figure to the plain loop's; the
target (issue 4) is at least 0.5 for **retain**.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid

import httpcore
import redis
from flask_migrate import upgrade
from standardwebhooks.webhooks import Webhook

from bench import UNLIMITED_API, database, smoke

NAME = "retain_bench_webhooks"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], ready) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 15
    while not ready(process):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit(f"{command[0]} did not start")
        time.sleep(0.05)
    return process


def body_of(n: int) -> str:
    data = {"customer_id": str(uuid.uuid4()), "name": f"客户 {n}"}
    return json.dumps({"type": "customer.created", "timestamp": "2026-11-23T08:15:02Z", "data": data},
                      ensure_ascii=False, separators=(",", ":"))


def plain_loop(url: str, count: int) -> float:
    """Seconds for ``count`` signed POSTs in a loop."""
    signer = Webhook("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" + "==")
    with httpcore.ConnectionPool(max_connections=1) as pool:
        started = time.perf_counter()
        for n in range(count):
            body, msg_id, now = body_of(n), str(uuid.uuid4()), dt.datetime.now(dt.timezone.utc)
            headers = [(b"content-type", b"application/json"), (b"webhook-id", msg_id.encode()),
                       (b"webhook-timestamp", str(int(now.timestamp())).encode()),
                       (b"webhook-signature", signer.sign(msg_id, now, body).encode())]
            response = pool.request("POST", url, headers=headers, content=body.encode())
            assert response.status == 204
        return time.perf_counter() - started


class Retain:
    def __init__(self, admin_url: str, name: str, redis_url: str, receiver_url: str):
        from cryptography.fernet import Fernet

        self.redis_url, self.receiver_url = redis_url, receiver_url

        from saas.app import create_app

        db = self.database = database.recreate(admin_url, name)
        self.app = create_app({
            "SQLALCHEMY_DATABASE_URI": db.url(database.APP), "MIGRATION_DATABASE_URL": db.url(database.OWNER),
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-to-pass", "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": "memory://", **UNLIMITED_API, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,
            "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        })
        with self.app.app_context():
            upgrade(revision="heads")
        from saas.testing import sign_up

        self.tenant = sign_up(self.app.test_client())
        endpoint = self.tenant.post("/api/v1/webhooks", json={"url": receiver_url, "event_types": ["*"]})
        assert endpoint.status_code == 201, endpoint.get_json()
        self.endpoint_id = uuid.UUID(endpoint.get_json()["id"])
        self.drain()  # the sign-up's own events

    def drain(self) -> float:
        """Run one burst worker until the queues are empty; seconds taken."""
        from saas.core import queues

        with self.app.app_context():
            started = time.perf_counter()
            queues.current_queue().work(burst=True)
            return time.perf_counter() - started

    def deliveries(self, count: int) -> float:
        """``count`` deliveries waiting, handed over, and sent; seconds for the sending."""
        from saas.core.webhooks import outbound
        from saas.core.db import db
        from saas.core.tenancy import tenant_context
        from saas.core.types import utcnow
        from saas.core.webhooks import WebhookDelivery

        with self.app.app_context(), tenant_context(self.tenant.id):
            now = utcnow()
            rows = [{"id": uuid.uuid4(), "endpoint_id": self.endpoint_id, "event_id": uuid.uuid4(),
                     "event_type": "customer.created", "payload": body_of(n), "status": "pending", "attempts": 0,
                     "next_attempt_at": now, "created_at": now} for n in range(count)]
            db.session.execute(db.insert(WebhookDelivery), rows)
            db.session.commit()
            outbound.hand_over(self.tenant.id, [self.endpoint_id])
        seconds = self.drain()
        self.check_sent(count)
        return seconds

    def from_events(self, count: int) -> float:
        """``count`` events committed at once, then delivered by the worker; seconds for the worker."""
        from saas.core.db import db
        from saas.core.event_types import CUSTOMER_CREATED
        from saas.core.events import emit
        from saas.core.tenancy import tenant_context

        with self.app.app_context(), tenant_context(self.tenant.id):
            for n in range(count):
                emit(CUSTOMER_CREATED, customer_id=uuid.uuid4(), name=f"客户 {n}")
            db.session.commit()  # after commit the events go to rq
        seconds = self.drain()
        self.check_sent(count)
        return seconds

    def recompute(self, customers: int) -> dict:
        """A second workspace with ``customers`` customers and an endpoint for tier changes only;
        one recompute changes every customer's tier and stage (``2 * customers`` events, emitted
        by two statements), then the worker delivers them. Returns seconds and jobs counted."""
        from bench import classification
        from saas.core import queues
        from saas.core.classification import recompute
        from saas.core.db import db
        from saas.core.tenancy import tenant_context
        from saas.core.webhooks import WebhookDelivery
        from saas.testing import sign_up

        workspace = sign_up(self.app.test_client())
        endpoint = workspace.post("/api/v1/webhooks", json={"url": self.receiver_url,
                                                            "event_types": ["customer.tier_changed"]})
        assert endpoint.status_code == 201, endpoint.get_json()
        self.drain()
        classification.load(self.database, str(workspace.id), customers, 1)
        with self.app.app_context(), tenant_context(workspace.id):
            started = time.perf_counter()
            outcome = recompute.refresh()
            db.session.commit()  # after commit, one job per statement's events goes to rq
            computed = time.perf_counter() - started
        waiting = []
        sampling = threading.Event()

        def sample() -> None:  # the jobs rq holds (waiting, scheduled), every 20 ms of the drain
            queue = queues.RqQueue(self.redis_url)
            while not sampling.wait(0.02):
                depths = queue.depths()
                waiting.append(sum(n for (_, state), n in depths.items() if state in ("queued", "scheduled")))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        seconds = self.drain()
        sampling.set()
        sampler.join()
        with self.app.app_context(), tenant_context(workspace.id):
            sent = db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery)
                                     .where(WebhookDelivery.status == "succeeded"))
            db.session.rollback()
        if sent != outcome.tier_changes:
            raise SystemExit(f"{sent} of {outcome.tier_changes} tier changes were sent")
        return {"computed": computed, "seconds": seconds, "events": outcome.tier_changes + outcome.stage_changes,
                "sent": sent, "most_waiting": max(waiting, default=0), "jobs": self.jobs_done()}

    def jobs_done(self) -> int:
        """Jobs that rq finished, by its registries (kept 500 s): the count the recompute caused."""
        from saas.core import queues

        with self.app.app_context():
            queue = queues.current_queue()
            return sum(queue.queue(name).finished_job_registry.count for name in queues.QUEUES)

    def check_sent(self, count: int) -> None:
        from saas.core.db import db
        from saas.core.tenancy import tenant_context
        from saas.core.webhooks import WebhookDelivery

        with self.app.app_context(), tenant_context(self.tenant.id):
            pending = db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery)
                                        .where(WebhookDelivery.status != "succeeded"))
            db.session.execute(db.delete(WebhookDelivery))
            db.session.commit()
        if pending:
            raise SystemExit(f"{pending} deliveries were not sent")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=3000, help="per measurement")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=200, help="deliveries sent by each side before the rounds")
    parser.add_argument("--recompute", type=int, default=20_000, metavar="CUSTOMERS",
                        help="then a recompute changing this many customers' tiers, delivered to an endpoint (0: none)")
    parser.add_argument("--admin-url", default=database.ADMIN_URL)
    args = smoke.parse(parser, argv, deliveries=20, rounds=1, warmup=5, recompute=50)

    redis_port, receiver_port = free_port(), free_port()
    redis_server = start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", "/tmp"],
                         lambda p: _pings(f"redis://127.0.0.1:{redis_port}/0"))
    receiver = start([sys.executable, "-m", "bench.receiver", str(receiver_port)],
                     lambda p: p.stdout.readline().strip() == "ready")
    url = f"http://127.0.0.1:{receiver_port}/hook"
    try:
        with database.scratch(args.admin_url, NAME, args.smoke) as name:
            measure(args, Retain(args.admin_url, name, f"redis://127.0.0.1:{redis_port}/0", url), url)
    finally:
        receiver.kill()
        redis_server.terminate()
        redis_server.wait(timeout=10)
    return 0


def measure(args, retain: Retain, url: str) -> None:
    plain_loop(url, args.warmup)  # warm-ups
    retain.deliveries(args.warmup)
    rounds = []
    for n in range(args.rounds):
        sides = ["plain", "retain", "events"]
        if n % 2:
            sides.reverse()
        seconds = {}
        for side in sides:
            if side == "plain":
                seconds[side] = plain_loop(url, args.deliveries)
            elif side == "retain":
                seconds[side] = retain.deliveries(args.deliveries)
            else:
                seconds[side] = retain.from_events(args.deliveries)
        rate = {side: args.deliveries / s for side, s in seconds.items()}
        rounds.append(rate)
        print(f"round {n + 1}: plain {rate['plain']:.0f}/s, retain {rate['retain']:.0f}/s "
              f"({rate['retain'] / rate['plain']:.2f}), from events {rate['events']:.0f}/s "
              f"({rate['events'] / rate['plain']:.2f})", flush=True)
    median = {side: statistics.median(r[side] for r in rounds) for side in rounds[0]}
    ratios = [r["retain"] / r["plain"] for r in rounds]
    events = [r["events"] / r["plain"] for r in rounds]
    print(f"median: plain {median['plain']:.0f}/s, retain {median['retain']:.0f}/s, "
          f"from events {median['events']:.0f}/s; retain/plain per round "
          f"{', '.join(f'{x:.2f}' for x in ratios)} (median {statistics.median(ratios):.2f}, target >= 0.5); "
          f"from events/plain per round {', '.join(f'{x:.2f}' for x in events)} "
          f"(median {statistics.median(events):.2f}, target >= 0.5)", flush=True)
    if args.recompute:
        before = retain.jobs_done()
        r = retain.recompute(args.recompute)
        per_million = 1_000_000 / r["sent"]
        print(f"recompute: {args.recompute:,} customers, {r['events']:,} events in {r['computed']:.1f} s; "
              f"{r['sent']:,} tier changes sent to the endpoint in {r['seconds']:.1f} s "
              f"({r['sent'] / r['seconds']:.0f}/s, {r['events'] / r['seconds']:.0f} events/s), "
              f"{r['jobs'] - before} jobs, at most {r['most_waiting']} waiting at once; "
              f"a million tier changes at that rate: {r['seconds'] * per_million / 60:.0f} min", flush=True)


def _pings(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    sys.exit(main())
