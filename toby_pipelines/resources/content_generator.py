"""The content generator resource; the template generator is the embedded default."""

from __future__ import annotations

import dagster as dg

from toby_pipelines.content.generated_post import GeneratedPost, GenerationRequest
from toby_pipelines.content.template_generator import TemplateContentGenerator


class TemplateContentGeneratorResource(dg.ConfigurableResource):
    """Writes posts from templates and the brand's Content DNA; needs no API key."""

    def generate(self, request: GenerationRequest, seed: str) -> GeneratedPost:
        return TemplateContentGenerator().generate(request, seed)
