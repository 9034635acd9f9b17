"""Turning a spreadsheet's columns and cells into customer and purchase fields, with a reason for
every cell that cannot be taken. Pure functions: nothing here reads or writes the database."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from babel.numbers import list_currencies

from saas.core.classification import MAX_AMOUNT
from saas.core.customers import CustomerKind, CustomFieldDefinition, FieldType, contact
from saas.core.errors import Invalid
from saas.core.imports.models import ImportKind
from saas.core.imports.tabular import Formula, text_of

CUSTOM = "custom:"
TEXT_LIMITS = {"name": 200, "external_id": 100, "company": 200, "title": 100, "industry": 100, "region": 100,
               "address": 500, "source": 100, "team": 100, "notes": 10_000,
               "product": 200, "category": 100, "external_ref": 100}
FIELDS = {
    ImportKind.customers: ("name", "external_id", "kind", "company", "title", "industry", "region", "address",
                           "email", "phone", "birthday", "source", "team", "tags", "notes"),
    ImportKind.purchases: ("customer_external_id", "customer_email", "customer_phone", "product", "category",
                           "quantity", "unit_price", "amount", "currency", "purchased_at", "external_ref"),
}
REQUIRED = {ImportKind.customers: ("name",), ImportKind.purchases: ("product", "amount", "purchased_at")}
CUSTOMER_KEYS = ("customer_external_id", "customer_email", "customer_phone")
# Column headers people use, in English and Chinese, for each field (compared without case or spaces).
ALIASES = {
    "name": ("name", "customer", "customername", "姓名", "客户", "客户名称", "名称"),
    "external_id": ("externalid", "id", "customerid", "客户编号", "编号"),
    "kind": ("kind", "type", "类型", "客户类型"),
    "company": ("company", "公司", "单位", "公司名称"),
    "title": ("title", "jobtitle", "职位", "职务"),
    "industry": ("industry", "行业"),
    "region": ("region", "province", "地区", "省份", "区域"),
    "address": ("address", "地址"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮件"),
    "phone": ("phone", "mobile", "tel", "telephone", "电话", "手机", "手机号", "联系电话"),
    "birthday": ("birthday", "dateofbirth", "生日", "出生日期"),
    "source": ("source", "来源", "客户来源"),
    "team": ("team", "团队"),
    "tags": ("tags", "tag", "标签"),
    "notes": ("notes", "note", "remarks", "备注"),
    "customer_external_id": ("customerexternalid", "customerid", "客户编号"),
    "customer_email": ("customeremail", "email", "邮箱"),
    "customer_phone": ("customerphone", "phone", "电话", "手机"),
    "product": ("product", "item", "产品", "商品", "品名"),
    "category": ("category", "类别", "品类"),
    "quantity": ("quantity", "qty", "数量"),
    "unit_price": ("unitprice", "price", "单价"),
    "amount": ("amount", "total", "金额", "总额", "订单金额"),
    "currency": ("currency", "币种", "货币"),
    "purchased_at": ("purchasedat", "date", "orderdate", "日期", "下单日期", "购买日期", "下单时间"),
    "external_ref": ("externalref", "orderid", "ordernumber", "订单号", "订单编号"),
}
KINDS = {"person": CustomerKind.person, "个人": CustomerKind.person, "b2c": CustomerKind.person,
         "company": CustomerKind.company, "公司": CustomerKind.company, "企业": CustomerKind.company,
         "b2b": CustomerKind.company}
TRUE, FALSE = {"true", "yes", "y", "1", "是", "对"}, {"false", "no", "n", "0", "否", "不"}
TAG_SEPARATORS = re.compile(r"[,;，；、|]")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
MONEY_NOISE = re.compile(r"[¥￥$,，\s]|(CNY|RMB|元)$", re.IGNORECASE)


def _squash(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header).casefold()


def auto_mapping(header: list[str], kind: ImportKind, custom: dict[str, CustomFieldDefinition]) -> dict[str, str]:
    """Columns whose header names a field (or a custom field's key or label) mapped to it."""
    wanted = {**{alias: name for name in FIELDS[kind] for alias in ALIASES[name]}}
    if kind is ImportKind.customers:
        wanted.update({_squash(d.key): CUSTOM + d.key for d in custom.values()})
        wanted.update({_squash(d.label): CUSTOM + d.key for d in custom.values()})
    mapping, taken = {}, set()
    for column in header:
        target = wanted.get(_squash(column))
        if target and target not in taken and target in (*FIELDS[kind], *(CUSTOM + k for k in custom)):
            mapping[column] = target
            taken.add(target)
    return mapping


def check_mapping(mapping: dict[str, str], header: list[str], kind: ImportKind,
                  custom: dict[str, CustomFieldDefinition]) -> dict[str, str]:
    """The mapping, or :class:`Invalid` (422) naming what is wrong with it."""
    known = {*FIELDS[kind], *(CUSTOM + key for key in custom)} if kind is ImportKind.customers else set(FIELDS[kind])
    errors = []
    for column, target in mapping.items():
        if column not in header:
            errors.append(f"No column '{column}' in the file.")
        if target not in known:
            errors.append(f"'{target}' is not a field of {kind.value}.")
    targets = list(mapping.values())
    if len(set(targets)) != len(targets):
        errors.append("Two columns are mapped to the same field.")
    missing = [name for name in REQUIRED[kind] if name not in targets]
    if missing:
        errors.append(f"No column for: {', '.join(missing)}.")
    if kind is ImportKind.purchases and not set(CUSTOMER_KEYS) & set(targets):
        errors.append("No column that finds the customer: customer_external_id, customer_email or customer_phone.")
    if errors:
        raise Invalid("the columns cannot be imported like this", {"mapping": errors})
    return mapping


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (column, reason, value)


@dataclass(frozen=True)
class Context:
    region: str
    currency: str
    timezone: zoneinfo.ZoneInfo
    custom: dict[str, CustomFieldDefinition]


def parse(cells: dict[str, Any], mapping: dict[str, str], kind: ImportKind, context: Context) -> Parsed:
    """One row's fields (``cells``: column -> cell) as the importer takes them, and its problems."""
    parsed = Parsed()
    for column, target in mapping.items():
        cell = cells.get(column)
        if isinstance(cell, Formula):
            parsed.problems.append((column, "A formula: paste the value instead.", cell.text[:200]))
            continue
        text = text_of(cell)
        if text == "":
            continue
        convert = PARSERS.get(target) or (_custom(context.custom[target[len(CUSTOM):]]) if target.startswith(CUSTOM)
                                          else _text(target))
        try:
            parsed.values[target] = convert(cell, text, context)
        except ValueError as error:
            parsed.problems.append((column, str(error), text[:200]))
    for name in REQUIRED[kind]:
        if name not in parsed.values and not any(c == _column(mapping, name) for c, _, _ in parsed.problems):
            parsed.problems.append((_column(mapping, name), "Required.", ""))
    if kind is ImportKind.purchases and not (set(parsed.values) & set(CUSTOMER_KEYS)) and not parsed.problems:
        parsed.problems.append((_column(mapping, next(k for k in CUSTOMER_KEYS if k in mapping.values())),
                                "No external id, e-mail or phone to find the customer by.", ""))
    return parsed


def _column(mapping: dict[str, str], target: str) -> str:
    return next((column for column, name in mapping.items() if name == target), target)


def _text(name: str) -> Callable:
    limit = TEXT_LIMITS.get(name, 200)

    def convert(cell, text: str, context: Context) -> str:
        if len(text) > limit:
            raise ValueError(f"Longer than {limit} characters.")
        return text

    return convert


def _kind(cell, text, context):
    try:
        return KINDS[text.casefold()]
    except KeyError:
        raise ValueError("Not a kind: person or company (个人/公司).") from None


def _email(cell, text, context):
    value, problem = contact.email(text)
    if problem:
        raise ValueError(problem)
    return value


def _phone(cell, text, context):
    value, problem = contact.phone(text, context.region)
    if problem:
        raise ValueError(problem)
    return value


def _date(cell, text, context):
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    raise ValueError("Not a date: write it as YYYY-MM-DD.")


def _moment(cell, text, context):
    """A time of purchase; one without a zone is the workspace's local time."""
    if isinstance(cell, dt.datetime):
        moment = cell
    elif isinstance(cell, dt.date):
        moment = dt.datetime.combine(cell, dt.time())
    else:
        moment = None
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for pattern in (*DATETIME_FORMATS, *DATE_FORMATS):
                try:
                    moment = dt.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    pass
        if moment is None:
            raise ValueError("Not a date and time: write it as YYYY-MM-DD HH:MM.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=context.timezone)
    if not dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) <= moment <= dt.datetime.now(dt.timezone.utc) + \
            dt.timedelta(days=1):
        raise ValueError("Not a plausible purchase time (after 1970, not in the future).")
    return moment.astimezone(dt.timezone.utc)


def _money(cell, text, context, *, allow_zero=False):
    try:
        amount = Decimal(str(cell)) if isinstance(cell, (int, float)) else Decimal(MONEY_NOISE.sub("", text))
    except InvalidOperation:
        raise ValueError("Not an amount.") from None
    if not amount.is_finite() or amount > MAX_AMOUNT or amount < 0 or (amount == 0 and not allow_zero):
        raise ValueError(f"An amount above 0 and at most {MAX_AMOUNT:,} is needed.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("At most two decimal places.")
    return amount.quantize(Decimal("0.01"))


def _quantity(cell, text, context):
    try:
        amount = Decimal(str(cell)) if isinstance(cell, (int, float)) else Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError("Not a number.") from None
    if not amount.is_finite() or not 0 < amount <= 10 ** 9:
        raise ValueError("A quantity above 0 is needed.")
    return amount.quantize(Decimal("0.001"))


def _currency(cell, text, context):
    code = text.upper()
    if code not in list_currencies():
        raise ValueError("Not an ISO 4217 currency code (e.g. CNY).")
    return code


def _tags(cell, text, context):
    names = list(dict.fromkeys(" ".join(name.split()) for name in TAG_SEPARATORS.split(text) if name.strip()))
    if len(names) > 50 or any(len(name) > 50 for name in names):
        raise ValueError("At most 50 tags of at most 50 characters each.")
    return names


def _custom(definition: CustomFieldDefinition) -> Callable:
    def convert(cell, text, context):
        if definition.type is FieldType.boolean:
            folded = text.casefold()
            if folded in TRUE | FALSE:
                return folded in TRUE
            raise ValueError("Must be yes or no (是/否).")
        if definition.type is FieldType.date:
            return _date(cell, text, context).isoformat()
        if definition.type is FieldType.number:
            return text if not isinstance(cell, (int, float)) else str(cell)
        return text

    return convert


PARSERS = {
    "kind": _kind, "email": _email, "phone": _phone, "customer_email": _email, "customer_phone": _phone,
    "birthday": _date, "purchased_at": _moment, "amount": _money,
    "unit_price": lambda cell, text, context: _money(cell, text, context, allow_zero=True),
    "quantity": _quantity, "currency": _currency, "tags": _tags,
}
