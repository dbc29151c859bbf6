"""The GraphQL documents the portal sends: one request per page (the strategy apart).

They are the reference for a frontend: each asks for exactly what its page shows, in one
round trip, anonymously. Money comes in USD as decimal strings.
"""

from __future__ import annotations

TOTALS = "{ pledged { amount } committed { amount } disbursed { amount } }"
TEXT = "{ es en }"


def home(periods: list[str]) -> str:
    """Home: the half-year series (one `synthesis` alias per period), the breakdowns, the gaps."""
    series = "\n".join(
        f'  {period_alias(period)}: synthesis(period: "{period}") {{ period endsOn ratesAsOf '
        f"totals {TOTALS} }}"
        for period in periods
    )
    return f"""query Home {{
{series}
  countries {{ code name {TEXT} }}
  byCountry: fundingSummary(groupBy: [COUNTRY]) {{ rows {{ group {{ value }} totals {TOTALS} }} }}
  byContributorKind: fundingSummary(groupBy: [CONTRIBUTOR_KIND]) {{
    rows {{ group {{ value }} totals {TOTALS} }}
  }}
  pledges(first: 100, includeWithdrawn: false) {{
    totalCount
    nodes {{ fundingMechanism amount {{ amountUsd }} }}
  }}
  gaps {{
    objectives {{
      title {TEXT} gap {{ amount }} requirement {{ amount }} coveragePercent
      objective {{ country {{ code name {TEXT} }} }}
    }}
  }}
}}"""


def period_alias(period: str) -> str:
    """A GraphQL alias for a period: 2023-H1 -> p2023H1."""
    return "p" + period.replace("-", "")


# How many events a page reads to find the most recent past ones (they come oldest first).
RECENT_WINDOW = 50

COUNTRY = f"""query Country($code: String!, $today: Date!) {{
  country(code: $code) {{
    code name {TEXT}
    gaps {{
      countries {{
        requirement {{ amount }} committed {{ amount }} disbursed {{ amount }} gap {{ amount }}
        coveragePercent
      }}
      objectives {{
        title {TEXT} pillar {{ name {TEXT} }} theme {{ name {TEXT} }}
        requirement {{ amount }} pledged {{ amount }} committed {{ amount }} disbursed {{ amount }}
        gap {{ amount }} coveragePercent
      }}
    }}
    pledges(first: 50) {{
      totalCount
      nodes {{
        title {TEXT} kind fundingMechanism financialStatus announcedOn withdrawn illustrative
        contributor {{ name }}
        amount {{ amount currency amountUsd }}
      }}
    }}
    practices(first: 20) {{
      totalCount nodes {{ title {TEXT} summary {TEXT} evidence {{ level }} }}
    }}
    events(first: 10, startsFrom: $today) {{
      nodes {{ title {TEXT} kind status startsAt timezone city mode }}
    }}
    pastEvents: events(first: {RECENT_WINDOW}) {{
      pageInfo {{ hasNextPage }}
      nodes {{ title {TEXT} kind status startsAt endsAt timezone city mode }}
    }}
    indicators {{ id name {TEXT} unit target latest {{ value period stale }} }}
  }}
}}"""

SYNTHESIS = f"""query Synthesis($period: String!) {{
  synthesis(period: $period) {{
    period startsOn endsOn ratesAsOf newPledgesCount
    totals {TOTALS}
    previousTotals {TOTALS}
    change {TOTALS}
    newPledges {{ title {TEXT} kind announcedOn amount {{ amount currency amountUsd }} }}
    newPartners {{ name kind firstPledgeOn }}
    byCountry {{ group {{ value }} totals {TOTALS} }}
    byContributorKind {{ group {{ value }} totals {TOTALS} }}
    largestGaps {{ title {TEXT} gap {{ amount }} requirement {{ amount }} coveragePercent }}
  }}
  countries {{ code name {TEXT} }}
}}"""

# Its own request: the results service (and this field) may not exist on a gateway yet.
STRATEGY = f"""query Strategy {{
  strategy {{
    code title {TEXT} status
    objectives {{
      code title {TEXT} status
      activities {{
        code title {TEXT}
        outcomes {{
          code title {TEXT} status
          indicators {{
            id name {TEXT} unit direction target source
            latest {{ value period computedAt stale }}
          }}
        }}
      }}
    }}
  }}
}}"""

PRACTICES = f"""query Practices($q: String, $theme: [String!], $country: [String!],
    $evidence: [EvidenceLevel!], $after: String) {{
  practices(
    q: $q, theme: $theme, country: $country, evidence: $evidence, first: 20, after: $after
  ) {{
    totalCount
    facets {{ theme {{ value count }} country {{ value count }} evidence {{ value count }} }}
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      title {TEXT} summary {TEXT} evidence {{ level }}
      country {{ code name {TEXT} }} themes {{ code name {TEXT} }}
      implementingOrganisationNames {{ name }}
    }}
  }}
  themes {{ code name {TEXT} }}
  countries {{ code name {TEXT} }}
}}"""

EVENT_FIELDS = f"""
      title {TEXT} kind status startsAt endsAt timezone mode city
      country {{ name {TEXT} }}
      themes {{ name {TEXT} }}"""

# `recent`: the events that started before the date, oldest first; when there is nothing to
# come, the page shows the last of them (only if the page holds them all, see pages.recent).
EVENTS = f"""query Events($today: Date!) {{
  events(startsFrom: $today, first: 50) {{
    totalCount
    nodes {{{EVENT_FIELDS}
    }}
  }}
  recent: events(startsTo: $today, first: {RECENT_WINDOW}) {{
    pageInfo {{ hasNextPage }}
    nodes {{{EVENT_FIELDS}
    }}
  }}
}}"""
