#!/usr/bin/env bash
# A partner's pledge in EUR, from announcement to the USD gap (pledges service).
# Run it with the platform up (`make run`): bash docs/walkthroughs/pledge-in-eur.sh
# It creates its own organisation and objective, so it can be run again as it is.
set -euo pipefail
source "$(dirname "$0")/common.sh"
API=$PLEDGES_API
SEC="Authorization: Bearer $(token secretariat)"

# 1. The secretariat registers the partner and a euro rate (USD per EUR, from a date).
ORG=$(curl -s "$API/organisations" -H "$SEC" -H "$JSON" -H "Idempotency-Key: $(KEY)" \
  -d '{"name": "ACME Foundation", "kind": "private_sector", "country": "ESP"}' | field id)
curl -s "$API/exchange-rates" -H "$SEC" -H "$JSON" \
  -d '{"currency": "EUR", "rate_date": "2025-01-01", "rate_to_usd": "1.04", "source": "ECB"}'
echo
# (run again, this one answers 409: the rate is already there, which is fine)

# A costed objective of Guatemala's action plan (focal points of GTM may do this too).
OBJ=$(curl -s "$API/objectives" -H "$SEC" -H "$JSON" -d '{
  "country": "GTM", "pillar": "durable_solutions", "theme": "employment_livelihoods",
  "title": {"es": "Empleo juvenil", "en": "Youth employment"},
  "requirement": {"amount": "2000000", "currency": "USD"},
  "start_year": 2025, "end_year": 2026}' | field id)

# 2. The partner, with a token for its own organisation, pledges EUR 1 million.
ME="Authorization: Bearer $(token partner --org "$ORG")"
PLEDGE=$(curl -s "$API/pledges" -H "$ME" -H "$JSON" -H "Idempotency-Key: $(KEY)" -d "{
  \"contributor_id\": \"$ORG\", \"kind\": \"financial\",
  \"title\": {\"en\": \"Apprenticeships for young refugees\"},
  \"amount\": {\"amount\": \"1000000\", \"currency\": \"EUR\"},
  \"recipient_countries\": [\"GTM\"], \"objective_ids\": [\"$OBJ\"],
  \"announced_on\": \"2025-02-01\", \"funding_mechanism\": \"grant\"}" | field id)
# amount_usd is "1040000.0000": EUR 1,000,000 at the 2025-01-01 rate.

# 3. Commit EUR 600,000, then disburse EUR 250,000.
entry() {
  curl -s "$API/pledges/$PLEDGE/entries" -H "$ME" -H "$JSON" -H "Idempotency-Key: $(KEY)" -d "$1"
  echo
}
entry '{"entry_type": "commitment", "amount": {"amount": "600000", "currency": "EUR"},
        "value_date": "2025-03-01", "recipient_country": "GTM", "objective_id": "'"$OBJ"'"}'
entry '{"entry_type": "disbursement", "amount": {"amount": "250000", "currency": "EUR"},
        "value_date": "2025-04-01", "recipient_country": "GTM"}'
# Disbursing more than is committed is refused, with the numbers, and writes nothing:
entry '{"entry_type": "disbursement", "amount": {"amount": "400000", "currency": "EUR"},
        "value_date": "2025-04-02", "recipient_country": "GTM"}'
# → 409 {"type": "/problems/over-disbursement", "detail": "the line of objective … (GTM):
#        disbursements would reach …", "committed": "600000.0000",
#        "disbursed": "250000.0000", "headroom": "350000.0000", "allocation_line_id": …}

curl -s "$API/pledges/$PLEDGE" | python3 -c 'import json, sys; pledge = json.load(sys.stdin)
print(json.dumps({key: pledge[key] for key in ("financial_status", "totals", "allocation")}, indent=2))'
# → "partially_disbursed", committed 600000 EUR = 624000 USD, disbursed 260000 USD; one
#   allocation line (the objective's) with the whole EUR 1,000,000 on it

# 4. The USD summary (anyone may read aggregates) and the objective's gap.
curl -s "$API/reports/summary?group_by=contributor_kind,year&date_from=2025-01-01" | pretty
curl -s "$API/reports/gaps?ids=$OBJ" \
  | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["objectives"][0], indent=2))'
# → requirement_usd 2000000.00, committed_usd 624000.00, disbursed_usd 260000.00,
#   gap_usd 1376000.00, coverage_percent 31.20
