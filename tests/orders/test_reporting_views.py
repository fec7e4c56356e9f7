"""Reporting through its three doors — form, file, API — with identical results; periods, customers, tokens."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from orders import api_tokens
from orders.models import PeriodReport, SalesLine
from partners.models import PartnerStatus
from portal import tenancy
from portal.calendar import add_months, month_start
from portal.security import Role
from tests.builders import just_now, make_partner, make_product, make_sales_line, make_user

LAST_MONTH = add_months(month_start(date.today()), -1)
DAY = LAST_MONTH.replace(day=15).isoformat()


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(code="P-A")
    make_product("DRILL-18V", price="899.5")
    make_product("CABLE-M", price="3.1416")
    return {
        "partner": partner,
        "admin_user": make_user(partner, role=Role.PARTNER_ADMIN),
        "clerk": make_user(partner, role=Role.PARTNER_USER),
        "other": make_partner(code="P-B"),
    }


def _lines(db, partner_id):
    with tenancy.every_partner(db.session(), reason="test check"):
        return sorted(
            (line.order_no, line.line_no, line.quantity, line.net_amount, line.customer.code)
            for line in db.session.scalars(select(SalesLine).where(SalesLine.partner_id == partner_id))
        )


CSV_EN = (
    "order_no,line_no,order_date,customer_code,customer_name,customer_region,sku,quantity,unit_price,discount\n"
    f"SO-1,1,{DAY},C-1,宏达机电,广东深圳,DRILL-18V,2,899.5,0\n"
    f"SO-1,2,{DAY},C-1,宏达机电,广东深圳,CABLE-M,12.5,3.1416,0.27\n"
)
CSV_ZH = (
    "订单号,行号,订单日期,客户编码,客户名称,客户地区,产品编码,数量,单价,折扣\n"
    f"SO-1,1,{DAY},C-1,宏达机电,广东深圳,DRILL-18V,2,899.5,0\n"
    f"SO-1,2,{DAY},C-1,宏达机电,广东深圳,CABLE-M,12.5,3.1416,0.27\n"
)


def test_form_file_and_api_give_identical_lines(app, client, login, db, world):
    login(world["clerk"])
    response = client.post(
        "/orders/report",
        data={
            "order_no": "SO-1",
            "order_date": DAY,
            "customer_code": "C-1",
            "customer_name": "宏达机电",
            "customer_region": "广东深圳",
            "sku-1": "DRILL-18V",
            "quantity-1": "2",
            "unit_price-1": "899.5",
            "discount-1": "",
            "sku-2": "CABLE-M",
            "quantity-2": "12.5",
            "unit_price-2": "3.1416",
            "discount-2": "0.27",
            "sku-3": "",
            "quantity-3": "",
            "unit_price-3": "",
            "discount-3": "",
        },
    )
    assert response.status_code == 303
    by_form = _lines(db, world["partner"].id)

    other_clerk = make_user(world["other"], role=Role.PARTNER_USER)
    login(other_clerk)
    response = client.post(
        "/orders/upload",
        data={"file": (io.BytesIO(CSV_ZH.encode("gbk")), "销售.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    by_file = _lines(db, world["other"].id)

    third = make_partner(code="P-C")
    _token, plain = api_tokens.create_token(actor=make_user(third, role=Role.PARTNER_ADMIN), name="ERP")
    body = {
        "lines": [
            {
                "order_no": "SO-1",
                "line_no": 1,
                "order_date": DAY,
                "customer_code": "C-1",
                "customer_name": "宏达机电",
                "customer_region": "广东深圳",
                "sku": "DRILL-18V",
                "quantity": 2,
                "unit_price": "899.5",
            },
            {
                "order_no": "SO-1",
                "line_no": 2,
                "order_date": DAY,
                "customer_code": "C-1",
                "customer_name": "宏达机电",
                "customer_region": "广东深圳",
                "sku": "CABLE-M",
                "quantity": "12.5",
                "unit_price": "3.1416",
                "discount": "0.27",
            },
        ]
    }
    response = app.test_client().post("/api/v1/sales-lines", json=body, headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 201 and response.json["net_amount"] == "1838.00"
    by_api = _lines(db, third.id)
    assert by_form == by_file == by_api
    assert by_form[1][3] == Decimal("39")


def test_after_an_upload_the_partner_is_asked_to_declare_its_months(client, login, db, world):
    """A submission once said nothing about declaring the month reported."""
    login(world["clerk"])
    response = client.post(
        "/orders/upload",
        data={"file": (io.BytesIO(CSV_ZH.encode("gbk")), "销售.csv")},
        content_type="multipart/form-data",
    )
    submission_url = response.headers["Location"]
    assert "/orders/submissions/" in submission_url
    page = client.get(submission_url).get_data(as_text=True)
    month = LAST_MONTH.strftime("%Y-%m")
    assert 'id="declare-prompt"' in page and f"Declare {month} complete" in page
    declared = client.post(f"/orders/periods/{month}/declare", data={"next": submission_url})
    assert declared.headers["Location"] == submission_url
    assert 'id="declare-prompt"' not in client.get(submission_url).get_data(as_text=True)


def test_upload_with_errors_lists_rows_and_writes_nothing(client, login, db, world):
    login(world["clerk"])
    bad = CSV_EN.replace("CABLE-M,12.5", "NOPE,12.5").replace(f"SO-1,1,{DAY}", "SO-1,1,2026-13-01")
    response = client.post(
        "/orders/upload", data={"file": (io.BytesIO(bad.encode()), "sales.csv")}, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "nothing was imported" in page
    assert '<td>2</td><td translate="no">order_date</td>' in page and '<td>3</td><td translate="no">sku</td>' in page
    assert _lines(db, world["partner"].id) == []


def test_upload_problems_name_the_column_as_the_file_did_and_download_as_csv(client, login, db, world):
    """Problems once named the column by its internal key (sku) under a Chinese header (产品编码), below the
    table of columns, and could not be downloaded."""
    import base64
    import re

    login(world["clerk"])
    bad = CSV_ZH.replace("CABLE-M,12.5", "NOPE,12.5")
    response = client.post(
        "/orders/upload", data={"file": (io.BytesIO(bad.encode("gbk")), "销售.csv")}, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<td>3</td><td translate="no">产品编码</td>' in page and ">sku<" not in page.split("upload-columns")[0]
    assert page.index('id="import-errors"') < page.index('id="upload-columns"')
    uri = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download="problems.csv"', page)[1]
    rows = base64.b64decode(uri).decode("utf-8-sig").splitlines()
    assert rows[0] == "Row,Column,Problem" and rows[1].startswith("3,产品编码,Unknown SKU")
    missing = client.post(
        "/orders/upload",
        data={"file": (io.BytesIO("订单号,数量\nX,1\n".encode("gbk")), "s.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "sku / 产品编码" in missing  # a missing column is named by every spelling it may have


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"\x00\x01" * 100, "not a CSV or XLSX")])
def test_upload_of_an_unreadable_file(client, login, world, content, reason):
    login(world["clerk"])
    response = client.post(
        "/orders/upload", data={"file": (io.BytesIO(content), "x.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and reason in response.get_data(as_text=True)


def test_upload_over_the_size_limit(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "SALES_UPLOAD_MAX_BYTES", 100)
    login(world["clerk"])
    response = client.post(
        "/orders/upload",
        data={"file": (io.BytesIO(CSV_EN.encode() * 5), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)


def test_form_errors_sit_next_to_the_line_and_keep_the_input(client, login, world):
    login(world["clerk"])
    response = client.post(
        "/orders/report",
        data={
            "order_no": "SO-1",
            "order_date": DAY,
            "customer_code": "C-1",
            "customer_name": "宏达",
            "sku-1": "DRILL-18V",
            "quantity-1": "0",
            "unit_price-1": "899.5",
            "discount-1": "",
        },
        headers={"HX-Request": "true"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in page
    assert "Quantity: A quantity of 0 is not a sale" in page and 'value="899.5"' in page


def test_form_problems_name_the_field_and_sit_under_their_line(client, login, world):
    """The form once named fields by their internal key (order_date), said the order's problem under every line,
    and put a line's problem under the line above it when a line was left blank."""
    import re

    login(world["clerk"])
    form = {"order_no": "SO-1", "order_date": "2030-01-01", "customer_code": "C-1", "customer_name": "宏达"}
    for index, (sku, quantity) in enumerate([("DRILL-18V", "1"), ("", ""), ("DRILL-18V", "0"), ("CABLE-M", "2")], 1):
        form |= {
            f"sku-{index}": sku,
            f"quantity-{index}": quantity,
            f"unit_price-{index}": "1",
            f"discount-{index}": "",
        }
    page = client.post("/orders/report", data=form).get_data(as_text=True)
    assert page.count("Order date: ") == 1 and "order_date:" not in page and "quantity:" not in page
    problems = dict(re.findall(r'<tr id="line-(\d+)".*?</tr>\s*(?:<tr class="row-errors">(.*?)</tr>)?', page, re.S))
    assert "Quantity: A quantity of 0" in problems["3"] and not problems["1"] and not problems["4"]
    assert 'name="order_date" aria-invalid="true"' in page and 'name="quantity-3" aria-invalid="true"' in page
    assert 'name="quantity-1" aria-invalid' not in page
    empty_date = client.post("/orders/report", data={**form, "order_date": ""}).get_data(as_text=True)
    assert "Order date: Fill in this field." in empty_date


