"""iCalendar (RFC 5545) feeds, built with the icalendar library.

One VEVENT per event with a stable UID; a series carries RRULE and EXDATE, and each
moved or cancelled occurrence is a further VEVENT with the same UID and a RECURRENCE-ID.
SEQUENCE is the event's change counter (time, place, status), DTSTAMP and LAST-MODIFIED
its last change, so subscribed calendars replace what they hold. Every zone used gets a
VTIMEZONE generated from zoneinfo.

Every value goes through an icalendar value type (vText escapes line breaks, commas and
semicolons); nothing is assembled by hand, so no text a member enters can add a line.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from icalendar import Calendar, Event, vRecur, vText, vUri

from services.common.vocabulary import countries
from services.events.models import LearningEvent, Occurrence
from services.events.recurrence import to_local
from services.events.service import CalendarData

PRODID = "-//MIRPS Support Platform//events//EN"
_STATUS = {
    "proposed": "TENTATIVE",
    "scheduled": "CONFIRMED",
    "held": "CONFIRMED",
    "reported": "CONFIRMED",
    "cancelled": "CANCELLED",
}


def uid_of(event: LearningEvent) -> str:
    return f"{event.id}@events.mirps-platform"


def text_in(value: dict[str, Any] | None, lang: str) -> str | None:
    """The text in `lang`, or in the other language when it has none."""
    if not value:
        return None
    other = "en" if lang == "es" else "es"
    text = value.get(lang) or value.get(other)
    return str(text) if text else None


def _location(event: LearningEvent, lang: str) -> str | None:
    parts: list[str] = []
    if event.city:
        parts.append(event.city)
    if event.country:
        term = countries[event.country]
        parts.append(term.es if lang == "es" else term.en)
    if not parts and event.online_url:
        return event.online_url
    return ", ".join(parts) or None


def _uri(value: str) -> vUri:
    """A URI property value: whitespace and control characters (never valid in a URI, and
    refused on input since; an older row may hold them) are percent-encoded."""
    return vUri(quote(value, safe="!#$%&'()*+,/:;=?@[]~"))


def _common(component: Event, event: LearningEvent, lang: str) -> None:
    component.add("uid", uid_of(event))
    component.add("dtstamp", event.updated_at)
    component.add("last-modified", event.updated_at)
    component.add("created", event.created_at)
    component.add("sequence", event.sequence)
    component.add("summary", text_in(event.title, lang) or "")
    description = text_in(event.description, lang)
    if description:
        component.add("description", description)
    location = _location(event, lang)
    if location:
        component.add("location", location)
    if event.online_url:
        component.add("url", _uri(event.online_url))
    component.add("categories", [event.kind])


def _master(event: LearningEvent, lang: str) -> Event:
    component = Event()
    _common(component, event, lang)
    component.add("dtstart", to_local(event.starts_at, event.timezone))
    component.add("dtend", to_local(event.ends_at, event.timezone))
    component.add("status", _STATUS[event.status])
    if event.rrule:
        component.add("rrule", vRecur.from_ical(event.rrule))
        if event.exdates:
            tz = to_local(event.starts_at, event.timezone).tzinfo
            component.add(
                "exdate",
                [datetime.fromisoformat(value).replace(tzinfo=tz) for value in event.exdates],
            )
    return component


def _override(event: LearningEvent, occurrence: Occurrence, lang: str) -> Event:
    component = Event()
    _common(component, event, lang)
    component.add("recurrence-id", to_local(occurrence.recurrence_id, event.timezone))
    component.add("dtstart", to_local(occurrence.starts_at, event.timezone))
    component.add("dtend", to_local(occurrence.ends_at, event.timezone))
    if occurrence.status == "cancelled" or event.status == "cancelled":
        component.add("status", "CANCELLED")
    else:
        component.add("status", _STATUS[event.status])
    return component


def render(data: CalendarData, *, lang: str, name: str) -> bytes:
    """The events as an iCalendar document."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", vText(name))
    first: date | None = None
    last: date | None = None
    for event in data.events:
        calendar.add_component(_master(event, lang))
        for occurrence in data.overrides.get(event.id, []):
            calendar.add_component(_override(event, occurrence, lang))
        start = event.starts_at.date()
        first = start if first is None or start < first else first
        end = (
            (event.ends_at + timedelta(days=366 * 10)).date()
            if event.rrule
            else event.ends_at.date()
        )
        last = end if last is None or end > last else last
    if first is not None and last is not None:
        # Transitions only for the years the feed spans keep the VTIMEZONEs small.
        calendar.add_missing_timezones(
            first_date=first - timedelta(days=366), last_date=last + timedelta(days=366)
        )
    return bytes(calendar.to_ical())
