"""Many users at once: parallel deliveries for one partner, on a database committed for real (as in production,
where each request has its own connection), through the upload page with CSRF on."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from orders import rollup
from orders.models import SalesLine, Submission
from portal import tenancy
from portal.calendar import add_months, month_start
from portal.extensions import db
from portal.security import Role
from tests.builders import make_partner, make_product, make_user
from tests.conftest import session_of
from tests.hardening.conftest import at_once, csrf_token_of

DAY = add_months(month_start(date.today()), -1).replace(day=10)
FILES, LINES, OVERLAP = 20, 200, 100


def _file(index: int) -> bytes:
    """Lines index*OVERLAP … index*OVERLAP+LINES-1; each file gives its lines its own quantity."""
    header = "order_no,line_no,order_date,customer_code,customer_name,sku,quantity,unit_price\n"
    rows = "".join(
        f"SO-{n // 10:05d},{n % 10 + 1},{DAY.isoformat()},C-{n % 7},Customer {n % 7},DRILL,{index + 1},10\n"
        for n in range(index * OVERLAP, index * OVERLAP + LINES)
    )
    return (header + rows).encode()


def _client_of(app, cookie: dict):
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(cookie)
    return client, csrf_token_of(client.get("/orders/upload").get_data(as_text=True))


def _upload(client, token: str, index: int):
    """File `index` posted through the upload page, ready to send at once with others."""
    boundary, body = encode_multipart(
        {
            "csrf_token": token,
            "file": FileStorage(io.BytesIO(_file(index)), filename=f"sales-{index}.csv", content_type="text/csv"),
        }
    )
    return lambda: client.post("/orders/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_twenty_parallel_overlapping_uploads_for_one_partner_all_land_exactly(committed):
    with committed.app_context(), tenancy.every_partner(reason="test data, committed for the requests to see"):
        partner = make_partner()
        make_product("DRILL", price="10")
        users = [make_user(partner, role=Role.PARTNER_USER) for _ in range(FILES)]
        partner_id, session_ids = partner.id, [session_of(user) for user in users]
        db.session.commit()
        db.session.remove()
    clients = [_client_of(committed, session_id) for session_id in session_ids]

    def send(index: int):
        return _upload(*clients[index], index)

    answers = dict(enumerate((r.status_code, r.get_data(as_text=True)) for r in at_once(*map(send, range(FILES)))))

    # The writes wait their turn, so every delivery is accepted: none answers 500, nor "send it again".
    assert {index: status for index, (status, _page) in answers.items()} == dict.fromkeys(range(FILES), 303), {
        index: page[:1000] for index, (status, page) in answers.items() if status != 303
    }
    accepted = set(range(FILES))

    with committed.app_context(), tenancy.every_partner(reason="checking what was written"):
        lines = db.session.execute(
            select(SalesLine.order_no, SalesLine.line_no, SalesLine.quantity, Submission.filename)
            .join(Submission, SalesLine.submission_id == Submission.id)
            .where(SalesLine.partner_id == partner_id)
        ).all()
        submitted = set(db.session.scalars(select(Submission.filename).where(Submission.partner_id == partner_id)))
        expected_keys = {
            (f"SO-{n // 10:05d}", n % 10 + 1)
            for index in accepted
            for n in range(index * OVERLAP, index * OVERLAP + LINES)
        }
        assert submitted == {f"sales-{index}.csv" for index in accepted}
        assert len(lines) == len(expected_keys) == len({(order, line) for order, line, _q, _f in lines})
        assert {(order, line) for order, line, _q, _f in lines} == expected_keys
        for _order, _line, quantity, filename in lines:  # every line holds the values of the file that wrote it
            assert quantity == int(filename.removeprefix("sales-").removesuffix(".csv")) + 1
        assert rollup.stored() == rollup.fresh_aggregate()
        assert rollup.stored_customers() == rollup.fresh_customer_aggregate()
        assert db.session.scalar(select(func.count()).select_from(SalesLine)) == len(expected_keys)


def _locked(*_args, **_kwargs):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    raise OperationalError("INSERT INTO sales_lines …", {}, sqlite3.OperationalError("database is locked"))


def test_when_the_wait_for_the_write_lock_runs_out_the_page_says_busy_and_saved_nothing(
    app, client, db, login, every_partner, monkeypatch
):
    from orders import intake

    login(make_user(make_partner(), role=Role.PARTNER_USER))
    monkeypatch.setattr(intake, "record_sales_lines", _locked)
    monkeypatch.setitem(app.config, "PROPAGATE_TEST_ERRORS", False)
    response = client.post("/orders/report", data={"order_no": "SO-1"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Nothing was saved; send it again in a moment." in response.get_data(as_text=True)


def test_when_the_wait_runs_out_the_api_answers_503_in_json(app, db, every_partner, monkeypatch):
    import json

    from orders import api_tokens, intake

    _token, plain = api_tokens.create_token(actor=make_user(make_partner(), role=Role.PARTNER_ADMIN), name="ERP")
    monkeypatch.setattr(intake, "record_sales_lines", _locked)
    monkeypatch.setitem(app.config, "PROPAGATE_TEST_ERRORS", False)
    response = app.test_client().post(
        "/api/v1/sales-lines",
        data=json.dumps({"lines": [{"order_no": "SO-1"}]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.mimetype == "application/json" and "busy" in response.json["error"]


def test_survey_answers_at_once_are_all_counted_and_one_link_answers_once(committed):
    """Ten people answer one survey at the same moment (one tally row: same partner, same month), and one of them
    sends the form five times at once: ten responses, the tallies equal to a count of the responses."""
    from service import survey_results, surveys
    from service.models import SurveyResponse
    from tests.builders import make_invitation, make_survey

    with committed.app_context(), tenancy.every_partner(reason="test data, committed for the requests to see"):
        partner = make_partner()
        survey = make_survey(kinds=("nps",))
        question = survey.questions[0].id
        paths = [
            f"/service/surveys/{survey.id}/answer/{surveys.token_for(make_invitation(survey, make_user(partner)))}"
            for _ in range(10)
        ]
        db.session.commit()
        db.session.remove()

    def answer(path: str):
        client = committed.test_client()
        token = csrf_token_of(client.get(path).get_data(as_text=True))
        return lambda: client.post(path, data={"csrf_token": token, f"q{question}": "9"}).status_code

    statuses = at_once(*[answer(path) for path in paths], *[answer(paths[0]) for _ in range(5)])
    assert sorted(statuses).count(200) == 10 and all(status in (200, 409) for status in statuses)
    with committed.app_context(), tenancy.every_partner(reason="checking the outcome"):
        assert db.session.scalar(select(func.count(SurveyResponse.id))) == 10
        assert survey_results.stored_tallies() == survey_results.fresh_tallies()
        assert survey_results.stored_answer_tallies() == survey_results.fresh_answer_tallies()


def test_products_moved_to_another_line_while_deliveries_are_written_leave_the_line_roll_up_exact(committed):
    """A delivery counts its lines in its products' lines; a product moved meanwhile moves the sums it finds. On
    PostgreSQL the two could pass each other and leave a line's sums in the old line for good, so a delivery holds
    its products' lines (rollup.hold_products). Files this small rarely meet the window: this guards the whole, not
    that one interleaving."""
    from orders.catalog import ProductFields, save_product
    from orders.models import Product
    from tests.builders import make_product_line

    with committed.app_context(), tenancy.every_partner(reason="test data, committed for the requests to see"):
        partner = make_partner()
        make_product("DRILL", price="10")
        lines = [make_product_line(), make_product_line()]
        users = [make_user(partner, role=Role.PARTNER_USER) for _ in range(6)]
        admin = make_user(role=Role.ADMIN)
        session_ids, admin_id, line_ids = [session_of(user) for user in users], admin.id, [line.id for line in lines]
        db.session.commit()
        db.session.remove()
    clients = [_client_of(committed, session_id) for session_id in session_ids]

    def send(index: int):
        return _upload(*clients[index], index)

    def move(to: int):
        def moved():
            from portal.auth.models import User
            from portal.database import writing

            with committed.app_context(), writing():  # as the admin's POST: SQLite's write lock taken up front
                with tenancy.every_partner(reason="the admin's page decides its scope"):
                    actor = db.session.get(User, admin_id)
                tenancy.set_scope(db.session(), actor)  # as the login gate does for the admin's request
                product = db.session.scalars(select(Product).where(Product.sku == "DRILL")).one()
                line = db.session.get(type(product.product_line), line_ids[to])
                fields = ProductFields(product.sku, product.name_en, product.name_zh, line, "pcs", product.list_price)
                save_product(fields, actor=actor, product=product)
                db.session.commit()
                db.session.remove()

        return moved

    at_once(*map(send, range(6)), *(move(n % 2) for n in range(6)))
    with committed.app_context(), tenancy.every_partner(reason="checking what was written"):
        assert db.session.scalar(select(func.count()).select_from(SalesLine)) > 0
        assert rollup.stored_lines() == rollup.fresh_line_aggregate()
        assert rollup.stored_products() == rollup.fresh_product_aggregate()
