"""Whole numbers in URLs stay within what the database can compare: 0 to 2**63 - 1.

SQLite cannot bind a Python int beyond 64 bits (``OverflowError``), PostgreSQL refuses one beyond
``bigint`` and a negative ``OFFSET``; each used to answer 500. Rather than every route bounding
each of its ids, pages and offsets (and the next route forgetting), the app checks every path and
query parameter a route declares as an integer before the route runs: an id out of range names
nothing (404), a page or offset out of range is refused (422). Body fields are caught by the error
handlers (:mod:`jigsaw.web.errors`) instead.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.routing import APIRoute

MAX_INT = 2**63 - 1
"""The largest value of SQLite's INTEGER and PostgreSQL's bigint."""

_int_params: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset, typing.Annotated):
        return any(_is_int(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    return False


def _declared(route: APIRoute) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The route's integer path and query parameters (by the name the request uses), cached."""
    found = _int_params.get(id(route))
    if found is None:
        path = tuple(f.alias for f in route.dependant.path_params if _is_int(f.field_info.annotation))
        query = tuple(f.alias for f in route.dependant.query_params if _is_int(f.field_info.annotation))
        found = _int_params[id(route)] = (path, query)
    return found


def _out_of_range(raw: str) -> bool:
    try:
        value = int(raw)
    except ValueError:  # not a number at all: the route's own validation says so
        return False
    return not 0 <= value <= MAX_INT


def numbers_in_range(request: Request) -> None:
    """An app-wide dependency: refuse integer path and query parameters out of range."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    path, query = _declared(route)
    for name in path:
        raw = request.path_params.get(name)
        if raw is not None and _out_of_range(str(raw)):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    for name in query:
        if any(_out_of_range(raw) for raw in request.query_params.getlist(name)):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                f"{name} must be a whole number from 0 to {MAX_INT}")
