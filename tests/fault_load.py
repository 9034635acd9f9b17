"""Load for the fault suite: clients creating customers through the API as fast as they are
answered, in threads of the test's process, each answer kept with its status and time."""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass

DEADLINE = 30


@dataclass
class Answer:
    name: str
    status: int
    seconds: float
    ended: float
    body: dict


class Load:
    """Clients creating customers as fast as they are answered, each answer kept."""

    def __init__(self, app, api_key: str, clients: int = 2, pace: float = 0.0):
        """``pace``: the least seconds between the starts of one client's requests (0: none)."""
        self.app, self.api_key, self.pace = app, api_key, pace
        self.answers: list[Answer] = []
        self.stopping = threading.Event()
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=DEADLINE)

    def _run(self, number: int) -> None:
        client = self.app.test_client()
        headers = {"Authorization": f"Bearer {self.api_key}"}
        count = 0
        while not self.stopping.is_set():
            count += 1
            name = f"load {number}-{count}"
            started = time.monotonic()
            try:
                response = client.post("/api/v1/customers", json={"name": name}, headers=headers)
            except BaseException:  # an unhandled exception is a 500 in production
                self.errors.append(traceback.format_exc())
                return
            ended = time.monotonic()
            if self.pace:
                self.stopping.wait(max(0.0, started + self.pace - ended))  # a steady rate, not a burst
            self.answers.append(Answer(name, response.status_code, ended - started, ended, response.get_json() or {}))
            if response.status_code == 503:
                if not response.headers.get("Retry-After"):
                    self.errors.append("a 503 without Retry-After")
                time.sleep(0.05)  # a client backing off a little, as Retry-After asks

    def count(self, status: int, after: float = 0.0) -> int:
        return sum(1 for a in list(self.answers) if a.status == status and a.ended > after)
