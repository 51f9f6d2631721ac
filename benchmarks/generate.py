"""Deterministic generator of synthetic articles in the scraped seed format.

    python benchmarks/generate.py --articles N --out DIR [--seed S]

Writes `NNNNNN_<16 hex>.txt` files shaped like `seeds/000_64a29ae14d7662cb.txt` (see
GUIDE.md section 3). Article `i` depends only on `(seed, i)`: the same arguments give
byte-identical files, a corpus of N articles is a prefix of a corpus of M > N, and
`benchmarks/run.py` can add article N later with `write_article(N, article_rng(seed, N))`.

Speed: the prose is drawn from sentence and phrase pools built once at import, so an
article costs a handful of `random` calls, not one per word.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

DEFAULT_SEED = 2026

# -- topic pools (Zipf-like: earlier names are chosen more often) ------------------------

REGIONS = (
    "Middle East & North Africa",
    "USA",
    "Europe",
    "Russia and FSU",
    "Asia",
    "Latin America & Caribbean",
    "sub-Saharan Africa",
    "Canada",
    "Oceania",
    "South Asia",
    "China",
    "Germany",
    "United Kingdom",
    "France",
    "Ukraine",
    "Syria",
    "Iran",
    "Israel and Palestine",
    "Turkey",
    "Venezuela",
    "Brazil",
    "Mexico",
    "Cuba",
    "Japan",
    "Korea",
    "India",
    "Pakistan",
    "Afghanistan",
    "Iraq",
    "Yemen",
    "Libya",
    "Egypt",
    "Saudi Arabia",
    "Baltic States",
    "Balkans",
    "Scandinavia",
    "Caucasus",
    "Central Asia",
    "Côte d’Ivoire",
    "Arctic",
)
THEMES = (
    "US NATO War Agenda",
    "Global Economy",
    "Intelligence",
    "Media Disinformation",
    "Police State & Civil Rights",
    "Militarization and WMD",
    "Oil and Energy",
    "Poverty & Social Inequality",
    "Environment",
    "Science and Medicine",
    "Law and Justice",
    "History",
    "Crimes against Humanity",
    "Terrorism",
    "Religion",
    "Biotechnology and GMO",
    "Culture, Society & History",
    "Women’s Rights",
    "Labour and Trade Unions",
    "Food and Agriculture",
    "Water",
    "Climate",
    "Nuclear War",
    "Financial Crisis",
    "Debt",
    "Sanctions",
    "Trade",
    "Migration and Refugees",
    "Elections",
    "Education",
    "Health",
    "Pharmaceuticals",
    "Technology",
    "Surveillance",
    "Cybersecurity",
    "Propaganda",
    "Foreign Policy",
    "Diplomacy",
    "United Nations",
    "Humanitarian Aid",
    "Mining",
    "Shipping",
    "Space",
    "Indigenous Rights",
    "Housing",
    "Corruption",
    "Privatization",
    "Central Banks",
    "Currency Wars",
    "Gold",
    "Pipelines",
    "Arms Trade",
    "Drones",
    "Private Military Contractors",
    "Whistleblowers",
    "Freedom of the Press",
    "Social Media",
    "Vaccines",
    "Public Health",
    "Genocide",
)
REPORTS = (
    "SYRIA",
    "UKRAINE REPORT",
    "IRAN: THE NEXT WAR?",
    "Palestine",
    "VENEZUELA",
    "COVID-19",
    "The Global Economic Crisis",
    "NORTH KOREA",
    "AFGHANISTAN",
    "IRAQ REPORT",
    "LIBYA",
    "YEMEN",
    "FUKUSHIMA CRISIS",
    "Climate Change",
    "NUCLEAR WAR",
    "THE BALKANS",
    "CUBA",
    "HAITI",
    "The Arctic Race",
    "Sanctions Watch",
    "Lebanon",
    "Sudan",
    "Mali and the Sahel",
    "Gaza",
    "BREXIT",
    "Big Pharma",
    "9/11 Truth",
    "The War on Terror",
    "Food Crisis",
    "The BRICS",
)

# -- people, organisations and outlets --------------------------------------------------

FIRST_NAMES = (
    "Mei Lin", "Rafael", "Sunita", "José Ángel", "Oksana", "Daniel", "Leila", "Marco",
    "Kenji", "Amadou", "Fatou", "Carmen", "Ana", "Tomasz", "Hassan", "Wanjiru", "Nimal",
    "Priya", "Milan", "Ivana", "Aroha", "Lucía", "Omar", "Jane", "Michel", "Peter", "Sarah",
    "Edward", "Ramzy", "Stephen", "Diana", "Finian", "Eric", "Gary", "Pepe", "Kurt",
    "Ahmed", "Björn", "Zoë", "François", "Søren", "Chloé", "Nguyễn", "Łukasz", "Yusuf",
    "Olga", "Dmitri", "Ingrid", "Thandiwe", "Kwame", "Aiko", "Ravi", "Elena", "Mateo",
    "Ngozi", "Giulia", "Henrik", "Svetlana", "Tariq", "Beatriz",
)  # fmt: skip
LAST_NAMES = (
    "Tan", "Ortega", "Rao", "Núñez", "Melnyk", "Okafor", "Haddad", "Bianchi", "Sato",
    "Diallo", "Ndiaye", "Quispe", "Ruiz", "Wójcik", "Al-Amin", "Mwangi", "Perera", "Raman",
    "Horvat", "Kovač", "Ngata", "Fernández", "Farouk", "Doe", "Chossudovsky", "Koenig",
    "Lendman", "Curtin", "Baroud", "Lendvai", "Johnstone", "Cunningham", "Zuesse", "Leupp",
    "Escobar", "Nimmo", "Müller", "Lindqvist", "Dubois", "Østergaard", "Kowalski", "Yılmaz",
    "Petrova", "Ivanov", "Andersson", "Mbeki", "Mensah", "Tanaka", "Sharma", "Rossi",
    "García", "Adeyemi", "Conti", "Nakamura", "Khan", "O’Brien", "McAllister", "Van der Berg",
    "Santos", "Kuznetsova",
)  # fmt: skip
# Organisations as authors; names with "and" only ever appear as links, so the byline
# parser never splits them.
ORGANISATIONS = (
    "Global Research News",
    "Geneva Observatory on Sanctions and Trade",
    "Physicians for Peace and Justice",
    "Commonwealth Debt Watch",
    "Africa Policy Forum",
    "Transnational Institute",
    "Baltic Energy Monitor",
    "Committee for Open Ports",
    "Andean Mining Observatory",
    "Centre for Research on Globalization",
)
OUTLETS = (
    "RT",
    "Consortium News",
    "Asia Times",
    "Strategic Culture Foundation",
    "Mint Press News",
    "Common Dreams",
    "CounterPunch",
    "Truthout",
    "The Cradle",
    "Al Mayadeen English",
    "Middle East Eye",
    "Press TV",
    "The Grayzone",
    "Antiwar.com",
    "Naked Capitalism",
    "Eurasia Review",
    "Inter Press Service",
    "The Conversation",
    "Znet",
    "Dissident Voice",
)
PUBLISHER = "Global Research"

# -- prose pools --------------------------------------------------------------------------

CITIES = (
    "Chișinău", "São Paulo", "Kraków", "Bogotá", "Zürich", "Malmö", "Reykjavík", "İstanbul",
    "Ciudad Juárez", "Hà Nội", "Doha", "Lagos", "Penang", "Caracas", "Tiraspol", "Brussels",
    "Geneva", "Nairobi", "Dhaka", "Lima", "Belgrade", "Tbilisi", "Almaty", "Jakarta", "Manila",
    "Havana", "Beirut", "Damascus", "Tehran", "Kyiv", "Moscow", "Beijing", "Washington",
    "London", "Paris", "Berlin", "Ankara", "Cairo", "Riyadh", "Islamabad",
)  # fmt: skip
SUBJECTS = (
    "The government", "Officials in {city}", "The central bank", "Analysts in {city}",
    "The finance ministry", "Critics of the agreement", "Local residents", "The commission",
    "Washington", "Moscow", "Beijing", "The alliance", "Trade unions", "Farmers in the region",
    "The company", "Independent observers", "The defence ministry", "Human rights groups",
    "Investors", "The opposition", "Diplomats in {city}", "The report", "Parliament",
    "Shipping agents", "The International Monetary Fund", "Health workers", "Port workers",
    "The prime minister", "A senior official", "Energy traders", "The auditors", "Lawyers",
    "Regional governors", "The Security Council", "Hospital associations", "Bankers",
)  # fmt: skip
VERBS = (
    "announced", "rejected", "warned about", "moved to review", "quietly approved",
    "questioned", "published", "delayed", "criticised", "welcomed", "began negotiating",
    "signed", "cut", "raised", "extended", "suspended", "denied", "defended", "postponed",
    "challenged", "endorsed", "revised", "leaked", "investigated", "ignored", "renegotiated",
)  # fmt: skip
OBJECTS = (
    "a new round of sanctions", "the pipeline contract", "the budget for next year",
    "the agreement on grain exports", "plans for a new military base", "the loan programme",
    "tariffs on steel imports", "the ceasefire proposal", "an inquiry into the shortages",
    "the royalty regime", "the debt restructuring", "the fisheries pact", "the transit deal",
    "export licences for medical supplies", "the privatisation of the water utility",
    "the port concession", "the emergency decree", "the election timetable",
    "the arms package", "new rules on foreign ownership", "the hydropower project",
    "the free-trade talks", "the reconstruction fund", "the minimum wage",
    "subsidies for fuel and bread", "the vaccine procurement contract",
)  # fmt: skip
ADJUNCTS = (
    "after weeks of talks", "despite strong opposition", "in {city}", "on Thursday",
    "earlier this month", "according to {outlet}", "for the third time in {n} years",
    "without a public debate", "with little warning", "late on Friday",
    "under pressure from {city}", "before the summit", "in a closed session",
    "at a press conference in {city}", "while the talks were still under way",
    "at a cost of {n} million dollars", "in the middle of the harvest", "",
)  # fmt: skip
TAILS = (
    "", "", "", ", but the details remain unclear", ", a move that surprised many observers",
    ", although few expect it to change much", "; the figures have not been published",
    ", and the markets reacted within hours", ", raising new questions about who pays",
    ", according to people familiar with the matter", " – and the politics remain contested",
)  # fmt: skip
QUOTES = (
    "We do not have a choice", "This is not a commercial decision", "Energy is not a weapon",
    "Nobody asked the people who will pay for it", "We have heard these promises before",
    "The numbers simply do not add up", "It is a necessary evil, nothing more",
    "We are a 300-person company, not a ministry", "The law is clear, the practice is not",
    "Security without prosperity is not security", "They want the ports, not the people",
)  # fmt: skip
SPEAKERS = (
    "a senior official", "the deputy minister", "one shipping agent", "a union leader",
    "the finance director of one supplier", "a diplomat in {city}", "a local farmer",
    "an economist in {city}", "the mayor of {city}", "a spokesperson for the ministry",
)  # fmt: skip
STATS = (
    "Prices rose by {n} percent in {year}, the highest level since {year2}.",
    "Imports fell by {n} percent in two years, according to port authority data.",
    "More than {n},000 people have left the region since {year2}.",
    "The deficit reached {n} billion dollars, or {m} percent of output.",
    "Only {m} of the {n} contracts were put out to tender.",
    "In {year}, the fund held assets worth {n} billion euros in {city}.",
)  # fmt: skip
HEADING_WORDS = (
    "A Dangerous Precedent", "Who Pays?", "The Numbers Behind the Deal", "Ports and Power",
    "The View from {city}", "What Comes Next", "A Familiar Pattern", "The Cost of Silence",
    "Follow the Money", "Background", "The Legal Question", "Winners and Losers",
    "An Uneasy Truce", "The Missing Billions", "Voices from {city}", "Conclusion",
)  # fmt: skip
TITLE_HEADS = (
    "{city}’s {noun} Gamble", "The {noun} Question", "Sanctions and {noun}", "{noun} Wars",
    "Inside the {noun} Deal", "{region}: The {noun} Crisis", "Who Profits from {noun}?",
    "The Hidden Cost of {noun}", "{noun} and the New Cold War", "Weekly Analysis: {noun}",
    "The {noun} Trap", "Beyond {noun}",
)  # fmt: skip
TITLE_NOUNS = (
    "Pipeline", "Grain", "Debt", "Lithium", "Copper", "Gas", "Water", "Port", "Chip",
    "Currency", "Wheat", "Oil", "Uranium", "Fisheries", "Tariff", "Bond", "Arms",
    "Vaccine", "Border", "Election", "Drone", "Rail", "Dam", "Gold", "Refugee",
)  # fmt: skip
TITLE_TAILS = (
    "What the Official Figures Leave Out", "“We Will Not Be Bullied,” Says {city}",
    "A Field Report from {city}", "How {region} Lost the Argument",
    "The Deal Nobody Debated", "Questions for {city}", "Follow the Money",
    "Why the Talks Failed", "A Reply to the Critics", "Lessons from {year}",
    "An Interview from {city}", "The Case of {city}", "Between {city} and {city2}",
)  # fmt: skip
IMAGE_ALTS = (
    "Cargo ships wait at anchor outside the port of {city}",
    "Protesters gather in front of parliament in {city}",
    "A pipeline under construction near {city}",
    "Delegates at the summit in {city}",
    "",
)  # fmt: skip
NOTES = (
    "Port authority of {city}, monthly cargo statistics, {year}–{year2}.",
    "See the report of the [UN Special Rapporteur](#), A/HRC/{n}/{m}, {year}.",
    "Interview with the author, {city}, {year}.",
    "Ministry of Finance, budget outturn, {year}.",
)  # fmt: skip

PROMOTIONAL = (
    "*All Global Research articles can be read in 51 languages by activating the Translate "
    "Website button below the author’s name (only available in desktop version).*",
    "*To receive Global Research’s Daily Newsletter (selected articles), [click here](#).*",
    "*Click the share button above to email/forward this article to your friends and "
    "colleagues. Follow us on [Instagram](#) and [Twitter](#) and subscribe to our "
    "[Telegram Channel](#). Feel free to repost and share widely Global Research articles.*",
    "*Visit and follow us on Instagram at @globalresearch_crg.*",
)

FOOTER_LINKS = (
    "---\n\n[Comment on Global Research Articles on our Facebook page](#)\n\n"
    "[Become a Member of Global Research](#)\n\n"
)
DISCLAIMER = (
    "**Disclaimer:** The contents of this article are of sole responsibility of the author(s). "
    "The Centre for Research on Globalization will not be responsible for any inaccurate or "
    "incorrect statement in this article. The Centre of Research on Globalization grants "
    "permission to cross-post Global Research articles on community internet sites as long the "
    "source and copyright are acknowledged together with a hyperlink to the original Global "
    "Research article. For publication of Global Research articles in print or other forms "
    "including commercial internet sites, contact: "
    "[publications@globalresearch.ca](mailto:publications@globalresearch.ca)  \n"
    "[www.globalresearch.ca](http://www.globalresearch.ca) contains copyrighted material the "
    "use of which has not always been specifically authorized by the copyright owner. We are "
    'making such material available to our readers under the provisions of "fair use" in an '
    "effort to advance a better understanding of political, economic and social issues. The "
    "material on this site is distributed without profit to those who have expressed a prior "
    "interest in receiving it for research and educational purposes. If you wish to use "
    'copyrighted material for purposes other than "fair use" you must request permission '
    "from the copyright owner."
)
CONTACT = (
    "For media inquiries: [publications@globalresearch.ca](mailto:publications@globalresearch.ca)"
)

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
FIRST_DAY = dt.date(2005, 1, 1)
SPAN_DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days

# -- pools built once -------------------------------------------------------------------


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        city=rng.choice(CITIES),
        city2=rng.choice(CITIES),
        outlet=rng.choice(OUTLETS),
        region=rng.choice(REGIONS[:12]),
        noun=rng.choice(TITLE_NOUNS),
        n=rng.randint(2, 90),
        m=rng.randint(1, 40),
        year=rng.randint(1995, 2024),
        year2=rng.randint(1980, 2010),
    )


def _sentence(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        quote = rng.choice(QUOTES)
        return f"“{quote},” said {_fill(rng.choice(SPEAKERS), rng)}."
    if roll < 0.22:
        return _fill(rng.choice(STATS), rng)
    obj = rng.choice(OBJECTS)
    style = rng.random()
    if style < 0.06:
        obj = f"**{obj}**"
    elif style < 0.12:
        obj = f"[{obj}](#)"
    parts = [_fill(rng.choice(SUBJECTS), rng), rng.choice(VERBS), obj]
    adjunct = _fill(rng.choice(ADJUNCTS), rng)
    if adjunct:
        parts.append(adjunct)
    return " ".join(parts) + rng.choice(TAILS) + "."


def _pools() -> tuple[tuple[str, ...], ...]:
    rng = random.Random(20260101)  # fixed: the pools never depend on the corpus seed
    sentences = tuple(_sentence(rng) for _ in range(6000))
    lead_sentences = tuple(s.replace("**", "") for s in sentences if "*" not in s[1:])
    headings = tuple(_fill(rng.choice(HEADING_WORDS), rng) for _ in range(400))
    titles = tuple(
        f"{_fill(rng.choice(TITLE_HEADS), rng)}: {_fill(rng.choice(TITLE_TAILS), rng)}"
        for _ in range(3000)
    )
    subtitles = tuple(s.rstrip(".") for s in lead_sentences[:2000] if "[" not in s)
    images = tuple(f"![{_fill(rng.choice(IMAGE_ALTS), rng)}](#)" for _ in range(200))
    notes = tuple(_fill(rng.choice(NOTES), rng) for _ in range(300))
    return sentences, lead_sentences, headings, titles, subtitles, images, notes


SENTENCES, LEAD_SENTENCES, HEADINGS, TITLES, SUBTITLES, IMAGES, NOTE_TEXTS = _pools()
PERSONS = tuple(f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES)
_AVG_SENTENCE = sum(len(s) + 1 for s in SENTENCES) / len(SENTENCES)
# Paragraph lengths in sentences, drawn in one call per article.
_PARAGRAPH_SIZES = (1, 2, 2, 3, 3, 3, 4, 4, 5, 6)


def _zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


_CUM: dict[tuple[str, ...], list[float]] = {
    pool: _zipf_weights(len(pool)) for pool in (REGIONS, THEMES, REPORTS)
}
_CUM_OUTLETS = _zipf_weights(len(OUTLETS), 0.8)
_TERM_COUNTS = (0, 1, 2, 3)
_TERM_COUNT_WEIGHTS = (0.2, 0.45, 0.25, 0.1)

# -- one article --------------------------------------------------------------------------


def article_rng(seed: int, index: int) -> random.Random:
    """The random stream of article `index`: independent of every other article."""
    return random.Random(seed * 10_000_019 + index)


def _date_text(day: dt.date, style: int) -> str:
    month = MONTHS[day.month - 1]
    if style == 0:
        return f"{month} {day.day:02d}, {day.year}"  # September 07, 2013
    if style == 1:
        return f"{month} {day.day}, {day.year}"  # July 8, 2019
    if style == 2:
        return f"{month} {day.day:02d} {day.year}"  # October 07 2018
    suffix = "th" if 11 <= day.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return f"{month} {day.day}{suffix}, {day.year}"  # July 18th, 2023


def _source_date_text(day: dt.date, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"  # 6 September 2013
    return _date_text(day, 0)


def _link(name: str) -> str:
    return f"[{name}](#)"


def _terms(rng: random.Random, pool: tuple[str, ...], full: bool) -> list[str]:
    count = rng.choices(_TERM_COUNTS, _TERM_COUNT_WEIGHTS)[0]
    if full:
        count = max(count, 1)
    picked = rng.choices(pool, cum_weights=_CUM[pool], k=count)
    return list(dict.fromkeys(picked))


def _authors(rng: random.Random) -> tuple[list[str], bool]:
    """(names, plain): plain bylines have no links and only person names."""
    count = rng.choices((1, 2, 3, 4), (0.62, 0.23, 0.1, 0.05))[0]
    names: list[str] = []
    while len(names) < count:
        roll = rng.random()
        if roll < 0.12:
            name = rng.choice(ORGANISATIONS)
        else:
            name = rng.choice(PERSONS)
            if roll > 0.9:
                name = "Dr. " + name
            elif roll > 0.85:
                name = "Prof. " + name
        if name not in names:
            names.append(name)
    plain = rng.random() < 0.12 and not any(n in ORGANISATIONS for n in names)
    return names, plain


def _byline(names: list[str], plain: bool, rng: random.Random) -> str:
    shown = names if plain else [_link(n) for n in names]
    if len(shown) == 1:
        return f"By {shown[0]}"
    if len(shown) == 2:
        return f"By {shown[0]} and {shown[1]}"
    oxford = "," if rng.random() < 0.4 else ""
    return f"By {', '.join(shown[:-1])}{oxford} and {shown[-1]}"


def _paragraphs(rng: random.Random, size: int) -> list[str]:
    count = max(2, int(size / _AVG_SENTENCE))
    picked = rng.choices(SENTENCES, k=count)
    sizes = rng.choices(_PARAGRAPH_SIZES, k=count)
    paragraphs: list[str] = []
    start = 0
    for length in sizes:
        if start >= count:
            break
        paragraphs.append(" ".join(picked[start : start + length]))
        start += length
    return paragraphs


def _body(rng: random.Random, size: int, full: bool, published: dt.date) -> list[str]:
    """Body blocks. The first block is always a plain paragraph (never italic, never a bare
    link) so the parser cannot mistake it for a header line or a lead."""
    if rng.random() < 0.03 and not full:
        return _digest(rng, size, published)
    paragraphs = _paragraphs(rng, size)
    blocks: list[str] = [paragraphs[0]]
    headings = full or rng.random() < 0.5
    images = full or rng.random() < 0.25
    separators = full or rng.random() < 0.2
    quotes = full or rng.random() < 0.15
    lists = full or rng.random() < 0.1
    notes = full or rng.random() < 0.15
    every = rng.randint(3, 6)
    rolls = [rng.random() for _ in range(len(paragraphs))]
    for number, (paragraph, roll) in enumerate(zip(paragraphs[1:], rolls, strict=False), 1):
        if number % every == 0:
            if headings:
                heading = rng.choice(HEADINGS)
                blocks.append(f"### **{heading}**" if roll < 0.3 else f"### {heading}")
            elif separators:
                blocks.append("***")
        if images and roll > 0.9:
            blocks.append(rng.choice(IMAGES))
            if roll > 0.96:
                blocks.append(f"*{rng.choice(SUBTITLES)}*")  # caption
        if quotes and 0.5 < roll < 0.56:
            blocks.append("> " + rng.choice(LEAD_SENTENCES))
        if lists and 0.6 < roll < 0.65:
            items = rng.choices(LEAD_SENTENCES, k=rng.randint(2, 5))
            blocks.append("\n".join(f"- {item}" for item in items))
        blocks.append(paragraph)
    if notes:
        count = rng.randint(1, 4)
        for number in range(1, count + 1):
            position = rng.randrange(len(blocks))
            if not blocks[position].startswith(("#", "!", ">", "-", "*")):
                blocks[position] += f"[{number}]"
        blocks.append("**Notes**")
        blocks.extend(f"[{n}] {text}" for n, text in enumerate(rng.sample(NOTE_TEXTS, count), 1))
    return blocks


def _digest(rng: random.Random, size: int, published: dt.date) -> list[str]:
    """A weekly digest: linked headings, each with a quoted 'By X, date' or publisher line
    that is body text, not a header."""
    blocks: list[str] = []
    for paragraph in _paragraphs(rng, size):
        day = published - dt.timedelta(days=rng.randint(1, 400))
        blocks.append(f"### [{rng.choice(TITLES)}](#)")
        if rng.random() < 0.7:
            blocks.append(f"By {_link(rng.choice(PERSONS))}, {_date_text(day, 1)}")
        else:
            blocks.append(f"{PUBLISHER}, {_date_text(day, 1)}")
        blocks.append(paragraph)
    return blocks


def write_article(index: int, rng: random.Random) -> tuple[str, str]:
    """(file name, text) of one article drawn from `rng` (see `article_rng`)."""
    name = f"{index:06d}_{rng.getrandbits(64):016x}.txt"
    full = rng.random() < 0.06  # every optional part present
    # Skewed to recent years: the archive grows over time.
    published = FIRST_DAY + dt.timedelta(days=int(SPAN_DAYS * rng.random() ** 0.7))
    names, plain = _authors(rng)
    # Where the article first appeared: the publisher itself, an outlet that is also the
    # (organisational) author, or another outlet.
    roll = rng.random()
    if roll < 0.08:
        source = rng.choices(OUTLETS, cum_weights=_CUM_OUTLETS)[0]
        names, plain = [source], False
    elif roll < 0.45 and not full:
        source = PUBLISHER
    else:
        source = rng.choices(OUTLETS, cum_weights=_CUM_OUTLETS)[0]

    out: list[str] = [f"# {rng.choice(TITLES)}"]
    if full or rng.random() < 0.4:
        out.append(rng.choice(SUBTITLES))
    out.append(_byline(names, plain, rng))
    out.append(f"{PUBLISHER}, {_date_text(published, rng.randrange(4))}")
    if source != PUBLISHER and (full or rng.random() < 0.7):
        line = _link(source)
        if full or rng.random() < 0.5:
            source_day = published - dt.timedelta(days=rng.randint(0, 10))
            line += " " + _source_date_text(source_day, rng)
        out.append(line)
    for label, pool in (("Region", REGIONS), ("Theme", THEMES), ("In-depth Report", REPORTS)):
        terms = _terms(rng, pool, full)
        if terms:
            out.append(f"{label}: " + ", ".join(_link(t) for t in terms))
    lead = full or rng.random() < 0.5
    if published.year >= 2019 and (full or rng.random() < 0.6):
        count = rng.randint(1, len(PROMOTIONAL))
        out.extend([PROMOTIONAL[0], *rng.sample(PROMOTIONAL[1:], count - 1)])
        if lead:
            out.append("***")
    if lead:
        for _ in range(rng.randint(1, 4)):
            sentences = rng.choices(LEAD_SENTENCES, k=rng.randint(1, 3))
            out.append(f"*{' '.join(sentences)}*")
    size = 2100 + int(12000 * rng.random() ** 1.8)  # 2-15 KB, most articles short
    out.extend(_body(rng, size, full, published))

    year = published.year
    if source == PUBLISHER:
        out.append(f"The original source of this article is {PUBLISHER}")
        holders = ", ".join(names if plain else [_link(n) for n in names])
        out.append(f"Copyright © {holders}, {PUBLISHER}, {year}")
    else:
        out.append(f"The original source of this article is {_link(source)}")
        holders = ", ".join(_link(n) for n in [*names, source])
        if names == [source]:
            holders = f"{_link(source)}, {_link(source)}"
        out.append(f"Copyright © {holders}, {year}")
    out.append(FOOTER_LINKS + "Articles by: " + ", ".join(_link(n) for n in names))
    out.append(DISCLAIMER)
    out.append(CONTACT)
    text = "\n\n".join(out) + "\n"
    encoding_roll = rng.random()
    if encoding_roll < 0.01:
        text = text.replace("\n", "\r\n")
    elif encoding_roll < 0.015:
        text = "\ufeff" + text
    return name, text


def generate(n: int, out: Path, seed: int = DEFAULT_SEED, start: int = 0) -> list[Path]:
    """Write articles `start` .. `start + n - 1` into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for index in range(start, start + n):
        name, text = write_article(index, article_rng(seed, index))
        path = out / name
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, required=True, help="how many articles")
    parser.add_argument("--out", type=Path, required=True, help="folder to write them into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    args = parser.parse_args(argv)
    if args.articles < 0:
        parser.error("--articles must be 0 or more")
    began = time.perf_counter()
    paths = generate(args.articles, args.out, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(
        f"wrote {len(paths)} articles ({size / 1e6:.1f} MB) to {args.out} "
        f"in {time.perf_counter() - began:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
