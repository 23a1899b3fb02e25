"""Bare extension instances; ``create_app`` binds them to the app. Babel's domain keeps the
translations it found for the rest of the request and puts numbers into them in the reader's
digits (``KeptTranslations``)."""

from functools import cached_property

from flask import g, has_app_context
from flask_babel import Babel, Domain, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from jinja2 import pass_eval_context
from markupsafe import Markup

from ki_match.db import Base
from ki_match.digits import digit_table, localize_variables


class KeptTranslations(Domain):
    """Flask-Babel finds the translations anew for every string (a dozen look-ups in the
    request's context, some 12 µs), and a page translates hundreds. This domain keeps them for
    the rest of the request, with the locale object they belong to, so a ``force_locale`` block
    (a mail in its recipient's language) gets its own.

    Every translation with variables passes through here (``gettext``, ``ngettext``, their lazy
    forms and the templates' ``_``): in a language whose digits are not Latin (Persian), numbers
    put into a translation are written in its digits (``ki_match.digits``); for the others
    the format string is applied as Flask-Babel does."""

    def kept(self) -> tuple:
        """(the request's translations, the reader's digits as a ``str.translate`` table or None
        where they are Latin), found once per request and locale."""
        if not has_app_context():
            return super().get_translations(), None
        # Each touch of ``g`` goes through a Werkzeug proxy, and get_locale() alone takes four:
        # the locale Flask-Babel already settled on for this request (a force_locale block sets
        # its own) is read from its namespace on g in one step; get_locale() only the first time,
        # or should Flask-Babel ever keep it elsewhere.
        here = g._get_current_object()
        locale = getattr(getattr(here, "_flask_babel", None), "babel_locale", None) or get_locale()
        kept = getattr(here, "_kept_translations", None)
        if kept is None or kept[0] is not locale or kept[1] is not self:
            found = (super().get_translations(), digit_table(locale))
            kept = here._kept_translations = (locale, self, found)
        return kept[2]

    def get_translations(self):
        return self.kept()[0]

    def gettext(self, string, **variables):
        translations, digits = self.kept()
        found = translations.ugettext(string)
        return fill(found, variables, digits) if variables else found

    def ngettext(self, singular, plural, num, **variables):
        variables.setdefault("num", num)
        translations, digits = self.kept()
        return fill(translations.ungettext(singular, plural, num), variables, digits)

    def pgettext(self, context, string, **variables):
        translations, digits = self.kept()
        found = translations.upgettext(context, string)
        return fill(found, variables, digits) if variables else found

    def npgettext(self, context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        translations, digits = self.kept()
        return fill(translations.unpgettext(context, singular, plural, num), variables, digits)


def fill(found: str, variables: dict, digits: dict | None, markup: bool = False) -> str:
    """``found % variables``, numbers in the reader's ``digits`` where they are not Latin."""
    if digits is not None:
        found, variables = localize_variables(found, variables, digits)
    return (Markup(found) if markup else found) % variables  # noqa: S704 (our catalogue)


class KiBabel(Babel):
    @cached_property
    def domain_instance(self):
        return KeptTranslations(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        # Jinja's own gettext goes through the template context twice and Flask-Babel looks its
        # domain up anew for every string (about 10 µs each); these ask the kept translations
        # directly (about 6 µs), with the same meaning: the result is a format string, escaped
        # where the template autoescapes.
        app.jinja_env.globals.update(
            _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
        )


@pass_eval_context
def _template_gettext(eval_ctx, string: str, /, **variables):
    translations, digits = babel.domain_instance.kept()
    return fill(translations.ugettext(string), variables, digits, eval_ctx.autoescape)


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables):
    variables.setdefault("num", num)
    translations, digits = babel.domain_instance.kept()
    return fill(translations.ungettext(singular, plural, num), variables, digits, eval_ctx.autoescape)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = KiBabel()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
