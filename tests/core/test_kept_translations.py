"""Translations are kept for the rest of a request, and still follow the locale in force."""

from __future__ import annotations

from flask import render_template_string, session
from flask_babel import force_locale, gettext, lazy_gettext, refresh


def test_templates_translate_in_the_locale_in_force_also_inside_force_locale(app):
    template = (
        "{{ _('Anfragen') }}|{{ ngettext('Eine offene Anfrage an die Person wurde zurückgezogen.', "
        "'%(num)d offene Anfragen an die Person wurden zurückgezogen.', 2) }}"
    )
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert (
            render_template_string(template)
            == "Anfragen|2 offene Anfragen an die Person wurden zurückgezogen."
        )
        with force_locale("en"):
            assert render_template_string(template) == "Requests|2 open offers to the person were withdrawn."
        assert (
            render_template_string(template)
            == "Anfragen|2 offene Anfragen an die Person wurden zurückgezogen."
        )


def test_outside_a_request_templates_speak_the_default_language(app):
    assert app.jinja_env.from_string("{{ _('Anfragen') }}").render() == "Anfragen"


def test_python_strings_follow_force_locale_and_a_new_locale_choice(app):
    later = lazy_gettext("Anfragen")
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert (gettext("Anfragen"), str(later)) == ("Anfragen", "Anfragen")
        with force_locale("en"):
            assert (gettext("Anfragen"), str(later)) == ("Requests", "Requests")
        assert gettext("Anfragen") == "Anfragen"
        session["locale"] = "en"
        refresh()  # as after a user chose another language
        assert gettext("Anfragen") == "Requests"


def test_template_strings_are_format_strings_whose_values_are_escaped_where_html_is(app):
    """The templates' own gettext means what Jinja's newstyle gettext means."""
    source = "{{ _('Bitte antworten Sie bis %(when)s.', when=when) }}"
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert (
            render_template_string(source, when="<b>morgen</b>")
            == "Bitte antworten Sie bis &lt;b&gt;morgen&lt;/b&gt;."
        )
        plain = "{% autoescape false %}" + source + "{% endautoescape %}"
        assert render_template_string(plain, when="<b>") == "Bitte antworten Sie bis <b>."
        assert render_template_string("{{ _('100 %%') }}") == "100 %"
