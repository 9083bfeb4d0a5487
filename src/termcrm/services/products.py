"""Products: things sold, with a unit price and an optional unit cost, in one currency each.

A line item copies its product's price and cost when it is added, so changing
a product later never changes deals already priced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from termcrm import dates, money
from termcrm.errors import Ambiguous, Conflict, Invalid, NotFound
from termcrm.services import history
from termcrm.services.common import check_version, jsonable
from termcrm.services.filters import FieldSpec, FilterContext, filtered

if TYPE_CHECKING:
    from termcrm.models import Product


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None


def _check_code(session: Session, code: str | None, exclude: int | None = None) -> str | None:
    from termcrm.models import Product

    clean = _clean(code)
    if clean is None:
        return None
    if " " in clean:
        raise Invalid(f"product code {code!r} has spaces: use letters, digits and - _ . /")
    other = session.exec(select(Product).where(sa.func.lower(Product.code) == clean.lower())).first()
    if other is not None and other.id != exclude:
        raise Conflict(f"product code {clean} belongs to product #{other.id} {other.name} already")
    return clean


def _price(value: str | int | Decimal | None, currency: str, what: str) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    minor = money.parse_amount(value, currency)
    if minor < 0:
        raise Invalid(f"a {what} cannot be negative")
    return minor


def get_product(session: Session, ref: str | int, *, archived: bool = False) -> Product:
    """A product by id, code (any case), exact name or unique name fragment."""
    from termcrm.models import Product

    text = str(ref).strip()
    if not text:
        raise Invalid("empty product reference: give an id, a code or a name")
    if text.lstrip("#").isdigit():
        found = session.get(Product, int(text.lstrip("#")))
        if found is not None:
            return found
    live = Product.archived_at.is_(None) if not archived else sa.true()  # type: ignore[union-attr]
    by_code = session.exec(select(Product).where(sa.func.lower(Product.code) == text.lower())).first()
    if by_code is not None:
        return by_code
    exact = session.exec(select(Product).where(sa.func.lower(Product.name) == text.lower(), live)).all()
    if len(exact) == 1:
        return exact[0]
    matches = (
        exact
        or session.exec(
            select(Product).where(Product.name.icontains(text, autoescape=True), live).limit(51)  # type: ignore[attr-defined]
        ).all()
    )
    if not matches:
        raise NotFound(f"no product matches {text!r}; see crm product list")
    if len(matches) == 1:
        return matches[0]
    raise Ambiguous(f"{text!r} matches several products", [f"#{p.id} {p.name}" for p in matches])


def create_product(
    session: Session,
    name: str,
    *,
    code: str | None = None,
    price: str | int | Decimal | None = None,
    cost: str | int | Decimal | None = None,
    currency: str | None = None,
) -> Product:
    """A new active product; the currency defaults to the configured one."""
    from termcrm.models import Product

    clean = _clean(name)
    if not clean:
        raise Invalid("a product needs a name")
    settings = session.info.get("settings")
    cur = money.check_currency(currency) if currency else (settings.currency if settings else "USD")
    product = Product(
        name=clean,
        code=_check_code(session, code),
        unit_price=_price(price, cur, "price") or 0,
        unit_cost=_price(cost, cur, "cost"),
        currency=cur,
        active=True,
    )
    session.add(product)
    session.flush()
    history.set_summary(session, f"add product #{product.id} {product.name}")
    return product


@dataclass
class ProductChanges:
    """What ``product edit`` may change: None leaves a field alone; ``""`` clears code or cost."""

    name: str | None = None
    code: str | None = None
    price: str | int | Decimal | None = None
    cost: str | int | Decimal | None = None
    currency: str | None = None
    active: bool | None = None


def update_product(
    session: Session, product: Product, changes: ProductChanges, *, expected_version: int | None = None
) -> Product:
    """Apply ``changes`` (existing line items keep the price they were added with)."""
    check_version(product, expected_version, f"product #{product.id}")
    if changes.name is not None:
        clean = _clean(changes.name)
        if not clean:
            raise Invalid("a product needs a name")
        product.name = clean
    if changes.code is not None:
        product.code = _check_code(session, changes.code, exclude=product.id)
    if changes.currency is not None:
        cur = money.check_currency(changes.currency)
        if cur != product.currency and (changes.price is None or (product.unit_cost and changes.cost is None)):
            raise Invalid("changing a product's currency needs its price (and cost) in the new currency too")
        product.currency = cur
    if changes.price is not None:
        price = _price(changes.price, product.currency, "price")
        if price is None:
            raise Invalid("a product keeps a price: give a number (0 for free)")
        product.unit_price = price
    if changes.cost is not None:
        product.unit_cost = _price(changes.cost, product.currency, "cost")
    if changes.active is not None:
        product.active = changes.active
    session.add(product)
    session.flush()
    history.set_summary(session, f"edit product #{product.id} {product.name}")
    return product


def archive_product(session: Session, product: Product, *, now: datetime | None = None) -> Product:
    """Archive a product: it leaves lists and cannot be added to deals; lines that use it stay."""
    if product.archived_at is not None:
        raise Invalid(f"product #{product.id} {product.name} is already archived")
    product.archived_at = dates.as_utc(now) if now else dates.utcnow()
    product.active = False
    session.add(product)
    session.flush()
    history.set_summary(session, f"archive product #{product.id} {product.name}")
    return product


def filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """The fields ``product list`` filters and sorts by."""
    from termcrm.models import Product

    settings = session.info.get("settings")
    return FilterContext(
        fields={
            "id": FieldSpec(Product.id, "int"),
            "name": FieldSpec(Product.name),
            "code": FieldSpec(Product.code),
            "price": FieldSpec(Product.unit_price, "money"),
            "cost": FieldSpec(Product.unit_cost, "money"),
            "currency": FieldSpec(Product.currency, "choice"),
            "active": FieldSpec(Product.active, "bool"),
            "created": FieldSpec(Product.created_at, "datetime"),
        },
        text=lambda word: sa.or_(
            Product.name.icontains(word, autoescape=True),  # type: ignore[attr-defined]
            Product.code.icontains(word, autoescape=True),  # type: ignore[union-attr]
        ),
        now=now,
        currency=settings.currency if settings else "USD",
        aliases={"unit_price": "price", "unit_cost": "cost", "created_at": "created"},
    )


def list_products(
    session: Session,
    words: Sequence[str] = (),
    *,
    sort: str | None = None,
    limit: int | None = None,
    archived: bool = False,
    now: datetime | None = None,
) -> list[Product]:
    """Products matching the filter words, by name unless sorted otherwise."""
    from termcrm.models import Product

    ctx = filter_context(session, now)
    stmt = filtered(
        select(Product),
        words,
        ctx,
        sort=sort,
        default=[sa.func.lower(Product.name), Product.id],
        limit=limit,
        archived=(Product.archived_at, archived),
    )
    return list(session.exec(stmt).all())


def rows(session: Session, products: Sequence[Product]) -> list[dict[str, Any]]:
    """JSON-ready dicts of products (prices as numbers in major units)."""
    return [
        {
            "id": p.id,
            "code": p.code,
            "name": p.name,
            "unit_price": money.as_number(p.unit_price, p.currency),
            "unit_cost": money.as_number(p.unit_cost, p.currency) if p.unit_cost is not None else None,
            "margin": money.as_number(p.unit_price - p.unit_cost, p.currency) if p.unit_cost is not None else None,
            "currency": p.currency,
            "active": p.active,
            "created_at": jsonable(p.created_at),
            "updated_at": jsonable(p.updated_at),
            "archived_at": jsonable(p.archived_at),
            "version": p.version,
        }
        for p in products
    ]


def product_view(session: Session, product: Product) -> dict[str, Any]:
    """``product show``: its fields and how often deals use it."""
    from termcrm.models import Deal, LineItem

    data = rows(session, [product])[0]
    used = session.exec(
        select(sa.func.count(sa.distinct(col(LineItem.deal_id)))).where(LineItem.product_id == product.id)
    ).one()
    sold = session.exec(
        select(sa.func.sum(LineItem.quantity))
        .join(Deal, Deal.id == LineItem.deal_id)  # type: ignore[arg-type]
        .where(LineItem.product_id == product.id, Deal.status == "won", Deal.archived_at.is_(None))  # type: ignore[union-attr]
    ).one()
    data["deals"] = int(used or 0)
    data["quantity_won"] = int(sold or 0)
    return data
