#!/usr/bin/env bash
# Development tokens for each role, and what they change. Run it with the platform up
# (`make run`): bash docs/walkthroughs/tokens.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"

# An organisation's id, looked up by its name (GET /v1/organisations lists them all).
IDB=$(organisation_id "Inter-American Development Bank")
echo "IDB is $IDB"

SECRETARIAT=$(token secretariat)                         # everything
MEMBER=$(token member --org "$IDB")                      # its own organisation's records
FOCAL_POINT=$(token country_focal_point --country GTM --ttl 120)   # Guatemala's records

# Anonymous callers see public pledges; a token shows what its role may see besides.
count() { python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))'; }
echo "pledges anyone sees: $(curl -s "$PLEDGES_API/pledges?limit=100" | count)"
for who in SECRETARIAT MEMBER FOCAL_POINT; do
  echo "pledges $who sees: $(curl -s "$PLEDGES_API/pledges?limit=100" \
    -H "Authorization: Bearer ${!who}" | count)"
done
