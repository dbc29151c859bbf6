#!/usr/bin/env bash
# Are we on track? (results service): measure every computed indicator now, then read the
# strategy's progress at the end of 2023 as CSV. Run it with the platform up (`make run`):
#   bash docs/walkthroughs/results-progress.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
TOKEN=$(token secretariat)

curl -s -X POST "$RESULTS_API/measure" -H "Authorization: Bearer $TOKEN"; echo
# → {"errors": {}}
curl -s "$RESULTS_API/progress?strategy=sp-2022-2023&as_of=2023-12-31" -H 'Accept: text/csv'
# strategy,as_of,objective,objective_status,outcome,outcome_status,indicator,value,target,...
# sp-2022-2023,2023-12-31,1,off_track,1.1.1,not_started,usd-pledged,210000000.00,,2022/2023,false,on_track
# sp-2022-2023,2023-12-31,2,off_track,2.1.4,achieved,private-sector-commitments,3,2,2022/2023,false,achieved
# sp-2022-2023,2023-12-31,3,off_track,3.3.1,off_track,learning-events,1,2,2023,false,off_track

# The semi-annual accountability report (Outcome 1.1.2): frozen once the half-year is over.
curl -s "$RESULTS_API/progress/snapshots/2023-H1" -H 'Accept: text/csv' | sed -n 1,5p
