"""An OpenAI-compatible chat-completions double (DeepSeek's shapes): `choices[0].message.content`
holding the JSON the prompt asked for, `usage` with prompt and completion tokens, and error
bodies `{"error": {"message", "type", "code"}}`. Replies can be scripted one by one; otherwise
it writes a clean post about the topic it was asked for."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from tests.fakes.http_server import Reply, Request

PROMPT_TOKENS = 420
COMPLETION_TOKENS = 180


def completion(content: str, model: str = "deepseek-v9") -> Reply:
    return Reply(
        200,
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1795000000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": PROMPT_TOKENS,
                "completion_tokens": COMPLETION_TOKENS,
                "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
                "prompt_cache_hit_tokens": 0,
                "prompt_cache_miss_tokens": PROMPT_TOKENS,
            },
            "system_fingerprint": "fp_test",
        },
    )


def api_error(status: int, message: str, kind: str = "invalid_request_error") -> Reply:
    return Reply(status, {"error": {"message": message, "type": kind, "param": None, "code": kind}})


def post_json(title: str, caption: str, lines: list[str]) -> str:
    return json.dumps({"title": title, "caption": caption, "content_lines": lines})


@dataclass
class FakeChat:
    script: list[Reply] = field(default_factory=list)  # consumed first, in order

    def __call__(self, request: Request) -> Reply:
        if request.path != "/chat/completions":
            return api_error(404, "not found")
        if self.script:
            return self.script.pop(0)
        user = request.body["messages"][-1]["content"]
        match = re.search(r"about ([a-z ]+)\.", user)
        topic = match.group(1) if match else "sleep"
        return completion(
            post_json(
                f"What {topic.title()} Does To Your Energy",
                f"Small {topic} habits, explained. Ask a professional before big changes.",
                [
                    f"{topic.capitalize()} shapes your day.",
                    "Start with one habit.",
                    "Track it a week.",
                ],
            )
        )


def user_messages(requests: list[Request]) -> list[str]:
    return [r.body["messages"][-1]["content"] for r in requests if r.path == "/chat/completions"]
