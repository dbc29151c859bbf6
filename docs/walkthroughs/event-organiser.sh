#!/usr/bin/env bash
# An organiser's walkthrough (events service): propose a learning event, check clashes across
# time zones, move it to a free slot, schedule it, take registrations with a waitlist, record
# what it produced and subscribe to the calendar. Run it with the platform up (`make run`):
#   bash docs/walkthroughs/event-organiser.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
E=$EVENTS_API

# The organisations of the demo directory (pledges service), looked up by name.
USA=$(organisation_id "United States of America")                     # hosts the event
MTSS=$(organisation_id "Ministerio de Trabajo y Seguridad Social (CRI)")  # a participant's
IDB=$(organisation_id "Inter-American Development Bank")
IDB_PLEDGE=$(first_pledge_of "$IDB")
ORG=$(token member --org "$USA")      # a member of the host
ME=$(token member --org "$MTSS")      # a member of a participant's organisation

# 1. Propose a 3-hour learning event (10:00-13:00 in Panama). Clashes come back as
#    warnings; add ?strict=true to get a 409 instead, with nothing written.
RESP=$(curl -s -X POST "$E/events" -H "Authorization: Bearer $ORG" -H "$JSON" -d '{
  "kind": "learning_event",
  "title": {"es": "Evento de aprendizaje: inclusión financiera", "en": "Learning event: financial inclusion"},
  "starts_at": "2023-07-11T10:00:00", "ends_at": "2023-07-11T13:00:00", "timezone": "America/Panama",
  "mode": "hybrid", "location": {"city": "Ciudad de Panamá", "country": "PAN"},
  "online_url": "https://meet.example.org/le", "countries": ["CRI", "GTM"],
  "hosts": ["'"$USA"'"], "themes": ["financial_inclusion"], "capacity": 2}')
echo "$RESP" | pretty     # starts_at with its offset, starts_at_utc, version, warnings
ID=$(echo "$RESP" | field id)

# 2. What else is on at that time? 09:00-12:00 in Mexico City is 10:00-13:00 in Panama: the
#    service compares in UTC, and finds the employment working group (its second-Tuesday
#    series, 10:00 Mexico City) and the field visit in Costa Rica.
curl -s "$E/schedule/conflicts?starts_at=2023-07-11T09:00:00&ends_at=2023-07-11T12:00:00&timezone=America/Mexico_City&countries=PAN,CRI" | pretty

#    Ask for free slots of the event's length instead (3 hours) in the second half of July,
#    avoiding the employment working group, Panama's and Costa Rica's events and the
#    quarterly meetings; each slot comes with the busy occurrences just before and after it.
SLOTS=$(curl -s -X POST "$E/schedule/suggestions" -H "$JSON" -d '{
  "duration_minutes": 180, "window_start": "2023-07-17", "window_end": "2023-07-31",
  "timezone": "America/Panama", "working_hours": {"start": "09:00", "end": "17:00"},
  "countries": ["PAN", "CRI"], "working_groups": ["employment"],
  "avoid_kinds": ["sp_quarterly_meeting"], "count": 3}')
echo "$SLOTS" | pretty
FIRST_SLOT=$(echo "$SLOTS" | python3 -c 'import json, sys; slot = json.load(sys.stdin)["items"][0]
print(json.dumps({"starts_at": slot["starts_at"], "ends_at": slot["ends_at"]}))')

#    Move it to the first suggestion (times with an offset are taken as those instants).
#    If-Match carries the ETag of your last read (the event's `version`; stale → 412).
curl -s -X PATCH "$E/events/$ID" -H "Authorization: Bearer $ORG" -H "If-Match: $(etag "$E/events/$ID" "$ORG")" \
  -H "$JSON" -d "$FIRST_SLOT" | pretty   # sequence 1, version 2

# 3. Schedule it: proposed → scheduled (held before scheduled, or scheduling twice, is a 409).
curl -s -X POST "$E/events/$ID/schedule" -H "Authorization: Bearer $ORG" | field status

# 4. Registrations: capacity 2, so the third person is waitlisted; one per e-mail (409).
for who in ana luis marta; do
  curl -s -X POST "$E/events/$ID/registrations" -H "Authorization: Bearer $ME" -H "$JSON" \
    -d "{\"name\": \"$who\", \"email\": \"$who@example.org\", \"country\": \"CRI\"}" | field status
done
curl -s "$E/events/$ID/registrations/counts"; echo          # public: numbers only
FIRST=$(curl -s "$E/events/$ID/registrations?status=registered" -H "Authorization: Bearer $ORG" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
curl -s -X POST "$E/registrations/$FIRST/cancel" -H "Authorization: Bearer $ME" | field status
curl -s "$E/events/$ID/registrations/counts"; echo          # marta was promoted from the waitlist

# 5. It took place: scheduled → held (and later → reported). Cancelling needs a reason:
#    POST /events/{id}/cancel {"reason": "..."}.
curl -s -X POST "$E/events/$ID/hold" -H "Authorization: Bearer $ORG" | field status

# 6. Outcomes (Outcomes 3.3.1-3.3.3): what the event produced, followed up across events
#    (`year` is the year of the event in its own time zone). The IDB and its pledge are
#    the demo data's own.
curl -s -X POST "$E/events/$ID/outcomes" -H "Authorization: Bearer $ORG" -H "$JSON" -d '{
  "kind": "resource_commitment", "country": "GTM", "organisation_id": "'"$IDB"'",
  "description": {"en": "IDB funds a replication of the microcredit practice in Guatemala."},
  "status": "planned", "pledge_id": "'"$IDB_PLEDGE"'"}' | field status
curl -s "$E/outcomes?kind=resource_commitment&year=2023" | pretty

# 7. Subscribe: the whole programme, or one event, as iCalendar (RFC 5545).
curl -s "$E/calendar.ics?country=PAN&lang=en" | sed -n 1,20p   # the first lines of the feed
curl -s "$E/events/$ID.ics"
