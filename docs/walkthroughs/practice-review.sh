#!/usr/bin/env bash
# A focal point and a reviewer (practices service): draft, review, publish, search, and a gap
# in the inventory. Run it with the platform up (`make run`):
#   bash docs/walkthroughs/practice-review.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
API=$PRACTICES_API
FOCAL=$(token country_focal_point --country GTM --sub focal-gtm)
REVIEWER=$(token secretariat --sub reviewer-ana)

# A focal point of Guatemala drafts a practice.
PRACTICE=$(curl -s "$API/practices" \
  -H "Authorization: Bearer $FOCAL" -H "$JSON" -d '{
    "title": {"es": "Integración laboral de personas refugiadas en Quetzaltenango",
              "en": "Labour integration of refugees in Quetzaltenango"},
    "summary": {"es": "Bolsa de empleo municipal con empresas locales.",
                "en": "Municipal job matching with local companies."},
    "country": "GTM", "origin": "mirps_country",
    "themes": ["employment_livelihoods"], "populations": ["refugees"],
    "evidence": {"level": "promising"},
    "contacts": [{"name": "Oficina municipal de empleo", "email": "empleo@example.org"}]
  }' | field id)

curl -s "$API/practices/$PRACTICE"; echo            # anonymous: 404, it is a draft
curl -s -X POST "$API/practices/$PRACTICE/submit" -H "Authorization: Bearer $FOCAL" | field status

# The reviewer asks for changes; the focal point edits (with the ETag it read) and
# resubmits; the reviewer publishes.
curl -s -X POST "$API/practices/$PRACTICE/request-changes" \
  -H "Authorization: Bearer $REVIEWER" -H "$JSON" \
  -d '{"comment": "Añadan los resultados obtenidos, por favor."}' | field status

ETAG=$(etag "$API/practices/$PRACTICE" "$FOCAL")
curl -s -X PATCH "$API/practices/$PRACTICE" \
  -H "Authorization: Bearer $FOCAL" -H "If-Match: $ETAG" -H "$JSON" \
  -d '{"results": {"es": "85 personas con empleo formal en 2025.",
                   "en": "85 people in formal jobs in 2025."}}' | field status
curl -s -X POST "$API/practices/$PRACTICE/submit" -H "Authorization: Bearer $FOCAL" | field status
curl -s -X POST "$API/practices/$PRACTICE/publish" -H "Authorization: Bearer $REVIEWER" | field status
curl -s -X POST "$API/practices/$PRACTICE/publish" -H "Authorization: Bearer $REVIEWER"; echo
# → 409 problem+json: a published practice cannot be published again

# Anyone can now find it, without accents, in either language, with facet counts for the
# current filter (contacts stay hidden without a token).
curl -s "$API/practices?q=integracion+empleo&country=GTM" | pretty
# {"items": [{"title": {"es": "Integración laboral de personas refugiadas en ...", ...},
#             "contacts": null, ...}],
#  "next_cursor": null, "total": 1,
#  "facets": {"theme": [{"value": "employment_livelihoods", "count": 1}],
#             "country": [{"value": "GTM", "count": 1}], ...}}
curl -s "$API/practices?q=refug&prefix=true&sort=title&facets=false" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"], "practices start with refug…")'
curl -s "$API/practices/$PRACTICE/versions"; echo    # version 1: published

# The focal point records a gap, and the learning-event planner reads the priorities.
curl -s "$API/inventory-items" \
  -H "Authorization: Bearer $FOCAL" -H "$JSON" -d '{
    "country": "GTM", "theme": "mental_health_psychosocial", "kind": "gap",
    "severity": "critical", "as_of_date": "2026-06-30",
    "title": {"es": "Sin atención psicosocial fuera de la capital",
              "en": "No psychosocial care outside the capital"}}' | field id
curl -s "$API/topics/priorities" | pretty
