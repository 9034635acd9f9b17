"""One process of the multiprocess metrics test (tests/test_metrics.py), run with
PROMETHEUS_MULTIPROC_DIR set: ``metrics_process.py DATABASE_URL TOKEN requests N`` answers N
requests and runs N jobs; ``... scrape 0`` prints one scrape of /metrics."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from saas.app import create_app  # noqa: E402  after the path
from saas.core.queues import job  # noqa: E402


@job
def metrics_probe() -> None:
    """A job that does nothing, to be counted."""


def main(database_url: str, token: str, what: str, count: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key-that-is-long-enough",
                      "SQLALCHEMY_DATABASE_URI": database_url, "METRICS_TOKEN": token})
    client = app.test_client()
    if what == "scrape":
        response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.status
        sys.stdout.write(response.get_data(as_text=True))
        return
    for _ in range(int(count)):
        assert client.get("/login").status_code == 200
        with app.app_context():
            metrics_probe()


if __name__ == "__main__":
    main(*sys.argv[1:])
