"""The control API (spec section 5.8) under /api/toby/, for the signed-in user only.

Each request carries `Authorization: Bearer <token>` (`toby api-token create USER`); the token
names the user, and every route reads or changes that user's Toby only: anything else (another
user's brand, an unknown id) answers 404, the same as what does not exist. Bad input answers 422
naming the field and value. The OpenAPI description is at /api/toby/openapi.json."""

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from toby_pipelines.content.content_dna import InvalidContentDNA
from toby_pipelines.control import views
from toby_pipelines.dashboard.routes import dashboard_router
from toby_pipelines.features import FEATURES
from toby_pipelines.storage.api_tokens import user_of_token
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.option_rules import (
    clear_option_rule,
    option_rules,
    set_option_rule,
)
from toby_pipelines.storage.owner_views import activity_page, findings_of, published_posts
from toby_pipelines.storage.review import approve_post, reject_post
from toby_pipelines.storage.toby_state import disable_toby, enable_toby, reset_learning

# No `from __future__ import annotations` here: FastAPI reads the route annotations at runtime,
# and the aliases below (User, Reads, ...) are local to create_app.
PREFIX = "/api/toby"
LEVELS = ("info", "success", "warning", "error")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(database: Database, clock: Callable[[], dt.datetime] = _utc_now) -> FastAPI:
    app = FastAPI(
        title="Toby control API",
        version="1",
        description=__doc__,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    bearer = HTTPBearer(auto_error=False)

    def signed_in(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> str:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(401, "send Authorization: Bearer <token>", _challenge())
        with database.transaction() as connection:
            user_id = user_of_token(connection, credentials.credentials, clock())
        if user_id is None:
            raise HTTPException(401, "unknown or revoked token", _challenge())
        return user_id

    def reading() -> Iterator[Connection]:
        with database.engine.connect() as connection:
            yield connection

    def writing() -> Iterator[Connection]:
        with database.transaction() as connection:
            yield connection

    User = Annotated[str, Depends(signed_in)]
    Reads = Annotated[Connection, Depends(reading)]
    # A change commits before its answer is sent (scope "function"): by default the code after
    # `yield` runs after the response, so a client could read its own write before it landed
    # and be told 200 for a commit that then failed.
    Writes = Annotated[Connection, Depends(writing, scope="function")]
    Page = Annotated[int, Query(ge=1, description="page number, from 1")]
    PerPage = Annotated[int, Query(ge=1, le=200, description="lines per page")]

    @app.exception_handler(ValueError)
    async def _bad_input(request: Request, error: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=422)

    # Not there and not this user's answer alike (views.NotFound, NotOwned, PostNotFound).
    @app.exception_handler(LookupError)
    async def _not_found(request: Request, error: LookupError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404)

    @app.get(f"{PREFIX}/status", summary="On/off, phase, buffer health, active experiments")
    def status(user: User, connection: Reads) -> dict:
        return views.status_view(connection, user, clock())

    @app.post(f"{PREFIX}/enable", summary="Turn Toby on (the next tick fills the buffer)")
    def enable(user: User, connection: Writes) -> dict:
        try:
            enable_toby(connection, user, clock())
        except InvalidContentDNA as error:
            raise ValueError(str(error)) from None
        return views.status_view(connection, user, clock())

    @app.post(f"{PREFIX}/disable", summary="Turn Toby off: no new content, analysis goes on")
    def disable(user: User, connection: Writes) -> dict:
        disable_toby(connection, user, clock())
        return views.status_view(connection, user, clock())

    @app.post(
        f"{PREFIX}/reset",
        summary="Forget what Toby learned (experiments, posteriors, phase); keep posts and scores",
    )
    def reset(
        user: User,
        connection: Writes,
        confirm: Annotated[bool, Body(embed=True, description="must be true")] = False,
    ) -> dict:
        if confirm is not True:
            raise ValueError('confirm: send {"confirm": true} to reset, got false')
        return {"cleared": reset_learning(connection, user, clock())}

    @app.get(f"{PREFIX}/activity", summary="What Toby did, newest first")
    def activity(
        user: User,
        connection: Reads,
        page: Page = 1,
        per_page: PerPage = 50,
        level: Annotated[str | None, Query(description=f"one of {LEVELS}")] = None,
        action: Annotated[str | None, Query(description="an action type")] = None,
    ) -> dict:
        if level is not None and level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
        lines, total = activity_page(
            connection, user, per_page, (page - 1) * per_page, level, action
        )
        return _paged(lines, total, page, per_page)

    @app.get(f"{PREFIX}/published", summary="Published posts with title, score, views, badge")
    def published(
        user: User,
        connection: Reads,
        page: Page = 1,
        per_page: PerPage = 50,
        brand: Annotated[str | None, Query(description="one of your brand ids")] = None,
    ) -> dict:
        if brand is not None:
            views.require_brand(connection, user, brand)
        posts, total = published_posts(connection, user, per_page, (page - 1) * per_page, brand)
        return _paged(views.with_badges(connection, user, posts), total, page, per_page)

    @app.get(f"{PREFIX}/experiments", summary="Active and completed experiments with results")
    def experiments(user: User, connection: Reads) -> dict:
        return {"experiments": views.experiments_of(connection, user)}

    @app.get(f"{PREFIX}/insights", summary="Each dimension's options, best first, leader marked")
    def insights(user: User, connection: Reads) -> dict:
        return views.insights_view(connection, user)

    @app.get(f"{PREFIX}/discovery", summary="What discovery found outside (competitors, hashtags)")
    def discovery(
        user: User,
        connection: Reads,
        days: Annotated[int, Query(ge=1, le=90, description="found in the last N days")] = 7,
    ) -> dict:
        since = clock() - dt.timedelta(days=days)
        return {"findings": findings_of(connection, user, since)}

    @app.get(f"{PREFIX}/buffer", summary="Which slots of the buffer are filled")
    def buffer(user: User, connection: Reads) -> dict:
        return views.buffer_view(connection, user, clock())

    @app.get(
        f"{PREFIX}/config",
        summary="Buffer days, explore ratio, feature flags, review mode, AI budget, slot times",
    )
    def config(user: User, connection: Reads) -> dict:
        return views.config_view(connection, user)

    @app.patch(f"{PREFIX}/config", summary="Change settings; a bad field changes nothing")
    def change_config(
        user: User,
        connection: Writes,
        changes: Annotated[
            dict[str, Any],
            Body(
                description="any of buffer_days (1-14), explore_ratio (0-1), features"
                " ({flag: true/false}; flags: " + ", ".join(FEATURES) + "), review_mode"
                " (off, skip, publish), brand_review_modes ({brand: mode or null}),"
                " daily_budget_usd (dollars a day for the LLM, null for no limit) and"
                ' slot_times ({brand: {reel|carousel: ["HH:MM", ...]}}, UTC; a content type'
                " left out keeps its times)",
                examples=[
                    {"daily_budget_usd": 2.5, "slot_times": {"my-brand": {"reel": ["09:00"]}}}
                ],
            ),
        ],
    ) -> dict:
        return views.change_config(connection, user, changes, clock())

    @app.get(f"{PREFIX}/review", summary="Posts waiting for your approval (review mode)")
    def review(user: User, connection: Reads) -> dict:
        return views.review_view(connection, user)

    @app.post(f"{PREFIX}/posts/{{post_id}}/approve", summary="Approve a waiting post")
    def approve(user: User, connection: Writes, post_id: str) -> dict:
        approve_post(connection, user, post_id, clock())
        return views.review_view(connection, user)

    @app.post(
        f"{PREFIX}/posts/{{post_id}}/reject",
        summary="Reject a waiting post: Toby writes another for its slot",
    )
    def reject(
        user: User,
        connection: Writes,
        post_id: str,
        reason: Annotated[str | None, Body(embed=True, max_length=500)] = None,
    ) -> dict:
        reject_post(connection, user, post_id, reason, clock())
        return views.review_view(connection, user)

    @app.get(f"{PREFIX}/rules", summary="Your pins and bans of options")
    def rules(user: User, connection: Reads) -> dict:
        mine = option_rules(connection, views.owned_brand_ids(connection, user))
        return {
            "rules": [
                {"brand": brand, "content_type": content_type, "dimension": dimension,
                 "option": option, "rule": rule}
                for (brand, content_type), dimensions in mine.items()
                for dimension, options in dimensions.items()
                for option, rule in options.items()
            ]
        }  # fmt: skip

    @app.put(
        f"{PREFIX}/rules",
        summary="Pin an option (every post of the brand and type uses it) or ban one",
    )
    def put_rule(user: User, connection: Writes, rule: Annotated[OptionRule, Body()]) -> dict:
        set_option_rule(connection, user, **rule.target(), rule=rule.rule, now=clock())
        return rules(user, connection)

    @app.delete(f"{PREFIX}/rules", summary="Lift a pin or ban")
    def delete_rule(user: User, connection: Writes, rule: Annotated[OptionTarget, Body()]) -> dict:
        if not clear_option_rule(connection, user, **rule.target(), now=clock()):
            raise views.NotFound(f"no pin or ban of {rule.option!r}")
        return rules(user, connection)

    app.include_router(dashboard_router(database, clock))
    return app


class OptionTarget(BaseModel):
    brand: str
    content_type: str
    dimension: str
    option: str

    def target(self) -> dict[str, str]:
        return {
            "brand_id": self.brand,
            "content_type": self.content_type,
            "dimension": self.dimension,
            "option": self.option,
        }


class OptionRule(OptionTarget):
    rule: str = Field(description="pin or ban")


def _paged(items: list, total: int, page: int, per_page: int) -> dict:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": "Bearer"}
