#!/usr/bin/env bash
# Documents (events service; pledges and practices work the same way): attach minutes to an
# event, list its documents and read the bytes back. Run it with the platform up
# (`make run`): bash docs/walkthroughs/documents.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
TOKEN=$(token secretariat)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The event: the first solidarity event of the demo programme, looked up by its kind.
EVENT_ID=$(curl -s "$EVENTS_API/events?kind=solidarity_event&limit=1" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')

printf 'Acta de la reunión\n\n1. Compromisos anunciados.\n' > "$WORK/acta.txt"
DOCUMENT=$(curl -s -H "Authorization: Bearer $TOKEN" \
  -F kind=minutes -F title_es="Acta de la reunión" -F file=@"$WORK/acta.txt" \
  "$EVENTS_API/events/$EVENT_ID/documents" | field id)

# Anyone may list a public event's documents and read an upload's bytes.
curl -s "$EVENTS_API/events/$EVENT_ID/documents" \
  | python3 -c 'import json, sys
for document in json.load(sys.stdin)["items"]:
    print(document["kind"], document["title"]["es"])'
curl -s "$EVENTS_API/events/$EVENT_ID/documents/$DOCUMENT/content"
