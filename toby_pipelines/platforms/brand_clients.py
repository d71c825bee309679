"""One API client per brand, made on first use with that brand's token and closed together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=_Closable)


class BrandClients(Generic[C]):
    def __init__(self, make: Callable[[str], C]) -> None:
        self._make = make
        self._clients: dict[str, C] = {}

    def get(self, brand_id: str) -> C:
        if brand_id not in self._clients:
            self._clients[brand_id] = self._make(brand_id)
        return self._clients[brand_id]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
