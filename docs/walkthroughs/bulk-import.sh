#!/usr/bin/env bash
# Bulk import and the IATI export (pledges service): export pledges and their ledger as CSV,
# import the file back as a background job (nothing changes: every row is unchanged), and
# publish one contributor's pledges as IATI 2.03 XML. Run it with the platform up
# (`make run`): bash docs/walkthroughs/bulk-import.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
API=$PLEDGES_API
TOKEN=$(token secretariat)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The exports: pledges, then their ledger entries (without the second header line).
curl -s "$API/exports/pledges" -H "Authorization: Bearer $TOKEN" > "$WORK/pledges.csv"
curl -s "$API/exports/entries" -H "Authorization: Bearer $TOKEN" \
  | python3 -c 'import sys; sys.stdout.write("".join(sys.stdin.readlines()[1:]))' >> "$WORK/pledges.csv"
python3 -c 'import sys; print(sum(1 for _ in open(sys.argv[1], encoding="utf-8-sig")) - 1, "rows")' "$WORK/pledges.csv"

# The import is a job: 202 with its id, then poll it until it has succeeded or failed.
JOB=$(curl -s -X POST "$API/imports" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: text/csv' --data-binary @"$WORK/pledges.csv" | field id)
for _ in $(seq 120); do
  STATE=$(curl -s "$API/imports/$JOB" -H "Authorization: Bearer $TOKEN" | field state)
  if [ "$STATE" = succeeded ] || [ "$STATE" = failed ]; then break; fi
  sleep 0.5
done
curl -s "$API/imports/$JOB" -H "Authorization: Bearer $TOKEN" \
  | python3 -c 'import json, sys; job = json.load(sys.stdin)
print({key: job[key] for key in ("state", "rows_total", "rows_written", "rows_unchanged", "errors")})'
# → {'state': 'succeeded', 'rows_total': …, 'rows_written': 0, 'rows_unchanged': …, 'errors': []}

# The IATI 2.03 export of one contributor's pledges (the IDB, looked up by name).
IDB=$(organisation_id "Inter-American Development Bank")
curl -s "$API/exports/iati/activities.xml?reporting_org=$IDB" > "$WORK/activities.xml"
python3 -c 'import sys, xml.etree.ElementTree as tree
root = tree.parse(sys.argv[1]).getroot()
print(root.tag, root.get("version"), len(root.findall("iati-activity")), "activities")' "$WORK/activities.xml"
