"""Text that does not repeat (issue 10): X refuses a duplicate post and Instagram demotes one.
Even when the learner settles on one title format and one topic for a month of posts, the
template generator writes a title the brand has not used yet, and the same seed with nothing to
avoid writes the same post (re-runs replay)."""

import pytest

from toby_pipelines.content.content_dna import ContentDNA
from toby_pipelines.content.generated_post import GenerationRequest
from toby_pipelines.content.template_generator import TemplateContentGenerator

DNA = ContentDNA(niche="health", tone="calm", topic_buckets=("stress",), content_examples=("x",))


def request(title_format: str, avoid: set[str]) -> GenerationRequest:
    return GenerationRequest(
        brand_name="Glow", content_type="reel", dna=DNA, personality="edu_calm",
        topic_bucket="stress", hook_strategy="question", title_format=title_format,
        visual_style="light_clean", avoid_titles=frozenset(avoid),
    )  # fmt: skip


@pytest.mark.parametrize(
    "title_format", ["how_x_does_y", "number_one_mistake", "why_experts_say", "n_things"]
)
def test_a_month_on_one_format_and_topic_never_repeats_a_title_or_caption(title_format):
    generator, titles, captions = TemplateContentGenerator(), set(), set()
    for slot in range(8 * 37):  # 8 posts a day over the demo's 37 days
        post = generator.generate(request(title_format, titles), f"glow|reel|{slot}")
        assert post.title not in titles
        titles.add(post.title)
        captions.add(post.caption)
    assert len(captions) == len(titles) == 8 * 37


def test_the_same_seed_writes_the_same_post():
    generator = TemplateContentGenerator()
    assert generator.generate(request("n_things", set()), "s") == generator.generate(
        request("n_things", set()), "s"
    )
