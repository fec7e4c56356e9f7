"""The catalog's rules (orders/catalog.py), without HTTP: products by a unique SKU, their prices, the look-up the
report form uses, the warning about a price far from the list price, and the all-or-nothing import."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from orders import catalog
from orders.models import Product
from partners.models import ProductLine
from portal.audit import AuditEntry
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import make_product, make_product_line, make_user


@pytest.fixture()
def admin(db, every_partner):
    return make_user(role=Role.ADMIN)


def _fields(sku="drill-18v", price="899.5", **values) -> catalog.ProductFields:
    return catalog.ProductFields(
        sku=sku,
        name_en=values.get("name_en", " Cordless drill "),
        name_zh=values.get("name_zh", "充电钻"),
        product_line=values.get("product_line") or make_product_line(),
        unit="pcs",
        list_price=Decimal(price),
        is_active=values.get("is_active", True),
    )


def test_a_saved_product_has_its_sku_in_capitals_trimmed_names_and_an_audit_entry(db, admin):
    product = catalog.save_product(_fields(), actor=admin)
    assert (product.sku, product.name_en, product.list_price) == ("DRILL-18V", "Cordless drill", Decimal("899.5"))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == product.id)).one()
    assert entry.action == "create" and entry.changes["sku"] == [None, "DRILL-18V"]


def test_only_an_admin_saves_products(db, every_partner):
    with pytest.raises(PermissionDenied):
        catalog.save_product(_fields(), actor=make_user(role=Role.CHANNEL_MANAGER))


def test_a_sku_is_unique_whatever_its_case_but_a_product_keeps_its_own(db, admin):
    product = catalog.save_product(_fields(), actor=admin)
    with pytest.raises(RuleViolation) as taken:
        catalog.save_product(_fields(sku="Drill-18V"), actor=admin)
    assert taken.value.field == "sku" and "exists already" in str(taken.value.message)
    assert catalog.save_product(_fields(price="949"), actor=admin, product=product).list_price == Decimal(949)


@pytest.mark.parametrize("sku", ["", "drill 18v", "x" * 65, "钻头"])
def test_a_sku_of_other_characters_is_refused(db, admin, sku):
    with pytest.raises(RuleViolation) as wrong:
        catalog.save_product(_fields(sku=sku), actor=admin)
    assert wrong.value.field == "sku"


@pytest.mark.parametrize("price", ["-0.01", "1.00001", "1000000000000000"])
def test_a_price_below_zero_with_five_decimals_or_beyond_the_column_is_refused(db, admin, price):
    with pytest.raises(RuleViolation) as wrong:
        catalog.save_product(_fields(price=price), actor=admin)
    assert wrong.value.field == "list_price"


def test_the_look_up_finds_an_active_product_whatever_the_case_and_never_an_inactive_one(db, every_partner):
    drill = make_product("DRILL-18V")
    make_product("SAW-OLD", is_active=False)
    assert catalog.active_product(" drill-18v ") is drill
    assert catalog.active_product("SAW-OLD") is None and catalog.active_product("  ") is None


@pytest.mark.parametrize(
    ("price", "far"), [("5", False), ("4.99", True), ("20", False), ("20.01", True), ("10", False)]
)
def test_a_price_is_far_from_the_list_price_beyond_half_or_double(db, every_partner, price, far):
    assert catalog.is_far_from_list_price(make_product(price="10"), Decimal(price)) is far


def test_a_product_without_a_list_price_is_never_far(db, every_partner):
    assert catalog.is_far_from_list_price(make_product(price="0"), Decimal("12345")) is False


def test_the_list_matches_the_sku_or_either_name_and_may_leave_out_inactive_ones(db, every_partner):
    drill, saw = make_product("DRILL-18V"), make_product("SAW-1", is_active=False)
    drill.name_en, saw.name_zh = "Cordless drill", "圆锯"
    assert catalog.list_products("drill") == [drill]
    assert catalog.list_products("圆锯") == [saw]
    assert catalog.list_products("圆锯", active_only=True) == []


HEADER = "sku,name_en,name_zh,product_line,unit,list_price,active\n"


def _import(admin, rows: str, **options):
    content = (HEADER + rows).encode()
    return catalog.import_products(io.BytesIO(content), "products.csv", actor=admin, max_bytes=len(content), **options)


def test_an_import_writes_nothing_when_one_row_is_wrong_and_says_which(db, admin):
    make_product_line("PWR")
    result = _import(admin, "DRILL-18V,Drill,电钻,PWR,pcs,899.5,1\nSAW-1,Saw,锯,NOPE,pcs,1e3,maybe\n")
    assert not result.ok
    assert {(error.row, error.column) for error in result.errors} == {
        (3, "product_line"),
        (3, "list_price"),
        (3, "active"),
    }
    assert db.session.scalars(select(Product)).all() == []


def test_the_same_file_twice_changes_nothing_and_a_changed_price_is_one_update(db, admin):
    make_product_line("PWR")
    rows = 'DRILL-18V,Drill,电钻,PWR,pcs,899.5,1\nSAW-1,Saw,锯,pwr,pcs,"1,299",否\n'
    first = _import(admin, rows)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = _import(admin, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = _import(admin, rows.replace("899.5", "949"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    saw = db.session.scalars(select(Product).where(Product.sku == "SAW-1")).one()
    assert saw.list_price == Decimal(1299) and saw.is_active is False


def test_a_sku_twice_in_one_file_is_refused_naming_its_first_row(db, admin):
    make_product_line("PWR")
    result = _import(admin, "DRILL-18V,Drill,电钻,PWR,pcs,1,1\ndrill-18v,Drill,电钻,PWR,pcs,2,1\n")
    assert [(error.row, error.column) for error in result.errors] == [(3, "sku")]
    assert "row 2" in str(result.errors[0].message)


def test_an_unknown_product_line_is_refused_with_a_way_out_unless_the_import_may_create_it(db, admin):
    rows = "BK-M68B-38,Mountain-200,山地车 200,M,each,2294.99,1\nBK-R93R-62,Road-150,公路车 150,r,each,3578.27,1\n"
    refused = _import(admin, rows)
    assert [(error.row, error.column) for error in refused.errors] == [(2, "product_line"), (3, "product_line")]
    assert "tick" in str(refused.errors[0].message)
    assert db.session.scalars(select(ProductLine)).all() == []

    created = _import(admin, rows, create_lines=True)
    assert created.ok and created.new_lines == ["M", "R"] and created.created == 2
    lines = {line.code: line for line in db.session.scalars(select(ProductLine))}
    assert set(lines) == {"M", "R"} and lines["M"].name_en == "M" and lines["M"].is_active
    road = db.session.scalars(select(Product).where(Product.sku == "BK-R93R-62")).one()
    assert road.product_line is lines["R"]
    assert _import(admin, rows, create_lines=True).new_lines == []  # the same file again creates nothing


def test_an_import_that_fails_creates_none_of_the_product_lines_it_names(db, admin):
    result = _import(admin, "A-1,One,一,NEW,pcs,1,1\nA-2,Two,二,BAD LINE,pcs,2,1\n", create_lines=True)
    assert [(error.row, error.column) for error in result.errors] == [(3, "product_line")]
    assert db.session.scalars(select(ProductLine)).all() == []
