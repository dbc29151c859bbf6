#!/usr/bin/env bash
# A partner keeps in sync (pledges service): subscribe to signed webhooks, receive one when
# the partner's pledge changes, fetch the changed record, and read the same event from the
# change feed. Run it with the platform up (`make run`, which starts the webhook worker):
#   bash docs/walkthroughs/partner-sync.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
API=$PLEDGES_API

# The partner: CABEI in the demo data, with its pledge, both looked up.
CABEI=$(organisation_id "Central American Bank for Economic Integration")
PLEDGE=$(first_pledge_of "$CABEI")
TOKEN=$(token partner --org "$CABEI")

# A stand-in for the partner's endpoint: a receiver on this machine that keeps each
# delivery in a folder and answers 204 (development allows loopback targets; production
# refuses them).
INBOX=$(mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$PORT" "$INBOX" <<'PY' &
import http.server, pathlib, sys

port, inbox = int(sys.argv[1]), pathlib.Path(sys.argv[2])

class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        (inbox / f"{self.headers['webhook-id']}.json").write_bytes(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
PY
RECEIVER=$!
trap 'kill $RECEIVER; rm -rf "$INBOX"' EXIT

# 1. Subscribe. The answer holds the subscription's id and its secret (shown only now).
SUBSCRIPTION=$(curl -s -X POST "$API/webhook-subscriptions" \
  -H "Authorization: Bearer $TOKEN" -H "$JSON" \
  -d '{"url": "http://127.0.0.1:'"$PORT"'/mirps/webhooks",
       "event_types": ["org.mirps.pledge.entry_recorded"]}')
ID=$(echo "$SUBSCRIPTION" | field id)
echo "$SUBSCRIPTION" | python3 -c 'import json, sys; answer = json.load(sys.stdin)
print("subscribed:", answer["status"], "secret", answer["secret"][:9] + "…")'

# 2. Something changes: the partner records a commitment on its pledge.
curl -s "$API/pledges/$PLEDGE/entries" -H "Authorization: Bearer $TOKEN" -H "$JSON" \
  -H "Idempotency-Key: $(KEY)" -d '{"entry_type": "commitment",
  "amount": {"amount": "50000", "currency": "USD"}, "value_date": "2023-06-02",
  "recipient_country": "SLV"}' | field entry_type

# The worker delivers it within a second or two; the receiver keeps it.
for _ in $(seq 60); do
  if compgen -G "$INBOX/*.json" > /dev/null; then break; fi
  sleep 0.5
done
EVENT=$(python3 -c 'import pathlib, sys
print(sorted(pathlib.Path(sys.argv[1]).glob("*.json"))[0].read_text())' "$INBOX")
echo "$EVENT" | python3 -c 'import json, sys; event = json.load(sys.stdin)
print("received:", event["type"], event["subject"], "position", event["position"])'
SUBJECT=$(echo "$EVENT" | field subject)
POSITION=$(echo "$EVENT" | field position)

# 3. Fetch the changed record: the subject is its path under /v1 (here the new entry).
curl -s "$API/$SUBJECT" -H "Authorization: Bearer $TOKEN" \
  | python3 -c 'import json, sys; entry = json.load(sys.stdin)
print("fetched:", entry["entry_type"], entry["amount"], entry["recipient_country"])'

# 4. The same event on the change feed, from the position before it (keep `next` to resume).
curl -s "$API/changes?after=$((POSITION - 1))&limit=1" -H "Authorization: Bearer $TOKEN" | pretty

# The delivery log: each event's attempts, last status and last error.
curl -s "$API/webhook-subscriptions/$ID/deliveries" -H "Authorization: Bearer $TOKEN" | pretty
