"""GraphiQL without a CDN: strawberry's page, pointed at copies the gateway serves itself.

The files under gateway/static/graphiql are the npm packages' own (see its README.md for
origin, checksums and licences); the page keeps its integrity attributes, which hold for
these byte-identical copies.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
STATIC_PATH = "/graphql-static"

# strawberry's CDN address → the served copy.
ASSETS = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": (
        "react-dom.production.min.js"
    ),
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": (
        "plugin-explorer.umd.js"
    ),
}


def self_hosted(page: str) -> str:
    """strawberry's GraphiQL page with every CDN address replaced by the gateway's copy.

    A strawberry upgrade that changes an address fails here rather than silently going
    back to the CDN.
    """
    for url, name in ASSETS.items():
        if url not in page:
            raise RuntimeError(f"strawberry's GraphiQL page no longer loads {url}")
        page = page.replace(url, f"{STATIC_PATH}/{name}")
    return page


def mount_assets(app: FastAPI) -> None:
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="graphiql-static")
