"""The portal's words in Spanish and English (Spanish first), and how numbers and dates read."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Lang = Literal["es", "en"]
LANGUAGES: tuple[Lang, ...] = ("es", "en")

WORDS: dict[str, tuple[str, str]] = {
    "site": ("Plataforma de Apoyo del MIRPS", "MIRPS Support Platform"),
    "tagline": (
        "Información pública sobre el apoyo movilizado para el MIRPS",
        "Public information on the support mobilised for MIRPS",
    ),
    "skip": ("Saltar al contenido", "Skip to content"),
    "nav": ("Navegación principal", "Main navigation"),
    "home": ("Inicio", "Home"),
    "countries": ("Países", "Countries"),
    "synthesis": ("Síntesis semestral", "Semi-annual synthesis"),
    "strategy": ("Progreso de la estrategia", "Strategy progress"),
    "practices": ("Buenas prácticas", "Good practices"),
    "events": ("Calendario", "Calendar"),
    "switch": ("English", "Español"),
    "switch_label": ("Read this page in English", "Leer esta página en español"),
    "pledged": ("Anunciado", "Pledged"),
    "committed": ("Comprometido", "Committed"),
    "disbursed": ("Desembolsado", "Disbursed"),
    "requirement": ("Requerimiento", "Requirement"),
    "gap": ("Brecha", "Gap"),
    "coverage": ("Cobertura", "Coverage"),
    "country": ("País", "Country"),
    "period": ("Semestre", "Half-year"),
    "as_of": ("Datos al", "Figures as of"),
    "download_csv": ("Descargar los datos (CSV)", "Download the data (CSV)"),
    "table_of": ("Tabla de datos", "Data table"),
    "usd": ("USD", "USD"),
    "missing": (
        "Parte de la información no está disponible ahora",
        "Some information is not available right now",
    ),
    "missing_service": (
        "no responde; faltan sus datos en esta página",
        "is not answering; its figures are missing from this page",
    ),
    "service_gateway": ("La pasarela de datos", "The data gateway"),
    "service_pledges": ("El servicio de compromisos", "The pledges service"),
    "service_practices": ("El catálogo de buenas prácticas", "The good-practices catalogue"),
    "service_events": ("El servicio de eventos", "The events service"),
    "service_results": ("El servicio de resultados", "The results service"),
    "largest_gaps": ("Las mayores brechas de financiamiento", "The largest funding gaps"),
    "objective": ("Objetivo", "Objective"),
    "over_time": ("Apoyo movilizado por semestre", "Support mobilised by half-year"),
    "over_time_desc": (
        "Montos acumulados anunciados, comprometidos y desembolsados al cierre de cada semestre, en millones de USD.",
        "Cumulative amounts pledged, committed and disbursed at the end of each half-year, in millions of USD.",
    ),
    "by_country": ("Apoyo por país", "Support by country"),
    "by_country_desc": (
        "Montos anunciados, comprometidos y desembolsados por país receptor, en millones de USD.",
        "Amounts pledged, committed and disbursed by recipient country, in millions of USD.",
    ),
    "by_contributor_kind": ("Apoyo por tipo de contribuyente", "Support by kind of contributor"),
    "by_contributor_kind_desc": (
        "Montos anunciados, comprometidos y desembolsados por tipo de contribuyente, en millones de USD.",
        "Amounts pledged, committed and disbursed by kind of contributor, in millions of USD.",
    ),
    "by_mechanism": ("Anuncios por mecanismo de financiamiento", "Pledges by funding mechanism"),
    "by_mechanism_desc": (
        "Monto de los anuncios públicos vigentes por mecanismo de financiamiento, en millones de USD a la fecha de cada anuncio.",
        "Amount of the public pledges in force by funding mechanism, in millions of USD at each announcement's date.",
    ),
    "partial_list": (
        "Incluye los {} anuncios más recientes de {}.",
        "It counts the {} most recent of {} pledges.",
    ),
    "mechanism": ("Mecanismo", "Mechanism"),
    "contributor_kind": ("Tipo de contribuyente", "Kind of contributor"),
    "objectives": ("Objetivos del plan de acción nacional", "National action plan objectives"),
    "pillar": ("Pilar", "Pillar"),
    "theme": ("Tema", "Theme"),
    "pledges": ("Anuncios de apoyo", "Pledges"),
    "contributor": ("Contribuyente", "Contributor"),
    "amount": ("Monto", "Amount"),
    "status": ("Estado", "Status"),
    "announced_on": ("Anunciado el", "Announced on"),
    "illustrative": ("ilustrativo: cifras inventadas", "illustrative: invented figures"),
    "upcoming": ("Próximos eventos", "Upcoming events"),
    "none_upcoming": ("No hay eventos próximos.", "No upcoming events."),
    "recent": ("Eventos recientes", "Recent events"),
    "recent_note": (
        "Los últimos eventos que ya comenzaron, del más reciente al más antiguo.",
        "The latest events that have already started, most recent first.",
    ),
    "indicators": ("Indicadores", "Indicators"),
    "indicators_elsewhere": (
        "Los indicadores regionales de la estrategia están en su página de progreso:",
        "The strategy's regional indicators are on its progress page:",
    ),
    "indicator_period": ("Periodo", "Period"),
    "no_country_indicators": (
        "No hay indicadores del Plan de Acción Nacional registrados para este país.",
        "No National Action Plan indicators are recorded for this country.",
    ),
    "country_indicators_unavailable": (
        "Los indicadores del país no están disponibles: el servicio de resultados no responde.",
        "The country's indicators are not available: the results service is not answering.",
    ),
    "not_available": ("No disponible", "Not available"),
    "strategy_unavailable": (
        "El progreso de la estrategia aún no está disponible: el servicio de resultados no responde o todavía no existe en la pasarela.",
        "The strategy's progress is not available yet: the results service is not answering or does not exist on the gateway yet.",
    ),
    "totals": ("Totales al cierre del semestre", "Totals at the end of the half-year"),
    "rejected": ("No se pudo hacer esta búsqueda:", "This search could not be run:"),
    "figures": ("Cifras", "Figures"),
    "to_date": ("Apoyo movilizado hasta hoy", "Support mobilised to date"),
    "previous": ("Semestre anterior", "Previous half-year"),
    "change": ("Variación", "Change"),
    "new_pledges": ("Nuevos anuncios", "New pledges"),
    "new_partners": ("Nuevos socios", "New partners"),
    "none": ("Ninguno.", "None."),
    "download_pdf": ("Descargar la síntesis en PDF", "Download the synthesis as PDF"),
    "periods": ("Semestres disponibles", "Half-years available"),
    "rates_as_of": ("Tipos de cambio al", "Exchange rates as of"),
    "search": ("Buscar", "Search"),
    "search_label": ("Palabras a buscar", "Words to search"),
    "filters": ("Filtros", "Filters"),
    "evidence": ("Evidencia", "Evidence"),
    "results_count": ("prácticas encontradas", "practices found"),
    "apply": ("Aplicar", "Apply"),
    "clear": ("Quitar filtros", "Clear filters"),
    "next_page": ("Página siguiente", "Next page"),
    "subscribe": ("Suscribirse al calendario (ICS)", "Subscribe to the calendar (ICS)"),
    "subscribe_country": ("Calendario de este país (ICS)", "This country's calendar (ICS)"),
    "when": ("Fecha", "When"),
    "event": ("Evento", "Event"),
    "kind": ("Tipo", "Kind"),
    "where": ("Lugar", "Where"),
    "online": ("En línea", "Online"),
    "show_earlier": ("Ver también eventos pasados desde 2022", "Show past events since 2022 too"),
    "unit": ("Unidad", "Unit"),
    "target": ("Meta", "Target"),
    "latest": ("Último valor", "Latest value"),
    "source": ("Fuente", "Source"),
    "stale": ("desactualizado", "out of date"),
    "outcome": ("Resultado", "Outcome"),
    "activity": ("Actividad", "Activity"),
    "see_country": ("Ver la página del país", "See the country page"),
    "not_found": ("Página no encontrada", "Page not found"),
    "not_found_text": ("No existe esa página.", "There is no such page."),
    "footer": (
        "Datos leídos de la API GraphQL pública de la plataforma.",
        "Figures read from the platform's public GraphQL API.",
    ),
    "practices_total": ("prácticas", "practices"),
    "pledges_total": ("anuncios", "pledges"),
}

STATUS: dict[str, tuple[str, str]] = {
    "ON_TRACK": ("En curso", "On track"),
    "AT_RISK": ("En riesgo", "At risk"),
    "OFF_TRACK": ("Retrasado", "Off track"),
    "ACHIEVED": ("Logrado", "Achieved"),
    "NOT_STARTED": ("Sin iniciar", "Not started"),
}


def word(key: str, lang: Lang) -> str:
    spanish, english = WORDS[key]
    return spanish if lang == "es" else english


def service_name(service: str, lang: Lang) -> str:
    """'pledges' -> 'The pledges service' (a service the portal does not know keeps its name)."""
    key = f"service_{service}"
    return word(key, lang) if key in WORDS else service


def status(code: str | None, lang: Lang) -> str:
    if code is None or code not in STATUS:
        return code or "—"
    return STATUS[code][0 if lang == "es" else 1]


def text(value: dict[str, str | None] | None, lang: Lang) -> str:
    """A {es, en} text in `lang`, falling back to the other language."""
    if not value:
        return ""
    other: Lang = "en" if lang == "es" else "es"
    return value.get(lang) or value.get(other) or ""


def code_label(code: str | None) -> str:
    """An enum or vocabulary code as words: MULTILATERAL_DEVELOPMENT_BANK -> Multilateral development bank."""
    if not code:
        return "—"
    return code.replace("_", " ").capitalize()


def money(amount: str | Decimal | None, lang: Lang, places: int = 0) -> str:
    """USD amounts the way each language writes them: 1.250.000 (es), 1,250,000 (en)."""
    if amount is None or amount == "":
        return "—"
    quantum = Decimal(1).scaleb(-places)
    value = Decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP)
    written = f"{value:,.{places}f}"
    if lang == "es":
        written = written.replace(",", " ").replace(".", ",").replace(" ", ".")
    return written


def percent(value: str | None, lang: Lang) -> str:
    if value is None:
        return "—"
    return money(value, lang, places=1) + " %"
