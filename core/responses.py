"""The JSON response every API of the site answers with.

Starlette's JSONResponse renders with the standard library's json module: on a page of 20 jobs
with their facets that was a tenth of a search request's time on the event loop. orjson writes
the same compact UTF-8 text (no spaces, non-ASCII as it is) several times faster.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette import responses


class JSONResponse(responses.JSONResponse):
    def render(self, content: Any) -> bytes:
        # Two differences from the json module, neither reachable from our documents: NaN
        # and infinities become null, and keys must be strings.
        return orjson.dumps(content)
