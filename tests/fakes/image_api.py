"""An OpenAI-compatible images API double: `POST /v1/images/generations` answering
`{"created", "data": [{"b64_json"}]}` with a real PNG, and failing on cue."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from PIL import Image

from tests.fakes.http_server import LocalServer, Reply, Request


@dataclass
class FakeImages:
    key: str = "img-test-secret-key"
    server: LocalServer | None = None
    calls: int = 0

    def __call__(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return Reply(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})  # fmt: skip
        if request.path != "/v1/images/generations":
            return Reply(404, {"error": {"message": "not found"}})
        self.calls += 1
        width, height = (int(v) for v in request.body.get("size", "1024x1536").split("x"))
        image = Image.radial_gradient("L").resize((width, height)).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return Reply(200, {"created": 1, "data": [{"b64_json": base64.b64encode(buffer.getvalue()).decode()}]})  # fmt: skip
