#!/usr/bin/env bash
# The GRF pledge cycle (pledges and events services): a company's pledge cultivated in
# private, announced at the 2023 Global Refugee Forum, reported on, and counted in the
# half-year's synthesis. Run it with the platform up (`make run`):
#   bash docs/walkthroughs/grf-pledge-cycle.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
API=$PLEDGES_API

# The contributor and the Forum, looked up: a company of the demo directory, and the
# Global Refugee Forum 2023 in the events service's programme.
COMPANY=$(organisation_id "Alianza Empresarial por el Empleo (illustrative)")
GRF=$(curl -s "$EVENTS_API/events?kind=global_refugee_forum&limit=1" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
ME=$(token partner --org "$COMPANY")

# 1. Cultivate: seen only by its parties, counted nowhere until it is announced.
PLEDGE=$(curl -s "$API/pledges" -H "Authorization: Bearer $ME" -H "$JSON" \
  -H "Idempotency-Key: $(KEY)" -d '{"contributor_id": "'"$COMPANY"'", "kind": "financial",
  "stage": "cultivating", "title": {"en": "Jobs fund for Honduras"},
  "amount": {"amount": "500000", "currency": "USD"}, "recipient_countries": ["HND"],
  "announced_on": "2023-12-13"}' | field id)
curl -s "$API/pledges/$PLEDGE"; echo                  # anonymous: 404 while cultivating

# 2. Match it with Honduras' jobs objective (the need side), discuss, agree for the Forum.
OBJECTIVE=$(curl -s "$API/objectives?country=HND&theme=employment_livelihoods&limit=1" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
MATCH=$(curl -s "$API/matches" -H "Authorization: Bearer $ME" -H "$JSON" \
  -H "Idempotency-Key: $(KEY)" -d '{"need_objective_id": "'"$OBJECTIVE"'",
  "support_pledge_ids": ["'"$PLEDGE"'"], "event": "'"$GRF"'"}' | field id)
for STATUS in under_discussion agreed; do
  curl -s -X POST "$API/matches/$MATCH/transitions" -H "Authorization: Bearer $ME" \
    -H "$JSON" -H "If-Match: $(etag "$API/matches/$MATCH" "$ME")" \
    -d '{"status": "'"$STATUS"'"}' | python3 -c 'import json, sys; print("match:", json.load(sys.stdin)["status"])'
done
curl -s "$API/matches/announcements?event=$GRF" -H "Authorization: Bearer $ME" \
  | python3 -c 'import json, sys; view = json.load(sys.stdin)
print("agreed for the GRF:", sys.argv[1] in [m["id"] for m in view["agreed"]])' "$MATCH"

# 3. Announce it at the Forum (If-Match: the version last read).
curl -s -X POST "$API/pledges/$PLEDGE/announce" -H "Authorization: Bearer $ME" -H "$JSON" \
  -H "If-Match: $(etag "$API/pledges/$PLEDGE" "$ME")" \
  -d '{"announced_on": "2023-12-14", "announced_at": "'"$GRF"'"}' \
  | python3 -c 'import json, sys; pledge = json.load(sys.stdin)
print("announced:", pledge["stage"], pledge["announced_on"], pledge["amount_usd"])'
curl -s "$API/pledges?announced_at=$GRF&limit=100" \
  | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]), "pledges announced at the GRF")'

# The match is announced there too; now that the pledge is public, anyone sees it.
curl -s -X POST "$API/matches/$MATCH/transitions" -H "Authorization: Bearer $ME" -H "$JSON" \
  -H "If-Match: $(etag "$API/matches/$MATCH" "$ME")" -d '{"status": "announced"}' >/dev/null
curl -s "$API/matches/announcements?event=$GRF" \
  | python3 -c 'import json, sys; view = json.load(sys.stdin)
print("announced at the GRF:", sys.argv[1] in [m["id"] for m in view["announced"]])' "$MATCH"

# 4. Report progress, as the GRF's pledge update form asks.
curl -s "$API/pledges/$PLEDGE/updates" -H "Authorization: Bearer $ME" -H "$JSON" -d '{
  "reported_on": "2024-06-30",
  "narrative": {"es": "120 personas refugiadas contratadas.", "en": "120 refugees hired."},
  "figures": {"people_hired": "120"}}' | field reported_on

# 5. The synthesis of the half-year counts it among the new pledges.
curl -s "$API/reports/synthesis?period=2023-H2" | python3 -c 'import json, sys
synthesis = json.load(sys.stdin)
titles = [pledge["title"].get("en") for pledge in synthesis["new_pledges"]]
print("in the 2023-H2 synthesis:", "Jobs fund for Honduras" in titles)'
