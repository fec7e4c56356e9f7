"""Benchmark (issue 13) on one database: 2,000 partners, 100,000 support cases over 24 months and one partner
survey with 250,000 invitations and 200,000 responses (three answers each), then the case queue and the survey's
results under concurrent load (gunicorn, 2 workers, 4 clients on 127.0.0.1), as the brand's admin sees them (every
partner). `make bench` runs it on SQLite and on a throwaway PostgreSQL; speed is measured here, never in tests."""

from __future__ import annotations

import random
import secrets
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from scorecards import ADMIN_EMAIL, PASSWORD, TYPES, bench_arguments, bench_database, load_pages, serving

CATEGORIES = ["product_quality", "delivery", "pricing_policy", "ordering_reporting", "technical", "training", "other"]
PRIORITIES = ["low", "normal", "normal", "high", "urgent"]
STATUSES = ["closed"] * 6 + ["resolved"] * 2 + ["in_progress", "waiting", "new"]


def _insert(table, rows: list[dict], batch: int = 20_000) -> None:
    from portal.extensions import db

    for start in range(0, len(rows), batch):
        db.session.execute(table.insert(), rows[start : start + batch])


def build(partners: int, cases: int, responses: int) -> int:
    """Fill the migrated database; returns the survey's id."""
    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from partners.models import Partner, Region
    from partners.regions import load_regions, region_by_code
    from portal import tenancy
    from portal.auth.models import User
    from portal.auth.services import hash_password
    from portal.calendar import month_start
    from portal.extensions import db
    from portal.security import Role
    from service.models import (
        SupportCase,
        Survey,
        SurveyAnswer,
        SurveyAnswerTally,
        SurveyInvitation,
        SurveyQuestion,
        SurveyResponse,
        SurveyTally,
    )
    from service.surveys import local_month, response_counts

    upgrade()
    rng = random.Random(13)
    now = datetime.now(UTC)
    with tenancy.every_partner(reason="benchmark data"):
        load_regions()
        provinces = list(db.session.scalars(select(Region).where(Region.parent_id == region_by_code("CN").id)))
        db.session.add(User(email=ADMIN_EMAIL, name="Bench", role=Role.ADMIN, password_hash=hash_password(PASSWORD)))
        joined = datetime(2020, 1, 1, tzinfo=UTC)
        _insert(
            Partner.__table__,
            [
                {
                    "code": f"P-B-{n:04d}",
                    "legal_name": f"Bench Partner {n}",
                    "name_key": f"bench partner {n}",
                    "partner_type": TYPES[n % 4],
                    "tier": ["registered", "silver", "gold", "platinum"][n % 4],
                    "status": "active",
                    "region_id": provinces[n % len(provinces)].id,
                    "created_at": joined,
                    "updated_at": joined,
                    "version_id": 1,
                }
                for n in range(partners)
            ],
        )
        partner_ids = list(db.session.scalars(select(Partner.id).order_by(Partner.id)))
        _insert(
            User.__table__,
            [
                {
                    "email": f"user{pid}@bench.example",
                    "name": f"User {pid}",
                    "role": "partner_user",
                    "partner_id": pid,
                    "is_active": True,
                    "created_at": joined,
                    "updated_at": joined,
                }
                for pid in partner_ids
            ],
        )
        requester = dict(db.session.execute(select(User.partner_id, User.id).where(User.partner_id.is_not(None))).all())
        rows = []
        for n in range(cases):
            opened = now - timedelta(days=rng.uniform(0, 730))
            # Older cases are closed but for a few left open; the last month's are in every state.
            if opened < now - timedelta(days=30):
                status = "closed" if rng.random() < 0.97 else rng.choice(STATUSES[8:])
            else:
                status = rng.choice(STATUSES)
            pid = rng.choice(partner_ids)
            answered = opened + timedelta(hours=rng.uniform(1, 60))
            rows.append(
                {
                    "partner_id": pid,
                    "requester_id": requester[pid],
                    "category": rng.choice(CATEGORIES),
                    "priority": rng.choice(PRIORITIES),
                    "status": status,
                    "subject": f"Case {n}",
                    "description": "Three of ten drills arrived with cracked housings.",
                    "response_due_at": opened + timedelta(days=2),
                    "response_warn_at": opened + timedelta(days=1.5),
                    "first_response_at": answered if status != "new" else None,
                    "resolution_due_at": opened + timedelta(days=10),
                    "resolution_warn_at": opened + timedelta(days=7.5),
                    "resolved_at": answered + timedelta(days=2) if status in ("resolved", "closed") else None,
                    "closed_at": answered + timedelta(days=16) if status == "closed" else None,
                    "reopened_count": 0,
                    "version_id": 1,
                    "created_at": opened,
                    "updated_at": opened,
                }
            )
        _insert(SupportCase.__table__, rows)
        sent = now - timedelta(days=300)
        survey = Survey(
            title_en="Partner satisfaction",
            title_zh="伙伴满意度",
            audience="partner_users",
            status="open",
            valid_days=365,
            opened_at=sent,
            questions=[
                SurveyQuestion(position=1, kind="nps", text_en="Recommend us?", text_zh="推荐？"),
                SurveyQuestion(position=2, kind="csat", text_en="Satisfied?", text_zh="满意？"),
                SurveyQuestion(
                    position=3,
                    kind="single",
                    text_en="What matters most?",
                    text_zh="最看重？",
                    choices=[{"en": "Price", "zh": "价格"}, {"en": "Service", "zh": "服务"}],
                ),
            ],
        )
        db.session.add(survey)
        db.session.flush()
        nps_q, csat_q, single_q = (q.id for q in survey.questions)
        invited = responses * 5 // 4
        invitations = [
            {
                "survey_id": survey.id,
                "partner_id": partner_ids[n % len(partner_ids)],
                "nonce": secrets.token_urlsafe(18),
                "sent_at": sent,
                "expires_at": sent + timedelta(days=365),
                "answered_at": sent + timedelta(days=1 + n * 290 / responses) if n < responses else None,
            }
            for n in range(invited)
        ]
        _insert(SurveyInvitation.__table__, invitations)
        ids = list(
            db.session.execute(
                select(SurveyInvitation.id, SurveyInvitation.partner_id, SurveyInvitation.answered_at)
                .where(SurveyInvitation.answered_at.is_not(None))
                .order_by(SurveyInvitation.id)
            )
        )
        response_rows, scores = [], []
        for invitation_id, pid, answered in ids:
            nps, csat = rng.choice(range(11)), rng.choice(range(1, 6))
            response_rows.append(
                {
                    "survey_id": survey.id,
                    "partner_id": pid,
                    "invitation_id": invitation_id,
                    "submitted_at": answered,
                    "month": month_start(answered.date()),
                    "nps": nps,
                    "csat": csat,
                }
            )
            scores.append((pid, nps, csat))
        _insert(SurveyResponse.__table__, response_rows)
        response_ids = list(db.session.scalars(select(SurveyResponse.id).order_by(SurveyResponse.id)))
        answers = []
        for response_id, (pid, nps, csat) in zip(response_ids, scores, strict=True):
            for question_id, score, choices in ((nps_q, nps, None), (csat_q, csat, None), (single_q, None, [nps % 2])):
                answers.append(
                    {
                        "response_id": response_id,
                        "question_id": question_id,
                        "partner_id": pid,
                        "score": score,
                        "choices": choices,
                        "text": None,
                    }
                )
        _insert(SurveyAnswer.__table__, answers)
        # The tallies the portal keeps with every invitation and answer, worked out here for the bulk load.
        tallies: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(SurveyTally.COUNTS))
        for row in invitations:
            tallies[(row["partner_id"], local_month(row["sent_at"]))][0] += 1
        for row in response_rows:
            counts = response_counts(row["nps"], row["csat"])
            tally_row = tallies[(row["partner_id"], row["month"])]
            for index, name in enumerate(SurveyTally.COUNTS[1:], start=1):
                tally_row[index] += counts[name]
        _insert(
            SurveyTally.__table__,
            [
                {
                    "survey_id": survey.id,
                    "partner_id": pid,
                    "month": month,
                    **dict(zip(SurveyTally.COUNTS, values, strict=True)),
                }
                for (pid, month), values in tallies.items()
            ],
        )
        answer_tallies: Counter[tuple[int, int, int]] = Counter()
        for row in answers:
            answer_tallies[(row["question_id"], row["partner_id"], SurveyAnswerTally.ANSWERED)] += 1
            for value in [row["score"]] if row["score"] is not None else row["choices"]:
                answer_tallies[(row["question_id"], row["partner_id"], value)] += 1
        _insert(
            SurveyAnswerTally.__table__,
            [
                {"question_id": q, "partner_id": pid, "value": value, "count": n}
                for (q, pid, value), n in answer_tallies.items()
            ],
        )
        db.session.commit()
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    print(
        f"  data: {partners:,} partners, {cases:,} cases, {invited:,} invitations, {len(response_rows):,} responses "
        f"({len(answers):,} answers)",
        flush=True,
    )
    return survey.id


def main() -> None:
    parser = bench_arguments(__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--responses", type=int, default=200_000)
    args = parser.parse_args()
    with bench_database(args, "cases and surveys") as bench:
        started = time.perf_counter()
        with bench.app.app_context():
            survey_id = 1 if bench.reuse else build(args.partners, args.cases, args.responses)
        print(f"  set-up: {time.perf_counter() - started:.0f} s", flush=True)
        with serving(bench.url, bench.instance) as base:
            load_pages(
                base,
                {
                    "case queue (open cases, by due time)": "/service/cases",
                    "case queue (all cases, breached first)": "/service/cases?status=all&sla=breached",
                    "survey results (by partner type)": f"/service/surveys/{survey_id}/results",
                    "survey results (by partner)": f"/service/surveys/{survey_id}/results?by=partner",
                },
                users=args.users,
                requests=args.requests,
            )


if __name__ == "__main__":
    main()
