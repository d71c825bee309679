"""The content generator resources: the template generator is the embedded default; with
TOBY_CONTENT_GENERATOR=llm an OpenAI-compatible LLM (DeepSeek by default) writes the posts."""

from __future__ import annotations

from typing import Any

import dagster as dg
import httpx
from pydantic import PrivateAttr

from toby_pipelines.content.generated_post import GeneratedPost, GenerationRequest
from toby_pipelines.content.llm_client import DEFAULT_BASE_URL, ChatClient, Prices
from toby_pipelines.content.llm_generator import LlmContentGenerator
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.resources.database import TobyDatabaseResource


class ContentGeneratorResource(dg.ConfigurableResource):
    """Writes a post for a planned slot."""

    def generate(self, request: GenerationRequest, seed: str) -> GeneratedPost:
        raise NotImplementedError

    def run_stats(self) -> dict[str, Any]:
        """Figures of this run for the UI (how posts were written, what was discarded)."""
        return {}


class TemplateContentGeneratorResource(ContentGeneratorResource):
    """Writes posts from templates and the brand's Content DNA; needs no API key."""

    def generate(self, request: GenerationRequest, seed: str) -> GeneratedPost:
        return TemplateContentGenerator().generate(request, seed)


class LlmContentGeneratorResource(ContentGeneratorResource):
    """An OpenAI-compatible chat-completions API. `api_key` comes in as dg.EnvVar
    ("TOBY_LLM_API_KEY"); model ids change, so `model` has no default. Prices are US dollars per
    million tokens and feed the ai_usage table and the per-user daily budget."""

    database: TobyDatabaseResource
    api_key: str
    model: str
    base_url: str = DEFAULT_BASE_URL
    price_input_per_million: float
    price_output_per_million: float
    timeout_seconds: float = 60.0
    max_tokens: int = 1200

    _generator: LlmContentGenerator | None = PrivateAttr(default=None)

    def _get(self) -> LlmContentGenerator:
        if self._generator is None:
            client = ChatClient(
                api_key=self.api_key,
                model=self.model,
                base_url=self.base_url,
                timeout=httpx.Timeout(self.timeout_seconds, connect=5.0),
            )
            self._generator = LlmContentGenerator(
                self.database.get(),
                client,
                Prices(self.price_input_per_million, self.price_output_per_million),
                max_tokens=self.max_tokens,
            )
        return self._generator

    def generate(self, request: GenerationRequest, seed: str) -> GeneratedPost:
        return self._get().generate(request, seed)

    def run_stats(self) -> dict[str, Any]:
        if self._generator is None:
            return {}
        stats = self._generator.stats
        return {
            "by_source": dict(stats.by_source),
            "llm_failures": stats.llm_failures,
            "unsafe_discarded": stats.unsafe_discarded,
            "off_niche_discarded": stats.off_niche_discarded,
            "budget_skips": stats.budget_skips,
        }

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._generator is not None:
            self._generator.client.close()
            self._generator = None
