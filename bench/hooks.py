"""``python -m bench.hooks``: what tenant hook dispatch costs a request.

Four applications on one SQLite database, each serving the same requests in-process:

* **none**: no plugins installed (the floor, measured in the same run), and a second such app,
  **control**, whose ratio to the first shows the noise of the measurement;
* **installed**: five modules installed, none enabled by the tenant;
* **enabled**: the same five modules, all enabled, each implementing the hooks these requests
  dispatch (``saas_customer_panels`` and ``saas_validate_customer``, which find nothing to do).

Requests: a customer's profile panels (one tenant hook per request), creating a customer (the
validator hook and the event hand-over) and one page of the customer list (no tenant hook, only
the module-switch check every request makes). The sides take turns in short batches, in a
rotating order, and each figure is the median CPU time per request over the batches (the
machine's speed drifts; see docs/benchmarks.md). Reports each as a ratio to **none**; the target
is under 1.05.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from saas import hookimpl
from cryptography.fernet import Fernet

from saas.app import create_app
from saas.core.hooktypes import ModuleInfo
from saas.testing import sign_up

from bench import smoke

MODULES = 5


class Module:
    def __init__(self, name: str):
        self.name = name

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name=self.name, title=self.name.title())

    @hookimpl
    def saas_customer_panels(self, tenant, customer):
        return []

    @hookimpl
    def saas_validate_customer(self, tenant, customer, changes):
        return {}


def make(database: Path, plugins):
    return create_app({
        "TESTING": False, "SECRET_KEY": "bench-secret-key-that-is-long-enough-to-pass",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_PROFILE": "CHEAPEST", "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }, plugins=plugins)


def python_calls(send, workspace, customer_id, repeat: int) -> float:
    """Function calls per request, counted by cProfile (after a warm-up)."""
    for _ in range(min(repeat, 5)):
        send(workspace, customer_id)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(repeat):
        send(workspace, customer_id)
    profile.disable()
    return pstats.Stats(profile).total_calls / repeat


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hooks", description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--requests", type=int, default=25, help="requests per batch")
    parser.add_argument("--profiled", type=int, default=20, help="requests per side and request counted by cProfile")
    args = smoke.parse(parser, argv, batches=1, requests=2, profiled=1)

    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "hooks.db"
        modules = [(f"module{n}", Module(f"module{n}")) for n in range(MODULES)]
        migrator = make(database, [])
        with migrator.app_context():
            upgrade(revision="heads")
        apps = {"none": make(database, []), "control": make(database, []), "installed": make(database, modules),
                "enabled": make(database, modules)}
        workspaces = {}
        for side, app in apps.items():
            workspace = sign_up(app.test_client())
            if side == "enabled":
                for name, _ in modules:
                    assert workspace.put(f"/api/v1/modules/{name}", json={"enabled": True}).status_code == 200
            customer = workspace.post("/api/v1/customers", json={"name": "Li Wei"}).get_json()
            workspaces[side] = (workspace, customer["id"])

        requests = {
            "GET /customers/{id}/panels": lambda w, c: w.get(f"/api/v1/customers/{c}/panels"),
            "POST /customers": lambda w, c: w.post("/api/v1/customers", json={"name": "New"}),
            "GET /customers?limit=50": lambda w, c: w.get("/api/v1/customers?limit=50"),
        }
        cpu: dict[tuple[str, str], list[float]] = {}
        sides = list(workspaces)
        for batch in range(args.batches):
            for label, send in requests.items():
                turn = batch % len(sides)
                for side in sides[turn:] + sides[:turn]:  # each side takes each turn
                    workspace, customer_id = workspaces[side]
                    started = time.process_time()
                    for _ in range(args.requests):
                        response = send(workspace, customer_id)
                        assert response.status_code < 300, response.get_json()
                    cpu.setdefault((label, side), []).append((time.process_time() - started) / args.requests)

        calls = {(label, side): python_calls(send, *workspaces[side], args.profiled) for label, send in requests.items()
                 for side in ("none", "installed", "enabled")}

    print(f"{MODULES} modules; median CPU ms per request over {args.batches} batches of {args.requests}")
    print("| request | none | installed, 0 enabled | 5 enabled | ratio 0 enabled | ratio 5 enabled "
          "| ratio of a second plugin-less app (noise) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    worst = 0.0
    for label in requests:
        none, control, installed, enabled = (statistics.median(cpu[(label, side)]) * 1000
                                             for side in ("none", "control", "installed", "enabled"))
        worst = max(worst, installed / none, enabled / none)
        print(f"| {label} | {none:.2f} | {installed:.2f} | {enabled:.2f} | {installed / none:.3f} | "
              f"{enabled / none:.3f} | {control / none:.3f} |")
    print(f"\nworst ratio {worst:.3f} (target < 1.05: {'met' if worst < 1.05 else 'NOT met'})")
    print("\nPython function calls per request (deterministic: the work dispatch adds, without timing noise)")
    print("| request | none | installed, 0 enabled | 5 enabled |")
    print("| --- | ---: | ---: | ---: |")
    for label in requests:
        print(f"| {label} | " + " | ".join(f"{calls[(label, side)]:,.0f}" for side in ("none", "installed", "enabled"))
              + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
