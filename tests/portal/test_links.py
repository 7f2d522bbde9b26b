"""Links built from route shapes are the links the router itself builds."""

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from portal.links import RouteShapes


def _page(request):
    return None


ROUTER = Starlette(
    routes=[
        Route("/articles/{article_id}", _page, name="article"),
        Route("/tickets/{number:int}", _page, name="ticket"),
        Route("/files/{path:path}", _page, name="file"),
        Mount("/static", StaticFiles(directory=".", check_dir=False), name="static"),
    ]
).router

CASES = [
    ("article", {"article_id": "kb-0001"}),
    ("article", {"article_id": "журнал ошибок"}),
    ("ticket", {"number": 10001}),
    ("file", {"path": "a/b/c.pdf"}),
    ("static", {"path": "css/app.css"}),
    ("static", {"path": "app.js"}),
]


@pytest.mark.parametrize(("name", "params"), CASES)
def test_a_link_is_what_the_router_builds(name, params):
    shapes = RouteShapes(ROUTER)
    for _ in range(2):  # the first builds the shape, the second uses it
        assert shapes.path(name, params) == str(ROUTER.url_path_for(name, **params))


@pytest.mark.parametrize("value", ["a/b", ""])
def test_a_value_the_router_refuses_is_refused(value):
    shapes = RouteShapes(ROUTER)
    shapes.path("article", {"article_id": "kb-0001"})
    with pytest.raises(Exception) as refused:
        ROUTER.url_path_for("article", article_id=value)
    with pytest.raises(refused.type):
        shapes.path("article", {"article_id": value})
