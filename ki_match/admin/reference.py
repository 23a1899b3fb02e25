"""The KI's reference data for its admins: towns, languages and topics (rules in ki_match.reference).

URL map:
  /admin/towns                          reference.towns            list, add form, NRW search (?q=, ?key=)
  /admin/towns/new               POST   reference.add_town
  /admin/towns/<id>                     reference.edit_town        edit (GET, POST)
  /admin/towns/<id>/delete       POST   reference.delete_town
  /admin/languages                      reference.languages        the KI's languages, CLDR search (?q=)
  /admin/languages/add           POST   reference.add_language     a CLDR language by key
  /admin/languages/variety       POST   reference.add_variety
  /admin/languages/<id>/remove   POST   reference.remove_language
  /admin/topics                         reference.topics           list, add form
  /admin/topics/new              POST   reference.add_topic
  /admin/topics/<id>                    reference.edit_topic       rename (GET, POST)
  /admin/topics/<id>/active      POST   reference.toggle_topic
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ki_match.access import roles
from ki_match.accounts.forms import ConfirmForm
from ki_match.accounts.models import Role
from ki_match.admin.reference_forms import CldrLanguageForm, TopicForm, TownForm, VarietyForm
from ki_match.core.args import text_arg
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.orgs.queries import current_ki
from ki_match.reference import languages as language_rules
from ki_match.reference import queries
from ki_match.reference import topics as topic_rules
from ki_match.reference import towns as town_rules
from ki_match.reference.data import GERMAN
from ki_match.reference.models import Language, Topic, Town
from ki_match.reference.municipalities import by_key, search
from ki_match.reference.names import language_name, parent_name

bp = Blueprint("reference", __name__, url_prefix="/admin")


def _actor():
    return current_user._get_current_object()


def _wanted_block(*blocks: str) -> str | None:
    """The block of the page htmx asked for, if any (a page with more than one)."""
    return next((block for block in blocks if wants_block(block)), None)


# --- towns -----------------------------------------------------------------------------------------


def get_town(town_id: int) -> Town:
    """A town of the admin's KI, or 404."""
    found = queries.town(current_ki(), town_id)
    if found is None:
        abort(404)
    return found


def _towns(form: TownForm | None = None, status: int = 200):
    ki = current_ki()
    q = text_arg("q", 60)
    picked = by_key(text_arg("key", 8) or "")
    if form is None:
        form = TownForm(formdata=None, ki=ki)
        if picked is not None:
            form.name.data, form.lat.data, form.lon.data = picked.name, picked.lat, picked.lon
            form.municipality_key.data = picked.key
    return render(
        "reference/towns.html",
        _wanted_block("municipality_results", "town_add"),
        status=status,
        towns=queries.towns(ki),
        form=form,
        q=q,
        found=search(q) if q else [],
        picked=picked,
    )


@bp.route("/towns")
@roles(Role.ADMIN)
def towns():
    return _towns()


@bp.route("/towns/new", methods=["POST"])
@roles(Role.ADMIN)
def add_town():
    ki = current_ki()
    form = TownForm(ki=ki)
    if not form.validate():
        return _towns(form, status=422)
    town = town_rules.add_town(
        ki,
        name=form.name.data,
        lat=form.lat.data,
        lon=form.lon.data,
        served=form.served.data,
        municipality_key=form.municipality_key.data,
        actor=_actor(),
    )
    db.session.commit()
    flash(_("%(name)s ist angelegt.", name=town.name), "success")
    return redirect_to(url_for("reference.towns"))


def _edit_town(town: Town, form: TownForm, status: int = 200):
    return render(
        "reference/town.html",
        status=status,
        town=town,
        form=form,
        in_use=queries.town_in_use(town),
        confirm=ConfirmForm(),
    )