def test_an_unknown_sku_is_said_when_the_field_is_left(client, login, world):
    login(world["clerk"])
    page = client.get("/orders/report/line/1/product?sku-1=NOPE-123").get_data(as_text=True)
    assert "No product on sale has this SKU" in page
    assert "No product" not in client.get("/orders/report/line/1/product?sku-1=").get_data(as_text=True)


def test_running_total_is_exact(client, login, world):
    login(world["clerk"])
    response = client.post(
        "/orders/report/total",
        data={
            "order_no": "",
            "sku-1": "X",
            "quantity-1": "3",
            "unit_price-1": "3.1416",
            "discount-1": "",
            "sku-2": "X",
            "quantity-2": "1",
            "unit_price-2": "0.0052",
            "discount-2": "",
        },
    )
    assert "9.43" in response.get_data(as_text=True)  # 9.4248 + 0.0052 = 9.4300


def test_choosing_a_sku_names_the_product_and_fills_its_list_price(client, login, world):
    login(world["clerk"])
    page = client.get(
        "/orders/report/line/2/product?sku-2=drill-18v&unit_price-2=", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'id="line-product-2"' in page and "list price 899.5" in page
    assert 'data-fill-empty="#unit_price-2" data-value="899.5"' in page


def test_a_price_far_from_the_list_price_is_a_warning_and_a_typed_price_stays(client, login, world):
    login(world["clerk"])
    far = client.get("/orders/report/line/1/product?sku-1=CABLE-M&unit_price-1=1234.5").get_data(as_text=True)
    near = client.get("/orders/report/line/1/product?sku-1=CABLE-M&unit_price-1=3.5").get_data(as_text=True)
    assert "Far from the list price of 3.1416" in far and "Far from" not in near
    assert "data-fill-empty" not in far + near  # the price typed is never overwritten
    unknown = client.get("/orders/report/line/1/product?sku-1=NOPE&unit_price-1=").get_data(as_text=True)
    assert 'id="line-product-1"' in unknown and "data-fill-empty" not in unknown


def test_the_sku_look_up_sends_only_what_it_types(client, login, world):
    login(world["clerk"])
    form = client.get("/orders/report").get_data(as_text=True)
    assert 'hx-params="q"' in form and 'hx-swap="innerHTML"' in form
    options = client.get("/orders/catalog/lookup?q=drill", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert options.count("<option") == 1 and 'value="DRILL-18V"' in options


def test_template_download_in_the_users_language(client, login, db, world):
    from openpyxl import load_workbook

    world["clerk"].locale = "zh_Hans_CN"
    db.session.flush()
    login(world["clerk"])
    sheet = load_workbook(io.BytesIO(client.get("/orders/upload/template.xlsx").data)).worksheets[0]
    assert [cell.value for cell in sheet[1]][:3] == ["订单号", "行号", "订单日期"]
    page = client.get("/orders/upload").get_data(as_text=True)
    assert f"文件的 {sheet.max_column} 列" in page and sheet.max_column == 10  # no partner_code for a partner
    assert "不是百分比" in page


def test_brand_staff_files_name_the_partner_first(client, login, db, world):
    from openpyxl import load_workbook

    login(make_user(role=Role.ADMIN))
    sheet = load_workbook(io.BytesIO(client.get("/orders/upload/template.xlsx").data)).worksheets[0]
    assert sheet.cell(1, 1).value == "partner_code" and sheet.max_column == 11
    assert "The file's 11 columns" in client.get("/orders/upload").get_data(as_text=True)


def _api(app, token, body=None, **kwargs):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is None:
        return client.get("/api/v1/sales-lines", headers=headers, **kwargs)
    return client.post(
        "/api/v1/sales-lines",
        headers=headers,
        **({"json": body} if not isinstance(body, bytes) else {"data": body}),
        **kwargs,
    )


def test_api_needs_a_valid_token(app, db, world):
    assert _api(app, None, {"lines": []}).status_code == 401
    assert _api(app, "qd_forged", {"lines": []}).status_code == 401


UNKNOWN_SKU = {
    "lines": [
        {
            "order_no": "SO-1",
            "line_no": 1,
            "order_date": DAY,
            "customer_code": "C",
            "customer_name": "C",
            "sku": "NOPE",
            "quantity": 1,
            "unit_price": 1,
        }
    ]
}


def test_api_errors_come_back_as_rows(app, db, world):
    _token, plain = api_tokens.create_token(actor=world["admin_user"], name="ERP")
    response = _api(app, plain, UNKNOWN_SKU)
    assert response.status_code == 422
    assert response.json["errors"] == [{"row": 1, "column": "sku", "reason": "Unknown SKU NOPE."}]


@pytest.mark.parametrize("locale, reason", [("en", "Unknown SKU NOPE."), ("zh_Hans_CN", "未知产品编码 NOPE。")])
def test_the_api_answers_in_the_accounts_language(app, db, world, monkeypatch, locale, reason):
    """An English account once got Chinese answers when no Accept-Language was sent (Chinese by default)."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "zh_Hans_CN")
    world["admin_user"].locale = locale
    _token, plain = api_tokens.create_token(actor=world["admin_user"], name="ERP")
    db.session.commit()
    assert _api(app, plain, UNKNOWN_SKU).json["errors"][0]["reason"] == reason


def test_api_refuses_what_is_not_json_or_too_long(app, db, world):
    _token, plain = api_tokens.create_token(actor=world["admin_user"], name="ERP")
    assert _api(app, plain, b"not json", content_type="application/json").status_code == 400
    assert _api(app, plain, {"lines": [{}] * 100_001}).status_code == 413


def test_a_revoked_token_or_suspended_partner_is_refused(app, db, world):
    token, plain = api_tokens.create_token(actor=world["admin_user"], name="ERP")
    api_tokens.revoke_token(token, actor=world["admin_user"])
    assert _api(app, plain).status_code == 401
    _token, second = api_tokens.create_token(actor=world["admin_user"], name="ERP 2")
    world["partner"].status = PartnerStatus.SUSPENDED
    db.session.flush()
    assert _api(app, second, query_string={"period": "2026-10"}).status_code == 401


def test_api_token_cannot_post_another_partners_code(app, db, world):
    _token, plain = api_tokens.create_token(actor=world["admin_user"], name="ERP")
    response = _api(
        app,
        plain,
        {
            "lines": [
                {
                    "partner_code": "P-B",
                    "order_no": "X",
                    "line_no": 1,
                    "order_date": DAY,
                    "customer_code": "C",
                    "customer_name": "C",
                    "sku": "DRILL-18V",
                    "quantity": 1,
                    "unit_price": 1,
                }
            ]
        },
    )
    assert response.status_code == 422 and response.json["errors"][0]["column"] == "partner_code"


def test_api_reads_back_only_its_own_lines(app, db, world):
    make_sales_line(world["partner"], order_no="MINE", order_date=LAST_MONTH)
    make_sales_line(world["other"], order_no="THEIRS", order_date=LAST_MONTH)
    _token, plain = api_tokens.create_token(actor=world["admin_user"], name="ERP")
    response = _api(app, plain, query_string={"period": LAST_MONTH.strftime("%Y-%m")})
    assert [line["order_no"] for line in response.json["lines"]] == ["MINE"]
    assert _api(app, plain).status_code == 400


def test_token_is_shown_once_and_stored_hashed(client, login, db, world):
    login(world["admin_user"])
    page = client.post("/orders/tokens", data={"name": "用友 U8"}).get_data(as_text=True)
    shown = page.split("<pre><code>")[1].split("</code>")[0]
    assert shown.startswith("qd_")
    assert shown not in client.get("/orders/tokens").get_data(as_text=True)
    from orders.models import ApiToken

    token = db.session.scalars(select(ApiToken)).one()
    assert token.token_hash != shown and shown not in token.token_hash


def test_partner_declares_a_month_without_sales_and_the_late_flag(app, client, login, db, world, monkeypatch):
    login(world["admin_user"])
    world["partner"].joined_on = world["partner"].joined_on.replace(year=2025)
    db.session.flush()
    month = LAST_MONTH.strftime("%Y-%m")
    assert "Due" in client.get("/").get_data(as_text=True) or "Overdue" in client.get("/").get_data(as_text=True)
    response = client.post(f"/orders/periods/{month}/declare", data={"no_sales": "1"})
    assert response.status_code == 303
    again = client.post(f"/orders/periods/{month}/declare", data={"no_sales": "1"})
    assert again.status_code == 303
    reports = db.session.scalars(select(PeriodReport)).all()
    assert len(reports) == 1 and reports[0].period == LAST_MONTH
    older = add_months(LAST_MONTH, -3)
    client.post(f"/orders/periods/{older.strftime('%Y-%m')}/declare", data={"no_sales": "1"})
    late = db.session.scalars(select(PeriodReport).where(PeriodReport.period == older)).one()
    assert late.is_late


def test_a_month_with_lines_cannot_be_declared_without_sales(client, login, db, world):
    make_sales_line(world["partner"], order_date=LAST_MONTH.replace(day=3))
    login(world["admin_user"])
    page = client.post(
        f"/orders/periods/{LAST_MONTH.strftime('%Y-%m')}/declare", data={"no_sales": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "cannot be declared without sales" in page


def test_customers_are_masked_in_lists_and_erasable(client, login, db, world):
    line = make_sales_line(world["partner"], customer_code="C-9")
    customer = line.customer
    customer.contact_person, customer.phone, customer.email = "张三丰", "13812345678", "zhang@example.com"
    db.session.flush()
    login(world["admin_user"])
    page = client.get("/orders/customers").get_data(as_text=True)
    assert "13812345678" not in page and "138****5678" in page and "张**" in page
    export = client.get(f"/orders/customers/{customer.id}/personal-data")
    assert export.json["phone"] == "13812345678"
    assert client.post(f"/orders/customers/{customer.id}/erase", data={"reason": ""}).status_code == 303
    db.session.refresh(customer)
    assert customer.phone == "13812345678"  # no reason, no erasure
    client.post(f"/orders/customers/{customer.id}/erase", data={"reason": "张三丰 asked on 2026-11-20"})
    db.session.refresh(customer)
    assert customer.phone is None and customer.contact_person is None and just_now(customer.erased_at)
    assert db.session.scalars(select(SalesLine).where(SalesLine.customer_id == customer.id)).one()


def test_the_submissions_export_adds_up_to_the_lines_after_a_re_send(client, login, db, world):
    login(world["admin_user"])
    for quantity in ("2", "3", "4"):  # the same line sent three times
        client.post(
            "/orders/report",
            data={
                "order_no": "SO-9",
                "order_date": DAY,
                "customer_code": "C-1",
                "customer_name": "宏达机电",
                "sku-1": "DRILL-18V",
                "quantity-1": quantity,
                "unit_price-1": "899.5",
                "discount-1": "",
            },
        )
    export = client.get("/orders/submissions?format=csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    header, *rows = [row.split(",") for row in export]
    amounts = [Decimal(row[header.index("net_amount")]) for row in rows]
    assert sum(amounts) == Decimal("3598.00") and sorted(amounts) == [0, 0, Decimal("3598.00")]
    assert sorted(int(row[header.index("lines_superseded")]) for row in rows) == [0, 1, 1]
    first_id = min(int(row[0]) for row in rows)
    page = client.get(f"/orders/submissions/{first_id}").get_data(as_text=True)
    assert "Holds now" in page and "Revert this submission" not in page


def test_export_escapes_formulas(client, login, db, world):
    make_sales_line(world["partner"], customer_code="=HYPERLINK(1)")
    login(world["admin_user"])
    body = client.get("/orders/customers?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in body


@pytest.mark.parametrize("url", ["/orders/lines", "/orders/customers", "/orders/submissions", "/orders/deals"])
def test_every_list_exports_csv_and_xlsx(client, login, db, world, url):
    from openpyxl import load_workbook

    make_sales_line(world["partner"])
    login(world["admin_user"])
    csv_response = client.get(f"{url}?format=csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    assert csv_response.data.startswith("\ufeff".encode())  # Excel opens UTF-8 Chinese right
    xlsx = client.get(f"{url}?format=xlsx")
    assert load_workbook(io.BytesIO(xlsx.data)).worksheets[0].max_row >= 1


def _many_lines(partner, count: int, clerk) -> None:
    from orders.intake import ReportingRules, record_sales_lines
    from orders.models import SubmissionSource

    rows = [
        (
            n + 2,
            {
                "order_no": f"SO-{n // 5}",
                "line_no": str(n % 5 + 1),
                "order_date": DAY,
                "customer_code": "C-1",
                "customer_name": "宏达机电",
                "sku": "CABLE-M",
                "quantity": "1",
                "unit_price": "3.1416",
            },
        )
        for n in range(count)
    ]
    rules = ReportingRules(today=date.today(), open_months=12, may_report_closed_periods=False)
    with tenancy.every_partner(reason="test set-up"):
        assert record_sales_lines(
            lambda: iter(rows), actor=clerk, source=SubmissionSource.UPLOAD, filename="x.csv", rules=rules
        ).ok


def test_brand_staff_page_through_every_line_and_filter_by_partner_and_region(client, login, db, world):
    """The brand's sales lines once showed only the newest 500, without a partner column or filter."""
    import re

    german = make_partner(code="P-DE-9", region="DE-BY")
    _many_lines(world["partner"], 230, world["clerk"])
    _many_lines(german, 20, make_user(german, role=Role.PARTNER_USER))
    login(make_user(role=Role.ADMIN))

    def rows(page):
        return re.findall(r'<tr(?: class="return")?><td translate="no"><a href="/partners/\d+">([^<]+)</a>', page)

    first = client.get("/orders/lines").get_data(as_text=True)
    assert "250 lines" in first and "785.40" in first and "Page 1 of 3" in first  # 250 × 3.1416
    assert len(rows(first)) == 100
    last = client.get("/orders/lines?page=3").get_data(as_text=True)
    assert len(rows(last)) == 50 and "lines 201–250" in last
    assert len(rows(client.get("/orders/lines?page=99").get_data(as_text=True))) == 50  # past the end: the last
    german_only = client.get("/orders/lines?q=p-de-9").get_data(as_text=True)
    assert set(rows(german_only)) == {"P-DE-9"} and "20 lines" in german_only
    bavaria = client.get("/orders/lines?region=DE").get_data(as_text=True)
    assert set(rows(bavaria)) == {"P-DE-9"}
    export = client.get("/orders/lines?region=CN-GD&format=csv").get_data(as_text=True)
    assert len(export.strip().splitlines()) == 231  # the export is never cut into pages


def test_a_partner_sees_its_own_lines_without_a_partner_column(client, login, db, world):
    _many_lines(world["partner"], 3, world["clerk"])
    login(world["clerk"])
    page = client.get("/orders/lines?q=P-B").get_data(as_text=True)
    assert "3 lines" in page and 'name="q"' not in page and 'name="region"' not in page
    assert "<th>Partner</th>" not in page and "<th>Region</th>" not in page


def test_a_partners_own_lists_leave_out_the_partner_and_times_say_their_zone(client, login, db, world):
    """A partner's lists once repeated its own code on every row, pushing the figures off a phone; times were
    ambiguous ("11/2/25, 8:13 PM") for partners in other time zones."""
    _many_lines(world["partner"], 2, world["clerk"])
    login(world["clerk"])
    for url in ("/orders/submissions", "/orders/customers", "/orders/deals"):
        assert "<th>Partner</th>" not in client.get(url).get_data(as_text=True), url
    submissions = client.get("/orders/submissions").get_data(as_text=True)
    assert "GMT+08:00" in submissions
    assert "No customer matches." in client.get("/orders/customers?q=zzz").get_data(as_text=True)
    login(make_user(role=Role.ADMIN))
    for url in ("/orders/submissions", "/orders/customers", "/orders/deals"):
        assert "<th>Partner</th>" in client.get(url).get_data(as_text=True), url
