# Sourced by every walkthrough: where the platform listens, how to get a token, and small
# helpers to read JSON answers with python3 (no jq needed).
#
# The defaults are those of `make run`; point the walkthroughs elsewhere with, e.g.,
#   PLEDGES_API=http://127.0.0.1:9001/v1 bash docs/walkthroughs/pledge-in-eur.sh

PLEDGES_API=${PLEDGES_API:-http://localhost:8001/v1}
PRACTICES_API=${PRACTICES_API:-http://localhost:8002/v1}
EVENTS_API=${EVENTS_API:-http://localhost:8003/v1}
RESULTS_API=${RESULTS_API:-http://localhost:8004/v1}
GRAPHQL_URL=${GRAPHQL_URL:-http://localhost:8000/graphql}
# The `mirps` command of the checkout (it mints development tokens).
MIRPS=${MIRPS:-.venv/bin/mirps}
JSON='content-type: application/json'

# token ROLE [OPTIONS…]: a development token (`mirps token --help` lists the options).
token() { "$MIRPS" token --role "$@"; }

# A fresh Idempotency-Key, so a walkthrough can be run again as it is.
KEY() { python3 -c 'import uuid; print(uuid.uuid4())'; }

# field NAME: one field of the JSON answer on stdin (e.g. the id of what was created).
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# pretty: the JSON answer on stdin, indented.
pretty() { python3 -m json.tool; }

# etag URL TOKEN: the ETag of a resource, read from the response headers (any curl version).
etag() {
  curl -s -D - -o /dev/null "$1" -H "Authorization: Bearer $2" \
    | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r'
}

# organisation_id NAME: the id of the organisation with that exact name in the pledges
# service's directory (pages through GET /v1/organisations).
organisation_id() {
  python3 - "$PLEDGES_API" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request

api, name = sys.argv[1], sys.argv[2]
cursor = None
while True:
    query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
    with urllib.request.urlopen(f"{api}/organisations?{urllib.parse.urlencode(query)}") as answer:
        page = json.load(answer)
    for organisation in page["items"]:
        if organisation["name"] == name:
            print(organisation["id"])
            raise SystemExit(0)
    cursor = page.get("next_cursor")
    if not cursor:
        raise SystemExit(f"no organisation named {name!r}")
PY
}

# first_pledge_of ORGANISATION_ID: the id of that contributor's first pledge you may see.
first_pledge_of() {
  curl -s "$PLEDGES_API/pledges?contributor_id=$1&limit=1" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])'
}
