"""Quotes: a deal turned into a document from a Jinja2 template (Markdown, plain text or HTML).

:func:`quote_data` gathers what a quote shows (seller from config, customer,
date and validity, numbered lines, subtotal, discount, total, currency) as
plain values; :func:`render_quote` renders it with a template that ships with
termcrm (``templates/quote.<fmt>.j2``) or with the user's own file. HTML is
autoescaped; a user template that is missing, has a syntax error (reported with
its line number) or names a missing value is an invalid file (exit 5).

Every amount is given twice: formatted (``"1,234.50"``) and as integer minor
units (``*_minor``); the ``money`` filter formats minor units in the quote's
currency, e.g. ``{{ line.total_minor | money }}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from termcrm import dates, money
from termcrm.errors import Invalid, InvalidFile
from termcrm.models import Company, Contact, Deal, Pipeline, Stage
from termcrm.services import contacts as contact_service
from termcrm.services import refs

FORMATS = ("md", "txt", "html")
"""Built-in quote formats."""

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""Where the built-in templates live."""

SELLER_KEYS = ("name", "address", "email", "phone", "tax_id")


def _amount(minor: int, currency: str) -> str:
    """``1,234.50`` (no currency code)."""
    return f"{money.to_major(minor, currency):,.{money.exponent(currency)}f}"


def _address(obj: Contact | Company | None) -> str:
    if obj is None:
        return ""
    parts = [obj.street, " ".join(p for p in (obj.postal_code, obj.city) if p), obj.region, obj.country]
    return ", ".join(p for p in parts if p)


def quote_data(session: Session, deal: Deal, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything a quote template may show, as plain strings, numbers and lists."""
    from termcrm.services import deals as deal_service

    settings = session.info.get("settings")

    def get(key: str) -> Any:
        if settings is None:
            from termcrm.config import CONFIG_KEYS

            return CONFIG_KEYS[key].default
        return settings.get(key)

    at = dates.as_utc(now) if now is not None else dates.utcnow()
    today = dates.local_today(now=at)
    validity = int(get("quote.validity_days") or 0)
    cur = deal.currency
    items = deal_service.lines(session, deal)
    lines: list[dict[str, Any]] = []
    if items:
        for number, item in enumerate(items, start=1):
            total = deal_service.line_total(item)
            gross = item.quantity * item.unit_price
            lines.append(
                {
                    "no": number,
                    "description": item.description,
                    "quantity": item.quantity,
                    "unit_price": _amount(item.unit_price, cur),
                    "unit_price_minor": item.unit_price,
                    "discount_percent": deal_service.format_percent(item.discount_bp) if item.discount_bp else "",
                    "discount": _amount(gross - total, cur) if gross != total else "",
                    "discount_minor": gross - total,
                    "total": _amount(total, cur),
                    "total_minor": total,
                }
            )
        totals = deal_service.line_totals(items)
        subtotal, discount, total = totals.subtotal, totals.discount, totals.total
    else:
        lines.append(
            {
                "no": 1,
                "description": deal.title,
                "quantity": 1,
                "unit_price": _amount(deal.amount, cur),
                "unit_price_minor": deal.amount,
                "discount_percent": "",
                "discount": "",
                "discount_minor": 0,
                "total": _amount(deal.amount, cur),
                "total_minor": deal.amount,
            }
        )
        subtotal, discount, total = deal.amount, 0, deal.amount
    contact = session.get(Contact, deal.contact_id) if deal.contact_id else None
    company = session.get(Company, deal.company_id) if deal.company_id else None
    email = phone = None
    if deal.contact_id is not None and contact is not None:
        email = contact_service.primary_email(session, deal.contact_id)
        phone = contact_service.primary_phone(session, deal.contact_id)
    stage = session.get(Stage, deal.stage_id)
    pipeline = session.get(Pipeline, deal.pipeline_id)
    return {
        "number": f"Q-{deal.id:05d}",
        "date": today.isoformat(),
        "valid_until": (today + timedelta(days=validity)).isoformat(),
        "validity_days": validity,
        "seller": {key: str(get(f"seller.{key}") or "") for key in SELLER_KEYS},
        "customer": {
            "name": company.name if company else (contact.display_name if contact else ""),
            "company": company.name if company else "",
            "contact": contact.display_name if contact else "",
            "title": (contact.title or "") if contact else "",
            "email": email or "",
            "phone": phone or "",
            "address": _address(contact) or _address(company),
        },
        "deal": {
            "id": deal.id,
            "title": deal.title,
            "pipeline": pipeline.name if pipeline else "",
            "stage": stage.name if stage else "",
            "status": deal.status,
            "owner": refs.user_name(session, deal.owner_id) or "",
            "expected_close": deal.expected_close.isoformat() if deal.expected_close else "",
        },
        "currency": cur,
        "lines": lines,
        "subtotal": _amount(subtotal, cur),
        "subtotal_minor": subtotal,
        "discount": _amount(discount, cur),
        "discount_minor": discount,
        "has_discount": discount != 0,
        "total": _amount(total, cur),
        "total_minor": total,
    }


def _environment(autoescape: bool, loader: Any = None) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def format_for(path: str | Path | None, default: str = "md") -> str:
    """The quote format a file name suggests (``quote.html`` → html), else ``default``."""
    if path is None:
        return default
    name = str(path).lower().removesuffix(".j2").removesuffix(".jinja")
    for suffix, fmt in ((".html", "html"), (".htm", "html"), (".md", "md"), (".markdown", "md"), (".txt", "txt")):
        if name.endswith(suffix):
            return fmt
    return default


def render_quote(data: dict[str, Any], fmt: str = "md", template: str | Path | None = None) -> str:
    """The quote as text, from the built-in template for ``fmt`` or the user's ``template`` file."""
    import jinja2

    if fmt not in FORMATS:
        raise Invalid(f"quote format {fmt!r} is not one of: {', '.join(FORMATS)}")
    currency = str(data.get("currency", "USD"))
    if template is not None:
        path = Path(template).expanduser()
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InvalidFile(f"template {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidFile(f"cannot read template {path}: {exc}") from None
        escape = fmt == "html" or format_for(path, "") == "html"
        env = _environment(escape)
        name = str(path)
    else:
        env = _environment(fmt == "html", jinja2.FileSystemLoader(str(TEMPLATE_DIR)))
        name = f"quote.{fmt}.j2"
        source = None
    env.filters["money"] = lambda minor, cur=currency: _amount(int(minor), cur)
    env.filters["md"] = lambda text: str(text).replace("|", "\\|")
    try:
        tmpl = env.from_string(source) if source is not None else env.get_template(name)
        return str(tmpl.render(**data, quote=data))
    except jinja2.TemplateSyntaxError as exc:
        raise InvalidFile(f"template {name} line {exc.lineno}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise InvalidFile(f"template {name}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise InvalidFile(f"template {name}: {exc}") from None
