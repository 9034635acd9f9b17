"""What hooks return: plain data, never HTML. Plugins build these; the core renders or serves them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import marshmallow as ma


@dataclass(frozen=True)
class ModuleInfo:
    """A plugin's description of itself (``saas_module``).

    ``name`` is the module's code (``loyalty``), also the prefix of its tables and event types.
    ``requires`` names the modules that must be enabled before this one. ``core`` is a PEP 440
    specifier of the plugin API versions it works with (``"~=0.2"``; :mod:`saas.core.plugin_api`).
    ``settings`` is a marshmallow schema whose ``load_default`` values are the settings of a tenant
    that changed nothing. ``migrations`` is the path, as a ``str``, of the directory of the module's
    Alembic revisions (``str(Path(__file__).parent / "migrations")``): a branch of its own
    (``branch_labels = ("<name>",)``, ``depends_on = "0001_core"``), applied by ``flask db upgrade``.
    ``translations`` is the path, as a ``str``, of the module's Babel catalogues
    (``<path>/zh_Hans_CN/LC_MESSAGES/messages.mo``), which the web pages merge with the core's.
    ``title`` and ``description`` (and every text the hooks return for people to read) may be
    ``flask_babel.lazy_gettext`` strings: they are translated where they are shown.
    """

    name: str
    title: str
    description: str = ""
    version: str = "0"
    requires: tuple[str, ...] = ()
    core: str = ""
    settings: type[ma.Schema] | None = None
    migrations: str | None = None
    translations: str | None = None


@dataclass(frozen=True)
class EventType:
    """An event a module emits (``loyalty.points_earned``), with what its data holds."""

    name: str
    description: str
    example: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Schedule:
    """Periodic work: ``func`` (importable, taking no arguments) run on a cron expression."""

    name: str
    cron: str
    func: Callable[[], Any]
    queue: str = "low"


@dataclass(frozen=True)
class Permission:
    """A permission a module adds, and the roles that hold it; views check it with
    :func:`saas.auth.requires_permission` (or :func:`saas.auth.may`)."""

    name: str
    description: str
    roles: tuple[str, ...] = ("owner", "admin")


@dataclass(frozen=True)
class Panel:
    """A block on a customer's profile: a title and rows of label and value (rendered by the core)."""

    key: str
    title: str
    rows: tuple[tuple[str, str], ...] = ()
    link: str | None = None


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    path: str
    order: int = 100


@dataclass(frozen=True)
class ReportCard:
    """A KPI tile: a figure with its unit and, optionally, the figure it is compared with;
    ``value`` None when there is no figure yet (a rate of nothing: shown as a dash)."""

    key: str
    title: str
    value: float | int | str | None
    unit: str = ""
    previous: float | int | None = None


@dataclass(frozen=True)
class ExportField:
    """An extra column for customer exports: ``values(customer_ids)`` returns ``{customer_id: value}``."""

    key: str
    label: str
    values: Callable[[list[uuid.UUID]], dict[uuid.UUID, Any]]


@dataclass(frozen=True)
class SegmentCondition:
    """A condition a module adds to segments, named ``<module>.<what>`` (``churn.level``): a segment
    that gives it some of ``choices``' keys (``{"churn.level": ["high"]}``) holds the customers that
    ``where(values)`` selects. ``choices`` maps each value to its label; ``where`` returns a SQL
    condition on ``saas.core.customers.Customer`` (``Customer.id.in_(select(...))``) for the bound tenant."""

    key: str
    label: str
    choices: dict[str, Any]
    where: Callable[[tuple[str, ...]], Any]


@dataclass(frozen=True)
class TodoItem:
    """Something a person has to do, for their day's list (``/today``): ``link`` is the page where
    it is done, ``due_at`` (an aware datetime) when; ``kind`` says what it is (``loyalty.expiring``)."""

    key: str
    title: str
    due_at: dt.datetime
    link: str
    kind: str
    customer_id: uuid.UUID | None = None


@dataclass(frozen=True)
class TimelineItem:
    """An entry of a module's in a customer's timeline, beside their purchases and interactions:
    ``id`` (unique among the module's entries, the timeline's tie-break), ``at`` (an aware datetime),
    ``kind`` (``surveys.answer``), a ``title``, an optional ``body`` and ``link`` (a path on this site)."""

    id: uuid.UUID
    at: dt.datetime
    kind: str
    title: str
    body: str = ""
    link: str | None = None
