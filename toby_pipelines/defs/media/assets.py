import dagster as dg

from toby_pipelines.loop.render import render_due, thumbnail_markdown
from toby_pipelines.reporting.markdown import markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.media import MediaResource


@dg.asset(
    deps=["content_buffer"],
    group_name="media",
    kinds={"python", "sql"},
    owners=["team:toby"],
)
def post_media(
    database: TobyDatabaseResource, media: MediaResource, clock: ClockResource
) -> dg.MaterializeResult:
    """The media every Instagram post due in the next hours is published with: a carousel's
    1080x1350 slides (cover, one slide per line, the brand's handle) or a 1080x1920 reel (H.264
    and AAC, 30 fps, a scene per line), in the post's visual style, hosted where the platform
    can fetch them. Content-addressed: a post is rendered again only when its text or style
    changes, so re-runs and backfills render nothing twice. A failed rendering is retried on
    the next tick and costs no other post anything. With an images API configured, a post gets
    an AI background within the user's AI budget; when the API fails, the plain design."""
    if not media.render:
        return dg.MaterializeResult(metadata={"skipped": dg.MetadataValue.text("render=False")})
    images = media.image_client()
    try:
        summary = render_due(
            database.get(), media.media_store(), media.work_dir(), clock.now(),
            not_before=media.not_before(), images=images,
        )  # fmt: skip
    finally:
        if images is not None:
            images.close()
    previews = "\n\n".join(
        f"**{post_id}**\n\n{thumbnail_markdown(rendered)}"
        for post_id, rendered in summary.rendered[:6]
    )
    return dg.MaterializeResult(
        metadata={
            "rendered": dg.MetadataValue.int(len(summary.rendered)),
            "unchanged": dg.MetadataValue.int(len(summary.unchanged)),
            "failed": dg.MetadataValue.int(len(summary.failed)),
            "plain_fallbacks": dg.MetadataValue.int(len(summary.fallbacks)),
            "render_cpu_seconds": dg.MetadataValue.float(float(round(summary.cpu_seconds, 2))),
            "posts": dg.MetadataValue.md(
                markdown_table(
                    ["post", "files", "cpu s"],
                    [(p, len(r.files), round(r.cpu_seconds, 2)) for p, r in summary.rendered]
                    + [(p, "failed", why) for p, why in summary.failed],
                )
            ),
            "preview": dg.MetadataValue.md(previews or "nothing rendered"),
        }
    )
