"""What the partners domain shows on the home page, and the checklist steps done on its own pages."""

from __future__ import annotations

from flask_login import current_user

from partners import metrics, onboarding, services
from partners.models import OnboardingStep
from partners.views.steps import StepPage
from portal.auth.services import channel_managers, user_count
from portal.home import HomePanel
from portal.security import PARTNER_ROLES, Role


def _partner_panel() -> dict:
    partner = current_user.partner
    agreement = onboarding.current_agreement()
    return {
        "partner": partner,
        "colleagues": sum(1 for user in partner.users if user.is_active),
        "checklist": onboarding.checklist(partner),
        "agreement_pending": agreement is not None and onboarding.acceptance_of(partner, agreement) is None,
    }


def _manager_panel() -> dict:
    return {"partners": services.list_partners(limit=20)}


def _admin_panel() -> dict:
    return {
        "onboarding": metrics.onboarding_by_month(),
        "open_applications": len(onboarding.open_applications()),
        "by_status": services.count_partners_by_status(),
        "users": user_count(),
        "managers": channel_managers(),
    }


STEP_PAGES = [
    StepPage(OnboardingStep.AGREEMENT, "partners.agreement", PARTNER_ROLES),
    StepPage(OnboardingStep.PROFILE, "partners.profile", (Role.PARTNER_ADMIN,)),
    StepPage(OnboardingStep.COLLEAGUE, "auth.invite", (Role.PARTNER_ADMIN,)),
]

HOME_PANELS = [
    HomePanel("partners/_home_partner.html", PARTNER_ROLES, _partner_panel),
    HomePanel("partners/_home_manager.html", (Role.CHANNEL_MANAGER,), _manager_panel),
    HomePanel("partners/_home_admin.html", (Role.ADMIN,), _admin_panel),
]
