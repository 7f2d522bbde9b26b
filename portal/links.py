"""Links to named pages, built from each route's shape instead of walking the router per link.

Starlette's `url_for` tries every route in turn until one takes the name: about 0.3 ms a
link here, 16-18% of the search and article pages' time (py-spy, 20,000 articles). The
router is asked once per (name, parameter names), with placeholders; later links substitute
the values. Values the router would refuse or convert (a "/" in a string, an int parameter)
go to the router itself, so they fail or convert exactly as before.
"""

from typing import Any

from jinja2 import pass_context
from starlette.datastructures import URL, URLPath
from starlette.requests import Request

_REFUSED = object()


class RouteShapes:
    """The path of each named route with its parameters as placeholders, for one app."""

    def __init__(self, router) -> None:
        self._router = router
        self._shapes: dict[tuple, str | object] = {}

    def path(self, name: str, params: dict[str, Any]) -> str:
        key = (name, *sorted(params))
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = self._shape(name, params)
        if shape is _REFUSED or not _plain(params, shape[1]):
            return self._router.url_path_for(name, **params)
        path = shape[0]
        for param, value in params.items():
            path = path.replace(_placeholder(param), value)
        return path

    def _shape(self, name: str, params: dict[str, Any]) -> tuple[str, frozenset] | object:
        """The path with placeholders and the parameters that may hold a "/" (a `path`
        parameter, as the static files' one)."""
        placeholders = {p: _placeholder(p) for p in params}
        try:
            path = str(self._router.url_path_for(name, **placeholders))
        except Exception:  # the router refuses placeholders for this route: ask it each time
            return _REFUSED
        slashes = set()
        for param in params:
            with_slash = _placeholder(param) + "/"
            try:
                shaped = self._router.url_path_for(name, **{**placeholders, param: with_slash})
            except Exception:  # noqa: S112 - this parameter refuses a "/"
                continue
            if str(shaped) == path.replace(_placeholder(param), with_slash):
                slashes.add(param)
        return path, frozenset(slashes)


def _plain(params: dict[str, Any], slashes: frozenset) -> bool:
    """Whether the router would take every value as it is (else it refuses or converts)."""
    return all(
        isinstance(v, str) and v and ("/" not in v or p in slashes) for p, v in params.items()
    )


def _placeholder(param: str) -> str:
    return f"\0{param}\0"


def shapes_of(request: Request) -> RouteShapes:
    """The shapes of the app's routes (kb_service.app keeps them in `app.state.route_shapes`)."""
    return request.app.state.route_shapes


@pass_context
def url_for(context: dict, name: str, /, **path_params: Any) -> URL:
    """What Starlette's template `url_for` returns, without walking the router each time."""
    request: Request = context["request"]
    path = shapes_of(request).path(name, path_params)
    return URLPath(path).make_absolute_url(base_url=request.base_url)