@bp.route("/towns/<int:town_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_town(town_id: int):
    town = get_town(town_id)
    if request.method == "GET":
        return _edit_town(town, TownForm(formdata=None, obj=town, ki=current_ki(), editing=town))
    form = TownForm(ki=current_ki(), editing=town)
    if not form.validate():
        return _edit_town(town, form, status=422)
    town_rules.update_town(
        town,
        name=form.name.data,
        lat=form.lat.data,
        lon=form.lon.data,
        served=form.served.data,
        actor=_actor(),
    )
    db.session.commit()
    flash(_("Die Änderungen sind gespeichert."), "success")
    return redirect_to(url_for("reference.towns"))


@bp.route("/towns/<int:town_id>/delete", methods=["POST"])
@roles(Role.ADMIN)
def delete_town(town_id: int):
    town = get_town(town_id)
    if not ConfirmForm().validate():
        return redirect_to(url_for("reference.edit_town", town_id=town.id))
    name = town.name
    try:
        town_rules.delete_town(town, actor=_actor())
    except town_rules.TownInUse:
        db.session.rollback()
        flash(
            _(
                "%(name)s wird noch verwendet und kann nicht gelöscht werden: Nehmen Sie stattdessen den Haken bei „Wir nehmen Anfragen für diesen Ort an“ heraus.",
                name=name,
            ),
            "error",
        )
        return redirect_to(url_for("reference.edit_town", town_id=town_id))
    db.session.commit()
    flash(_("%(name)s ist gelöscht.", name=name), "success")
    return redirect_to(url_for("reference.towns"))


# --- languages -------------------------------------------------------------------------------------


def get_offered_language(language_id: int) -> Language:
    """A language the admin's KI offers, or 404."""
    found = queries.language(current_ki(), language_id)
    if found is None:
        abort(404)
    return found


def _parents(ki) -> list[SelectChoice]:
    shared = [language for language in queries.languages(ki) if language.variety is None]
    return [
        SelectChoice(str(language.id), language_name(language))
        for language in sorted(shared, key=lambda language: language_name(language).casefold())
    ]


def _languages(variety_form: VarietyForm | None = None, status: int = 200):
    ki = current_ki()
    q = text_arg("q", 60)
    offered = sorted(queries.languages(ki), key=lambda language: language_name(language).casefold())
    found = language_rules.search_cldr(q) if q else []
    catalogue = queries.shared_languages_by_cldr([item.key for item in found])
    offered_ids = {language.id for language in offered}
    return render(
        "reference/languages.html",
        _wanted_block("language_results"),
        status=status,
        offered=offered,
        found=[(item, catalogue.get(item.key)) for item in found],
        offered_ids=offered_ids,
        q=q,
        german=GERMAN,
        parent_name=parent_name,
        add_form=CldrLanguageForm(formdata=None),
        variety_form=variety_form or VarietyForm(formdata=None, ki=ki, parents=_parents(ki)),
        confirm=ConfirmForm(),
    )


@bp.route("/languages")
@roles(Role.ADMIN)
def languages():
    return _languages()


@bp.route("/languages/add", methods=["POST"])
@roles(Role.ADMIN)
def add_language():
    form = CldrLanguageForm()
    found = language_rules.cldr_language(form.key.data or "") if form.validate() else None
    if found is None:
        flash(_("Diese Sprache kennen wir nicht. Bitte suchen Sie sie in der Liste."), "error")
        return redirect_to(url_for("reference.languages"))
    language = language_rules.add_cldr_language(current_ki(), found.key, actor=_actor())
    db.session.commit()
    flash(_("%(name)s steht jetzt in Ihren Sprachlisten.", name=language_name(language)), "success")
    return redirect_to(url_for("reference.languages"))


@bp.route("/languages/variety", methods=["POST"])
@roles(Role.ADMIN)
def add_variety():
    ki = current_ki()
    form = VarietyForm(ki=ki, parents=_parents(ki))
    if not form.validate():
        return _languages(form, status=422)
    parent = get_offered_language(form.parent_id.data)
    language = language_rules.add_variety(ki, form.name.data, parent, actor=_actor())
    db.session.commit()
    flash(_("%(name)s steht jetzt in Ihren Sprachlisten.", name=language_name(language)), "success")
    return redirect_to(url_for("reference.languages"))


@bp.route("/languages/<int:language_id>/remove", methods=["POST"])
@roles(Role.ADMIN)
def remove_language(language_id: int):
    language = get_offered_language(language_id)
    if ConfirmForm().validate():
        if language.code == GERMAN:
            flash(_("Deutsch bleibt immer in der Liste: Dolmetschen braucht Deutsch ab B1."), "error")
            return redirect_to(url_for("reference.languages"))
        language_rules.remove(current_ki(), language, actor=_actor())
        db.session.commit()
        flash(
            _(
                "%(name)s steht nicht mehr in Ihren Sprachlisten; Helfende und Anfragen behalten sie.",
                name=language_name(language),
            ),
            "success",
        )
    return redirect_to(url_for("reference.languages"))


# --- topics ----------------------------------------------------------------------------------------


def get_topic(topic_id: int) -> Topic:
    """A topic of the admin's KI, or 404."""
    found = queries.topic(current_ki(), topic_id)
    if found is None:
        abort(404)
    return found


def _topics(form: TopicForm | None = None, status: int = 200):
    ki = current_ki()
    return render(
        "reference/topics.html",
        status=status,
        topics=queries.topics(ki),
        form=form or TopicForm(formdata=None, ki=ki),
        confirm=ConfirmForm(),
    )


@bp.route("/topics")
@roles(Role.ADMIN)
def topics():
    return _topics()


@bp.route("/topics/new", methods=["POST"])
@roles(Role.ADMIN)
def add_topic():
    ki = current_ki()
    form = TopicForm(ki=ki)
    if not form.validate():
        return _topics(form, status=422)
    topic = topic_rules.add_topic(ki, form.name.data, actor=_actor())
    db.session.commit()
    flash(_("Das Thema „%(name)s“ ist angelegt.", name=topic.name), "success")
    return redirect_to(url_for("reference.topics"))


@bp.route("/topics/<int:topic_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_topic(topic_id: int):
    topic = get_topic(topic_id)
    if request.method == "GET":
        return render(
            "reference/topic.html",
            topic=topic,
            form=TopicForm(formdata=None, obj=topic, ki=current_ki(), editing=topic),
        )
    form = TopicForm(ki=current_ki(), editing=topic)
    if not form.validate():
        return render("reference/topic.html", status=422, topic=topic, form=form)
    topic_rules.rename_topic(topic, form.name.data, actor=_actor())
    db.session.commit()
    flash(_("Die Änderungen sind gespeichert."), "success")
    return redirect_to(url_for("reference.topics"))


@bp.route("/topics/<int:topic_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def toggle_topic(topic_id: int):
    topic = get_topic(topic_id)
    if ConfirmForm().validate():
        topic_rules.set_topic_active(topic, not topic.active, actor=_actor())
        db.session.commit()
    return redirect_to(url_for("reference.topics"))
