"""``flask jobs ...``: run a worker, sweep undelivered events, inspect and re-queue failed jobs."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from rq.registry import FailedJobRegistry

from saas.core import delivery, queues, reconnect, schedules

group = AppGroup("jobs", help="Background jobs (rq on Redis; in-process without REDIS_URL).")


def _rq() -> queues.RqQueue:
    queue = queues.current_queue()
    if not isinstance(queue, queues.RqQueue):
        raise click.ClickException("REDIS_URL is not set: jobs run in-process after each request.")
    return queue


@group.command("worker")
@click.option("--queue", "queues", multiple=True, default=queues.QUEUES, show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues, burst):
    """Run an rq worker for the queues, with this application's context, through Redis outages
    (see RqQueue.work)."""
    _rq().work(tuple(queues), burst=burst)


@group.command("sweep")
@click.option("--grace", default=delivery.SWEEP_GRACE.total_seconds(), show_default=True,
              help="Seconds an event may wait before it counts as missed.")
def sweep(grace):
    """Hand over every event not yet delivered (after a Redis outage, for instance)."""
    handed = delivery.sweep_events(grace)
    click.echo(f"{handed} event(s) handed over")


@group.command("scheduler")
def scheduler():
    """Run rq's cron scheduler with the periodic work of the core and the installed modules,
    through Redis outages (it waits for Redis, and starts over when it comes back)."""
    queue = _rq()

    def run() -> None:
        schedules.cron_scheduler(queue).start()  # returns when asked to stop; raises when Redis goes

    reconnect.keep_running(queue.redis, run, what="scheduler")


@group.command("run-schedules")
@click.argument("names", nargs=-1)
def run_schedules(names):
    """Run periodic work once, now: every schedule, or the ones named (the embedded set-up)."""
    known = {schedule.name for schedule in schedules.schedules()}
    unknown = sorted(set(names) - known)
    if unknown:
        raise click.UsageError(f"no schedule named {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for name in names or sorted(known):
        schedules.schedule_named(name).func()
        click.echo(f"ran {name}")
    queues.current_queue().run_pending()


@group.command("failed")
@click.option("--queue", "queue_name", default="default", show_default=True)
def failed(queue_name):
    """List failed jobs: id, function, arguments, the last line of the error."""
    queue = _rq().queue(queue_name)
    for job_id in FailedJobRegistry(queue=queue).get_job_ids():
        job = queue.fetch_job(job_id)
        if job is None:
            continue
        result = job.latest_result()
        lines = (result.exc_string or "").strip().splitlines() if result is not None else []
        click.echo(f"{job.id}\t{job.func_name}{tuple(job.args)}\t{lines[-1] if lines else ''}")


@group.command("requeue")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Re-queue every failed job of the queue.")
@click.option("--queue", "queue_name", default="default", show_default=True)
def requeue(job_ids, everything, queue_name):
    """Put failed jobs back on their queue."""
    registry = FailedJobRegistry(queue=_rq().queue(queue_name))
    ids = registry.get_job_ids() if everything else list(job_ids)
    if not ids:
        raise click.UsageError("Name job ids, or pass --all.")
    for job_id in ids:
        registry.requeue(job_id)
    click.echo(f"{len(ids)} job(s) re-queued")


def register(app) -> None:
    app.cli.add_command(group)
