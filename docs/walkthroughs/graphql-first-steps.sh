#!/usr/bin/env bash
# First steps with the GraphQL gateway: which services answer, then a write — a disbursement on
# a demo pledge, looked up by its contributor — as the secretariat. Run it with the platform
# up (`make run`): bash docs/walkthroughs/graphql-first-steps.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"

# Which services answer (no token needed).
curl -s "$GRAPHQL_URL" -H "$JSON" -d '{"query":"{ health { service ready latencyMs error } }"}'
echo

# The pledge: CABEI's in the demo data (USD 10 million, 4 million committed so far), found
# through its contributor's id.
CABEI=$(organisation_id "Central American Bank for Economic Integration")
PLEDGE=$(first_pledge_of "$CABEI")
TOKEN=$(token secretariat)

# Writes are mutations taking an `XInput` and returning an `XPayload`.
curl -s "$GRAPHQL_URL" -H "Authorization: Bearer $TOKEN" -H "$JSON" -d '{
  "query": "mutation($i: RecordLedgerEntryInput!) { recordLedgerEntry(input: $i) { entry { amount { amount currency amountUsd } } pledge { financialStatus } } }",
  "variables": {"i": {"pledgeId": "'"$PLEDGE"'", "entryType": "COMMITMENT",
                      "amount": {"amount": "250000.00", "currency": "USD"},
                      "valueDate": "2023-06-01", "recipientCountry": "GTM"}}}' | pretty
