"""Where each onboarding checklist step is done: the pages the checklist links to, registered by every domain."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user

from partners.models import OnboardingStep
from partners.views import bp
from portal.security import Role


@dataclass(frozen=True)
class StepPage:
    """Where a partner's user does a checklist step, for the users whose role may do it there."""

    step: OnboardingStep
    endpoint: str
    roles: tuple[Role, ...]


_step_pages: dict[OnboardingStep, StepPage] = {}


def register_step_pages(pages: list[StepPage]) -> None:
    """create_app() passes each domain's pages: the checklist lives here, the training and the reports elsewhere."""
    _step_pages.update({page.step: page for page in pages})


@bp.app_template_global()
def checklist_step_url(step: OnboardingStep) -> str | None:
    page = _step_pages.get(step)
    return url_for(page.endpoint) if page and current_user.role in page.roles else None
