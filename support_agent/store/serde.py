"""Checkpoints zlib-compressed (about fivefold), plugged into LangGraph's `serde=` hook as its
`EncryptedSerializer` is: a suffixed type tag, so data written before still reads."""

from __future__ import annotations

import zlib
from typing import Any

from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

SUFFIX = "+zlib"
_SMALL = 256  # bytes; below this, compression costs more than it saves


class CompressedSerializer(SerializerProtocol):
    def __init__(self):
        self.inner = JsonPlusSerializer()

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        kind, data = self.inner.dumps_typed(obj)
        if len(data) < _SMALL:
            return kind, data
        return kind + SUFFIX, zlib.compress(data)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        kind, payload = data
        if kind.endswith(SUFFIX):
            kind, payload = kind.removesuffix(SUFFIX), zlib.decompress(payload)
        return self.inner.loads_typed((kind, payload))
