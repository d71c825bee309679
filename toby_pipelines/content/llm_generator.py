"""Writing posts with an LLM, within the user's budget, through the safety gates, never leaving
a slot empty.

For each post: if the budget allows the call (see `budget`), the LLM writes it; a post with a
risky health claim is rewritten up to twice, then discarded and logged; a post outside the
brand's niche is discarded and logged. When the LLM fails after its retries, the safe fallback
of seed 000 section 5.6 asks once for a post "similar to" the brand's best-scoring past title;
the template generator is the last resort. After the LLM has failed once in a run, the rest of
the run goes straight to the fallback instead of waiting out the same outage slot after slot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from toby_pipelines.content.budget import budget_tier, is_essential, may_call
from toby_pipelines.content.generated_post import GeneratedPost, GenerationRequest
from toby_pipelines.content.llm_client import ChatClient, ChatReply, Prices
from toby_pipelines.content.prompts import read_post, rewrite_prompt, system_prompt, user_prompt
from toby_pipelines.content.safety import MAX_REWRITES, niche_problems, safety_problems
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.platforms.api_errors import ApiError
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.ai_usage import (
    best_past_title,
    daily_budget_usd,
    record_usage,
    spent_usd_on,
)
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.incidents import record_transition

# Rough prompt size for the pre-call cost estimate: about 4 characters a token.
CHARS_PER_TOKEN = 4


@dataclass
class GenerationStats:
    by_source: dict[str, int] = field(default_factory=dict)
    llm_failures: int = 0
    unsafe_discarded: int = 0
    off_niche_discarded: int = 0
    budget_skips: int = 0


class LlmContentGenerator:
    def __init__(
        self,
        database: Database,
        client: ChatClient,
        prices: Prices,
        max_tokens: int = 1200,
        template: TemplateContentGenerator | None = None,
    ) -> None:
        self.database = database
        self.client = client
        self.prices = prices
        self.max_tokens = max_tokens
        self.template = template or TemplateContentGenerator()
        self.stats = GenerationStats()
        self._llm_down = False

    def generate(self, request: GenerationRequest, seed: str) -> GeneratedPost:
        post = self._from_llm(request, seed)
        if post is None:
            post = replace(self.template.generate(request, seed), source="template")
        self.stats.by_source[post.source] = self.stats.by_source.get(post.source, 0) + 1
        return post

    def _from_llm(self, request: GenerationRequest, seed: str) -> GeneratedPost | None:
        if self._llm_down:
            return None
        try:
            post = self._write(request, None, "content_generation")
        except _OverBudget:
            return None
        except (ApiError, ValueError):
            self.stats.llm_failures += 1
            post = self._similar_to_best(request)
        if post is None:
            return None
        post = self._make_safe(request, post, seed)
        if post is None:
            return None
        problems = niche_problems(post, request.dna, request.topic_bucket)
        if problems:
            self.stats.off_niche_discarded += 1
            self._log(request, seed, "niche", f"Discarded an off-niche draft: {problems[0]}")
            return None
        return post

    def _similar_to_best(self, request: GenerationRequest) -> GeneratedPost | None:
        with self.database.engine.connect() as connection:
            best = best_past_title(connection, request.brand_id, request.content_type)
        if best is None:
            self._llm_down = True
            return None
        try:
            return self._write(request, best, "fallback_similar")
        except _OverBudget:
            return None
        except (ApiError, ValueError):
            self._llm_down = True
            return None

    def _make_safe(
        self, request: GenerationRequest, post: GeneratedPost, seed: str
    ) -> GeneratedPost | None:
        for attempt in range(MAX_REWRITES + 1):
            problems = safety_problems(post)
            if not problems:
                return post
            if attempt == MAX_REWRITES:
                break
            try:
                post = self._write(request, None, "safety_rewrite", rewrite_prompt(post, problems))
            except (ApiError, ValueError):
                break
        self.stats.unsafe_discarded += 1
        self._log(
            request,
            seed,
            "safety",
            f"Discarded a draft for '{request.topic_bucket}' that still made a risky health"
            f" claim after {MAX_REWRITES} rewrites ({safety_problems(post)[0]})",
        )
        return None

    def _write(
        self,
        request: GenerationRequest,
        similar_to: str | None,
        feature: str,
        prompt: str | None = None,
    ) -> GeneratedPost:
        system = system_prompt(request)
        user = prompt or user_prompt(request, similar_to)
        if not self._affordable(request, system + user):
            self.stats.budget_skips += 1
            raise _OverBudget(feature)
        reply = self.client.complete_json(system, user, max_tokens=self.max_tokens)
        self._record(request, feature, reply)
        source = "llm_similar" if similar_to else "llm"
        return read_post(reply.content, source)

    def _affordable(self, request: GenerationRequest, prompt: str) -> bool:
        now = request.requested_at or dt.datetime.now(dt.UTC)
        with self.database.engine.connect() as connection:
            spent = spent_usd_on(connection, request.user_id, now.date())
            budget = daily_budget_usd(connection, request.user_id)
        estimate = self.prices.cost_usd(len(prompt) // CHARS_PER_TOKEN, self.max_tokens)
        tier = budget_tier(spent, budget)
        return may_call(tier, is_essential(request.slot_at, now), spent, budget, estimate)

    def _record(self, request: GenerationRequest, feature: str, reply: ChatReply) -> None:
        now = request.requested_at or dt.datetime.now(dt.UTC)
        with self.database.transaction() as connection:
            record_usage(
                connection,
                user_id=request.user_id,
                brand_id=request.brand_id,
                feature_area=feature,
                model=reply.model,
                prompt_tokens=reply.prompt_tokens,
                completion_tokens=reply.completion_tokens,
                cost_usd=self.prices.cost_usd(reply.prompt_tokens, reply.completion_tokens),
                now=now,
            )
            spent = spent_usd_on(connection, request.user_id, now.date())
            budget = daily_budget_usd(connection, request.user_id)
            tier = budget_tier(spent, budget)
            if tier >= 2:  # one incident per tier reached per day, not per call
                record_transition(
                    connection,
                    subject=f"user:{request.user_id}",
                    condition="ai_budget",
                    state=f"{now.date()} tier {tier}",
                    severity="critical" if tier >= 4 else "warning",
                    description=(
                        f"AI budget tier {tier} reached on {now.date()}: ${spent:.2f} of"
                        f" ${budget:.2f} spent"
                        + ("; no more AI calls today" if tier >= 4 else "")
                        + ("; only posts due within 24 hours" if tier == 3 else "")
                    ),
                    now=now,
                    user_id=request.user_id,
                )

    def _log(self, request: GenerationRequest, seed: str, gate: str, description: str) -> None:
        with self.database.transaction() as connection:
            log_activity(
                connection,
                user_id=request.user_id,
                action_type="content_rejected",
                description=description,
                dedupe_key=f"rejected:{gate}:{seed}",
                now=request.requested_at or dt.datetime.now(dt.UTC),
                level="warning",
            )


class _OverBudget(ApiError):
    def __init__(self, feature: str) -> None:
        super().__init__("budget", f"{feature} skipped: the daily AI budget does not allow it")
