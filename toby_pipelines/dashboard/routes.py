"""The dashboard's routes under /toby/: sign in with an API token (kept in an HttpOnly,
SameSite=Strict cookie), then one page per section; the forms post back here and answer with a
redirect, so a reload never repeats a change."""

import datetime as dt
from collections.abc import Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from toby_pipelines.buffer.slots import slot_time_list
from toby_pipelines.content.content_dna import InvalidContentDNA
from toby_pipelines.control import views
from toby_pipelines.dashboard import pages
from toby_pipelines.features import FEATURES
from toby_pipelines.storage.api_tokens import user_of_token
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.owner_views import activity_page, findings_of, published_posts
from toby_pipelines.storage.review import PostNotFound, approve_post, reject_post
from toby_pipelines.storage.toby_state import disable_toby, enable_toby, reset_learning

COOKIE = "toby_token"
PER_PAGE = 25


def dashboard_router(database: Database, clock: Callable[[], dt.datetime]) -> APIRouter:
    router = APIRouter(prefix="/toby", include_in_schema=False)

    def user_of(request: Request) -> str | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        with database.transaction() as connection:
            return user_of_token(connection, token, clock())

    def signed_in_page(request: Request, render) -> Response:
        user = user_of(request)
        if user is None:
            return RedirectResponse("/toby/login", status_code=303)
        with database.engine.connect() as connection:
            return HTMLResponse(render(connection, user))

    async def form(request: Request) -> dict[str, str]:
        fields = parse_qs((await request.body()).decode(), keep_blank_values=True)
        return {key: values[-1] for key, values in fields.items()}

    @router.get("/login")
    def login_page() -> HTMLResponse:
        return HTMLResponse(pages.login())

    @router.post("/login")
    async def login(request: Request) -> Response:
        token = (await form(request)).get("token", "").strip()
        with database.transaction() as connection:
            user = user_of_token(connection, token, clock()) if token else None
        if user is None:
            return HTMLResponse(pages.login("That token is unknown or revoked."), status_code=401)
        response = RedirectResponse("/toby/status", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    @router.get("/")
    def home() -> Response:
        return RedirectResponse("/toby/status", status_code=303)

    @router.get("/status")
    def status(request: Request) -> Response:
        return signed_in_page(
            request, lambda c, u: pages.status(views.status_view(c, u, clock()), u)
        )

    @router.get("/activity")
    def activity(
        request: Request, page: int = 1, level: str | None = None, action: str | None = None
    ) -> Response:
        page, level, action = max(1, page), level or None, action or None

        def render(connection, user):
            lines, total = activity_page(
                connection, user, PER_PAGE, (page - 1) * PER_PAGE, level, action
            )
            data = {"items": lines, "total": total, "page": page, "per_page": PER_PAGE}
            return pages.activity(data, user, level, action)

        return signed_in_page(request, render)

    @router.get("/published")
    def published(request: Request, page: int = 1) -> Response:
        page = max(1, page)

        def render(connection, user):
            posts, total = published_posts(connection, user, PER_PAGE, (page - 1) * PER_PAGE)
            items = views.with_badges(connection, user, posts)
            data = {"items": items, "total": total, "page": page, "per_page": PER_PAGE}
            return pages.published(data, user)

        return signed_in_page(request, render)

    @router.get("/experiments")
    def experiments(request: Request) -> Response:
        return signed_in_page(
            request, lambda c, u: pages.experiments(views.experiments_of(c, u), u)
        )

    @router.get("/insights")
    def insights(request: Request) -> Response:
        return signed_in_page(request, lambda c, u: pages.insights(views.insights_view(c, u), u))

    @router.get("/discovery")
    def discovery(request: Request) -> Response:
        since = clock() - dt.timedelta(days=7)
        return signed_in_page(request, lambda c, u: pages.discovery(findings_of(c, u, since), u))

    @router.get("/buffer")
    def buffer(request: Request) -> Response:
        return signed_in_page(
            request, lambda c, u: pages.buffer(views.buffer_view(c, u, clock()), u)
        )

    @router.get("/review")
    def review(request: Request) -> Response:
        return signed_in_page(
            request,
            lambda c, u: pages.review(
                views.review_view(c, u), u, views.config_view(c, u)["review_mode"]
            ),
        )

    @router.post("/posts/{post_id}/approve")
    def approve(request: Request, post_id: str) -> Response:
        return _decide(request, lambda c, u: approve_post(c, u, post_id, clock()))

    @router.post("/posts/{post_id}/reject")
    async def reject(request: Request, post_id: str) -> Response:
        reason = (await form(request)).get("reason", "").strip() or None
        return _decide(request, lambda c, u: reject_post(c, u, post_id, reason, clock()))

    def _decide(request: Request, decide) -> Response:
        user = user_of(request)
        if user is None:
            return RedirectResponse("/toby/login", status_code=303)
        try:
            with database.transaction() as connection:
                decide(connection, user)
        except PostNotFound as error:
            return HTMLResponse(pages.page("review", "Review", f"<p class='error'>"
                                f"{pages.cell(str(error))}</p>", user), status_code=404)  # fmt: skip
        return RedirectResponse("/toby/review", status_code=303)

    @router.get("/settings")
    def settings(request: Request, note: str | None = None) -> Response:
        return signed_in_page(
            request, lambda c, u: pages.settings(views.config_view(c, u), u, note=note)
        )

    @router.post("/settings")
    async def save_settings(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return RedirectResponse("/toby/login", status_code=303)
        fields = await form(request)
        try:
            changes = {
                "buffer_days": _number(fields, "buffer_days", int),
                "explore_ratio": _number(fields, "explore_ratio", float),
                "features": {name: f"feature_{name}" in fields for name in FEATURES},
                "review_mode": fields.get("review_mode") or None,
                "daily_budget_usd": _number(fields, "daily_budget_usd", float),
                "slot_times": _slot_times(fields),
            }
            with database.transaction() as connection:
                views.change_config(connection, user, changes, clock())
        except ValueError as error:
            with database.engine.connect() as connection:
                config = views.config_view(connection, user)
            return HTMLResponse(pages.settings(config, user, error=str(error)), status_code=422)
        return RedirectResponse("/toby/settings?note=Saved.", status_code=303)

    @router.post("/enable")
    def enable(request: Request) -> Response:
        return _change(request, lambda c, u: enable_toby(c, u, clock()))

    @router.post("/disable")
    def disable(request: Request) -> Response:
        return _change(request, lambda c, u: disable_toby(c, u, clock()))

    @router.post("/reset")
    async def reset(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return RedirectResponse("/toby/login", status_code=303)
        if (await form(request)).get("confirm") != "yes":
            with database.engine.connect() as connection:
                config = views.config_view(connection, user)
            message = "Tick the box to confirm the reset; nothing was reset."
            return HTMLResponse(pages.settings(config, user, error=message), status_code=422)
        with database.transaction() as connection:
            cleared = reset_learning(connection, user, clock())
        note = (
            f"Reset: {cleared['experiments']} experiment(s) and {cleared['posteriors']}"
            " posterior(s) cleared."
        )
        return RedirectResponse(f"/toby/settings?note={note}", status_code=303)

    def _change(request: Request, change) -> Response:
        user = user_of(request)
        if user is None:
            return RedirectResponse("/toby/login", status_code=303)
        try:
            with database.transaction() as connection:
                change(connection, user)
        except InvalidContentDNA as error:
            with database.engine.connect() as connection:
                data = views.status_view(connection, user, clock())
            return HTMLResponse(pages.status(data, user, error=str(error)), status_code=422)
        return RedirectResponse("/toby/status", status_code=303)

    return router


def _number(fields: dict[str, str], name: str, kind: type) -> int | float | None:
    text = fields.get(name, "").strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {text!r}") from None


def _slot_times(fields: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """The form's `slots:BRAND:TYPE` fields ("08:00, 12:00") as config's slot_times."""
    times: dict[str, dict[str, list[str]]] = {}
    for name, text in fields.items():
        if name.startswith("slots:"):
            _, brand_id, content_type = name.split(":", 2)
            times.setdefault(brand_id, {})[content_type] = slot_time_list(text)
    return times
