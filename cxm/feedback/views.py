"""Pages of customer voice: the public QR survey and review redirect (no login: the link is
the key), the kiosk terminal (a device token), a store's survey poster and the customer-voice
dashboard (logged-in, scoped)."""

import random
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cxm.dashboard.views import _page
from cxm.feedback.banks import BANKS, SCALE, draw_questions
from cxm.feedback.dashboard import voice_data
from cxm.feedback.importers import MAX_COMMENT, setup_for
from cxm.feedback.models import Reason
from cxm.feedback.survey import (
    SurveyLinkError,
    already_answered,
    count_review_click,
    follow_review_link,
    poster_link,
    qr_svg,
    record_answer,
    resolve_target,
    review_links,
    survey_bank,
)
from cxm.feedback.tell import (
    MAX_MESSAGE,
    TellError,
    answer_for,
    checked_message,
    tell_store,
    tell_token,
)
from cxm.org.models import Store
from cxm.org.scope import scope_for

COOLDOWN_COOKIE = "cxm_survey_answered"
# Faces drawn as SVG (no emoji font needed on the tablet): the mouth's curve and the colour.
SMILEY_FACES = (
    ("excellent", 62, "#3fae6a"),
    ("good", 53, "#9ccc65"),
    ("neutral", 44, "#ffd54f"),
    ("poor", 37, "#ffa04d"),
    ("bad", 30, "#e5533d"),
)
LIKE_FACES = (("like", 60, "#3fae6a"), ("dislike", 32, "#e5533d"))
# What the customer is told for a rejected field of their form, in their language.
_FORM_PROBLEMS = {
    "nps": lambda: _("Please choose a score from 0 to 10."),
    "comment": lambda: _("The comment is too long."),
    "contact": lambda: _("To leave a contact, tick the consent box."),
    "receipt": lambda: _("This receipt already has an answer. Thank you!"),
}


_SCORES = [str(n) for n in range(11)]


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest) -> HttpResponse:
    try:
        target = resolve_target(request.GET)
    except SurveyLinkError as exc:
        return _closed(request, str(exc), status=404)
    if already_answered(target) or request.COOKIES.get(COOLDOWN_COOKIE):
        return _closed(request, _("You have already answered. Thank you!"))
    if request.method == "GET":
        return _survey_form(request, target)
    declined = "decline" in request.POST
    form = _read_form(request)
    recorded = record_answer(target, form, declined=declined)
    if recorded.answer is None:
        problem = recorded.result.rejected[0]
        key = problem.field.split(".")[0]
        message = _FORM_PROBLEMS.get(key, lambda: _("Some answers could not be read."))()
        return _survey_form(request, target, problem=message, status=422)
    nps = recorded.answer.nps
    context = _done_context(target.store, nps, recorded.links)
    context["declined"] = declined
    if context["detractor"]:
        context["tell_token"] = tell_token(recorded.answer)
    response = render(request, "feedback/survey_done.html", context)
    cooldown = setup_for(target.store.chain).survey_cooldown_days
    if cooldown:
        response.set_cookie(
            COOLDOWN_COOKIE, "1", max_age=int(timedelta(days=cooldown).total_seconds())
        )
    return response


def _done_context(store, nps: int | None, links) -> dict:
    return {
        "store": store,
        "nps": nps,
        "promoter": nps is not None and nps >= 9,
        "detractor": nps is not None and nps <= 6,
        "links": links,
        "max_message": MAX_MESSAGE,
    }


# What the customer is told for each problem of their message to the store.
_TELL_PROBLEMS = {
    ("message", "required"): lambda: _("Please write what went wrong."),
    ("message", "too_long"): lambda: (
        _("The message is too long: at most %(n)s characters.") % {"n": MAX_MESSAGE}
    ),
    ("message", "markup"): lambda: _("Please write plain text, without HTML tags (< >)."),
    ("contact", "too_long"): lambda: _("The contact is too long."),
    ("contact", "markup"): lambda: _("Please write plain text, without HTML tags (< >)."),
    ("contact", "consent"): lambda: _("To leave a contact, tick the consent box."),
}


@require_http_methods(["POST"])
def tell(request: HttpRequest) -> HttpResponse:
    """An unhappy customer writes to the store from the thank-you page (docs/feedback.md)."""
    answer = answer_for(request.POST.get("token", ""))
    if answer is None:
        return _closed(request, _("This link is not valid."), status=404)
    store = answer.store
    context = _done_context(store, answer.nps, review_links(store, answer.nps))
    text, contact = request.POST.get("message", ""), request.POST.get("contact", "")
    consent = request.POST.get("consent") == "yes"
    try:
        message = checked_message(text, contact, consent)
    except TellError as exc:
        problems = [_TELL_PROBLEMS[item]() for item in exc.problems.items()]
        context.update(
            tell_token=request.POST["token"],
            problems=problems,
            message=text[:MAX_MESSAGE],
            contact=contact[:200],
            consent=consent,
        )
        return render(request, "feedback/survey_done.html", context, status=422)
    incident = tell_store(answer, message)
    context.update(told=True, already=incident is None, call_back=bool(message.contact))
    return render(request, "feedback/survey_done.html", context)


def _survey_form(request, target, *, problem: str | None = None, status: int = 200):
    questions = draw_questions(survey_bank(target.store), random.Random())
    context = {
        "store": target.store,
        "receipt": target.receipt,
        # Text, not numbers: the template would format each number for the language.
        "scores": _SCORES,
        "scale": [str(n) for n in SCALE],
        "questions": questions,
        "problem": problem,
        "max_comment": MAX_COMMENT,
    }
    return render(request, "feedback/survey.html", context, status=status)


def _read_form(request: HttpRequest) -> dict:
    """The posted form as a contract record's fields; the import checks every value."""
    post = request.POST
    known = {q.code for bank in BANKS.values() for q in bank}
    answers = {
        code: post[f"answer_{code}"]
        for code in post.getlist("factor")[:3]
        if code in known and post.get(f"answer_{code}")
    }
    return {
        "at": timezone.now().isoformat(),
        "nps": post.get("nps"),
        "answers": answers,
        "comment": post.get("comment", ""),
        "contact": post.get("contact", ""),
        "contact_consent": post.get("consent") == "yes",
    }


def _closed(request: HttpRequest, message: str, status: int = 200) -> HttpResponse:
    return render(request, "feedback/survey_closed.html", {"message": message}, status=status)


def review(request: HttpRequest, token: str) -> HttpResponse:
    """Count a click on a store's public review link, then go there."""
    try:
        store, platform, address, promoter = follow_review_link(token)
    except SurveyLinkError:
        raise Http404("no such review link") from None
    count_review_click(store, platform, promoter)
    return HttpResponseRedirect(address)


def terminal(request: HttpRequest) -> HttpResponse:
    """The kiosk page. It holds no data: its script reads the device token (given once in
    the address as #token=cxmd_…, then kept on the tablet) and talks to the device API."""
    faces = LIKE_FACES if request.GET.get("mode") == "like" else SMILEY_FACES
    context = {"faces": faces, "reasons": Reason.choices}
    return render(request, "feedback/terminal.html", context)


@login_required
def poster(request: HttpRequest, code: str) -> HttpResponse:
    """A printable poster with the store's survey QR code, for the store's managers."""
    store = Store.objects.filter(pk__in=scope_for(request.user).store_ids, code=code).first()
    if store is None:
        raise Http404("store outside your scope or unknown")
    url = request.build_absolute_uri(poster_link(store))
    return render(request, "feedback/poster.html", {"store": store, "url": url, "qr": qr_svg(url)})


voice = _page("feedback/voice.html", voice_data)
