"""Flask extensions, created unbound; create_app() binds them."""

from typing import Any, TypeVar, cast

from flask.globals import _cv_app, _cv_request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import inspect, select

from portal.database import Base

_Model = TypeVar("_Model")


class PortalSQLAlchemy(SQLAlchemy):
    def get_or_404(self, entity: type[_Model], ident: Any, *, description: str | None = None, **kwargs: Any) -> _Model:
        """Always asks the database, so that the tenant scope applies: Session.get() may answer from the
        identity map, which can hold a row loaded earlier under a deliberate scope bypass. So it takes none of
        Session.get()'s options (the base class's **kwargs)."""
        if kwargs:
            raise TypeError(f"get_or_404() takes no Session.get() options: {', '.join(kwargs)}")
        primary_key = inspect(entity).primary_key[0]
        return cast(_Model, self.one_or_404(select(entity).where(primary_key == ident), description=description))


def _session_scope() -> int:
    """One session per request (or per app context outside requests), so no request sees another's
    identity map, even where a test keeps one app context open around many requests."""
    context = _cv_request.get(None) or _cv_app.get(None)
    return id(context)


# db.Model is not Base but a sibling built from its namespace (same registry and metadata): models subclass Base.
db = PortalSQLAlchemy(model_class=Base, session_options={"scopefunc": _session_scope})
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
