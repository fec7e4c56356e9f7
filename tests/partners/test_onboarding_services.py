"""Applications, their review, the agreement and the checklist, without HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from partners import onboarding
from partners.models import ApplicationStatus, OnboardingStep, PartnerStatus, PartnerTier, PartnerType
from partners.regions import region_by_code
from portal.auth.models import User
from portal.auth.services import invite_user
from portal.mail import OutboxMessage
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import just_now, make_agreement, make_application, make_partner, make_product_line, make_user


@pytest.fixture()
def admin(db, every_partner):
    return make_user(role=Role.ADMIN)


def fields(**overrides) -> onboarding.ApplicationFields:
    values = dict(
        legal_name="广州南方五金贸易有限公司",
        partner_type=PartnerType.DISTRIBUTOR,
        registration_number="91440101MA59UXJ41U",
        region=region_by_code("CN-440100"),
        city_text="",
        product_lines=[],
        regions_applied=[region_by_code("CN-GD")],
        contact_name="刘洋",
        contact_email="Liu.Yang@nanfang.example",
        contact_phone="+86 20 8888 0000",
        locale="zh_Hans_CN",
    )
    values.update(overrides)
    return onboarding.ApplicationFields(**values)


def _mail_to(db, address):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == address).order_by(OutboxMessage.id)
    ).all()


def test_application_is_stored_and_acknowledged(db, admin):
    result = onboarding.submit_application(fields(product_lines=[make_product_line("PWR")]))
    application = result.application
    assert not result.already_received
    assert application.status is ApplicationStatus.SUBMITTED and application.duplicate_note is None
    assert application.contact_email == "liu.yang@nanfang.example"
    assert application.privacy_notice_version == onboarding.PRIVACY_NOTICE_VERSION
    assert [r.code for r in application.regions_applied] == ["CN-GD"]
    assert len(_mail_to(db, "liu.yang@nanfang.example")) == 1


def test_wrong_check_character_is_refused_next_to_the_field(admin):
    with pytest.raises(RuleViolation) as error:
        onboarding.submit_application(fields(registration_number="91440101MA59UXJ41D"))
    assert error.value.field == "registration_number" and "last character" in str(error.value.message)


def test_chinese_company_must_give_a_credit_code_but_others_write_free_text(admin):
    with pytest.raises(RuleViolation):
        onboarding.submit_application(fields(registration_number=""))
    result = onboarding.submit_application(
        fields(legal_name="Evergreen Supply LLC", region=region_by_code("US-WA"), registration_number="EIN 12-3456789")
    )
    assert result.application.registration_number == "EIN 12-3456789"


def test_the_same_application_twice_in_a_row_is_stored_once(db, admin):
    first = onboarding.submit_application(fields())
    again = onboarding.submit_application(fields(legal_name="广州南方五金贸易有限公司 "))
    assert again.already_received and again.application is first.application
    assert len(_mail_to(db, "liu.yang@nanfang.example")) == 1


def test_an_existing_partner_applying_is_flagged(admin):
    make_partner(name="深圳华南电子分销有限公司", code="P-GD-7")
    result = onboarding.submit_application(
        fields(
            legal_name="深圳华南电子分销股份有限公司",
            registration_number="9144030071526726XG",
            contact_email="other@example.com",
        )
    )
    assert result.application.duplicate_note.startswith("P-GD-7 ")  # no English word on a Chinese page


def test_same_registration_number_as_another_application_is_flagged(admin):
    earlier = make_application(name="Old Name Co", registration_number="91440101MA59UXJ41U")
    result = onboarding.submit_application(fields())
    assert result.application.duplicate_note.startswith(f"#{earlier.id} ")  # data, in no language


def test_a_rejected_application_does_not_flag_a_new_one(admin):
    make_application(name="广州南方五金贸易有限公司", status=ApplicationStatus.REJECTED)
    assert onboarding.submit_application(fields()).application.duplicate_note is None


def test_approval_creates_the_partner_and_invites_the_contact(db, admin):
    application = onboarding.submit_application(fields(product_lines=[make_product_line()])).application
    partner = onboarding.approve_application(application, actor=admin)
    assert partner.code.startswith("P-CN-") and partner.tier is PartnerTier.REGISTERED
    assert partner.status is PartnerStatus.ACTIVE and partner.registration_number == "91440101MA59UXJ41U"
    assert partner.product_lines == application.product_lines
    assert application.status is ApplicationStatus.APPROVED and application.partner is partner
    assert just_now(application.approved_at)
    contact = db.session.scalars(select(User).where(User.email == "liu.yang@nanfang.example")).one()
    assert contact.role is Role.PARTNER_ADMIN and contact.partner is partner and contact.locale == "zh_Hans_CN"
    bodies = " ".join(m.body for m in _mail_to(db, "liu.yang@nanfang.example"))
    assert "/invitation/" in bodies and partner.code in bodies


def test_partner_codes_count_up_per_country(admin):
    make_partner(code="P-CN-0041")
    assert onboarding.next_partner_code(region_by_code("CN-440100")) == "P-CN-0042"
    assert onboarding.next_partner_code(region_by_code("US-WA")) == "P-US-0001"


def test_decided_application_cannot_be_decided_again(admin):
    application = make_application()
    onboarding.reject_application(application, actor=admin, reason="Outside our regions")
    with pytest.raises(RuleViolation):
        onboarding.approve_application(application, actor=admin)


def test_rejection_needs_a_reason_and_is_mailed(db, admin):
    application = make_application(email="a@applicant.example")
    with pytest.raises(RuleViolation):
        onboarding.reject_application(application, actor=admin, reason=" ")
    onboarding.reject_application(application, actor=admin, reason="区域已覆盖")
    assert application.status is ApplicationStatus.REJECTED
    assert "区域已覆盖" in _mail_to(db, "a@applicant.example")[-1].body


def test_asking_for_information_mails_a_link_that_updates_the_application(db, admin):
    application = make_application(email="b@applicant.example", name="Vague Co")
    onboarding.request_information(application, actor=admin, question="Which provinces?")
    assert application.status is ApplicationStatus.INFO_REQUESTED
    token = onboarding.application_token(application)
    assert token in _mail_to(db, "b@applicant.example")[-1].body
    assert onboarding.application_for_token(token) is application
    onboarding.resubmit_application(application, fields(legal_name="Vague Co", contact_email="b@applicant.example"))
    assert application.status is ApplicationStatus.SUBMITTED
    with pytest.raises(RuleViolation):
        onboarding.application_for_token(token)  # answered: the link is spent
    with pytest.raises(RuleViolation):
        onboarding.application_for_token("forged")


def test_only_admins_review(db, every_partner):
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN",))
    with pytest.raises(PermissionDenied):
        onboarding.approve_application(make_application(), actor=manager)


def test_approval_refuses_a_contact_who_has_an_account(admin):
    make_user(email="taken@example.com")
    application = make_application(email="taken@example.com")
    with pytest.raises(RuleViolation, match="account already"):
        onboarding.approve_application(application, actor=admin)
    assert application.status is ApplicationStatus.SUBMITTED


def test_checklist_ticks_itself(db, admin):
    partner = make_partner(region="CN-GD")
    partner_admin = make_user(partner, role=Role.PARTNER_ADMIN)
    assert [item.done for item in onboarding.checklist(partner)] == [False] * 5

    agreement = make_agreement()
    acceptance = onboarding.accept_agreement(partner, agreement, user=partner_admin, ip_address="203.0.113.9")
    assert (acceptance.user, acceptance.ip_address, acceptance.agreement.version) == (
        partner_admin,
        "203.0.113.9",
        agreement.version,
    )
    assert onboarding.accept_agreement(partner, agreement, user=partner_admin, ip_address=None) is acceptance

    onboarding.update_profile(
        partner,
        onboarding.ProfileFields(
            registration_number="9144030071526726XG",
            address="深圳市南山区",
            phone="0755-1",
            website="",
            description="",
            product_lines=[make_product_line()],
        ),
        actor=partner_admin,
    )
    invite_user(
        actor=partner_admin, email="colleague@example.com", name="同事", role=Role.PARTNER_USER, partner=partner
    )
    onboarding.record_milestone(partner.id, OnboardingStep.SALES_REPORT)
    done = {item.step: item.done for item in onboarding.checklist(partner)}
    assert done == {
        OnboardingStep.AGREEMENT: True,
        OnboardingStep.PROFILE: True,
        OnboardingStep.COLLEAGUE: True,
        OnboardingStep.TRAINING: False,
        OnboardingStep.SALES_REPORT: True,
    }


def test_an_incomplete_profile_does_not_tick(admin):
    partner = make_partner(region="US-WA")
    onboarding.update_profile(
        partner,
        onboarding.ProfileFields(
            registration_number="", address="1 Main St", phone="", website="", description="", product_lines=[]
        ),
        actor=admin,
    )
    assert not onboarding.checklist(partner)[1].done


def test_an_admin_inviting_the_contact_is_not_a_colleague_invitation(admin):
    partner = make_partner()
    invite_user(actor=admin, email="first@example.com", name="First", role=Role.PARTNER_ADMIN, partner=partner)
    assert not onboarding.checklist(partner)[2].done


def test_a_milestone_is_kept_from_its_first_time(admin):
    partner = make_partner()
    assert onboarding.record_milestone(partner.id, OnboardingStep.FIRST_LOGIN)
    first = onboarding.checklist(partner)
    assert not onboarding.record_milestone(partner.id, OnboardingStep.FIRST_LOGIN)
    assert onboarding.checklist(partner) == first


def test_only_the_partners_admin_accepts_the_agreement(admin):
    partner = make_partner()
    own_admin, other_admin = (
        make_user(partner, role=Role.PARTNER_ADMIN),
        make_user(make_partner(), role=Role.PARTNER_ADMIN),
    )
    assert onboarding.may_accept_agreement(own_admin, partner)
    assert not onboarding.may_accept_agreement(other_admin, partner)
    assert not onboarding.may_accept_agreement(make_user(partner, role=Role.PARTNER_USER), partner)
    with pytest.raises(PermissionDenied):
        onboarding.accept_agreement(
            partner, make_agreement(), user=make_user(partner, role=Role.PARTNER_USER), ip_address=None
        )


def test_onboarding_metrics_by_month_worked_by_hand(db, admin):
    from partners.metrics import onboarding_by_month

    partner_a, partner_b = make_partner(), make_partner()
    now = make_application().created_at
    # Two applications approved in the same month: 2 and 6 days to approval (median 4),
    # first logins 1 and 3 days after approval (median 2); one first report 10 days after.
    for partner, wait, login_after in ((partner_a, 2, 1), (partner_b, 6, 3)):
        application = make_application(partner=partner, status=ApplicationStatus.APPROVED)
        application.created_at = now - timedelta(days=wait)
        application.approved_at = now
        onboarding.record_milestone(partner.id, OnboardingStep.FIRST_LOGIN, at=now + timedelta(days=login_after))
    onboarding.record_milestone(partner_a.id, OnboardingStep.SALES_REPORT, at=now + timedelta(days=10))
    db.session.flush()
    month = onboarding_by_month()[0]
    assert month.approved == 2
    assert (month.days_to_approval, month.days_to_first_login, month.days_to_first_report) == (4.0, 2.0, 10.0)


def test_a_first_report_dated_before_the_approval_is_not_a_negative_wait(db, admin):
    """The admin home once showed "approval → first report −11.4 days" (history loaded before approval)."""
    from partners.metrics import onboarding_by_month

    partner = make_partner()
    application = make_application(partner=partner, status=ApplicationStatus.APPROVED)
    application.approved_at = application.created_at + timedelta(days=3)
    onboarding.record_milestone(
        partner.id, OnboardingStep.SALES_REPORT, at=application.approved_at - timedelta(days=11)
    )
    db.session.flush()
    month = onboarding_by_month()[0]
    assert month.approved == 1 and month.days_to_first_report is None


def test_the_demo_onboarding_figures_are_never_negative(db, every_partner):
    from orders.demo import seed_demo as seed_orders
    from partners.demo import seed_demo as seed_partners
    from partners.metrics import onboarding_by_month
    from partners.models import OnboardingMilestone, PartnerApplication

    seed_partners()
    seed_orders()
    approved = {a.partner_id: a.approved_at for a in db.session.scalars(select(PartnerApplication)) if a.approved_at}
    for milestone in db.session.scalars(select(OnboardingMilestone)):
        if milestone.partner_id in approved:
            assert milestone.reached_at >= approved[milestone.partner_id], milestone.step
    assert all((m.days_to_first_report or 0) >= 0 and (m.days_to_first_login or 0) >= 0 for m in onboarding_by_month())


def test_approving_a_duplicate_registration_number_is_refused_clearly(admin):
    partner = make_partner(code="P-REG-1")
    partner.registration_number = "EIN 1"
    application = make_application(region="US-WA", registration_number="EIN 1")
    with pytest.raises(RuleViolation, match="P-REG-1"):
        onboarding.approve_application(application, actor=admin)
