"""Generate a deterministic corpus of realistic synthetic news articles for benchmarks.

Each article is composed from a bank of ~150 wire-style sentences (politics, diplomacy,
conflict, protest, economy, attributed quotes and background filler that carries no event),
with actors, places, people, agencies and dates drawn from the tables below. Article length
follows a log-normal distribution: median ~550 words, long tail to ~2000 (clipped).

The same --n and --seed always give byte-identical output, so a benchmark figure can be
reproduced from its command line alone; corpora are never committed.

Example:
    .venv/bin/python benchmarks/make_corpus.py --n 1000 --seed 1 --out benchmarks/results/tmp/corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import random
import string
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

# Length distribution (words). Log-normal: exp(mu) is the median; sigma 0.45 puts the
# 99th percentile near 1550 words and 2000 words at ~2.9 sigma, which matches the spread of
# wire copy (short briefs of ~150 words to long analysis pieces of ~2000). Articles stop at the
# first paragraph past their target and most get a footer, which adds ~20 words, so the target
# median of 530 gives a realised median of ~550 (--n 1000 --seed 1: 545; p90 950, p99 1624, max 2029).
MEDIAN_WORDS = 530
LENGTH_SIGMA = 0.45
MIN_WORDS = 120
MAX_WORDS = 2000
PUBLISHED_FROM = date(2015, 1, 1)
PUBLISHED_DAYS = 11 * 365
# Share of sentences drawn from the no-event filler bank (background, colour, context).
FILLER_SHARE = 0.30


@dataclass(frozen=True)
class Country:
    name: str
    adj: str
    capital: str
    cities: tuple[str, ...]
    leader: str  # title and name, as a wire story writes it on first mention


# name | adjective | capital | cities (;-separated) | leader as first mentioned
COUNTRY_TABLE = """
Russia|Russian|Moscow|St Petersburg;Kazan;Rostov-on-Don|President Vladimir Putin
Ukraine|Ukrainian|Kyiv|Kharkiv;Odesa;Dnipro;Zaporizhzhia|President Volodymyr Zelenskiy
Turkey|Turkish|Ankara|Istanbul;Gaziantep;Izmir|President Recep Tayyip Erdogan
Syria|Syrian|Damascus|Aleppo;Homs;Idlib;Deir al-Zor|President Bashar al-Assad
Iraq|Iraqi|Baghdad|Mosul;Basra;Kirkuk;al-Anbar|Prime Minister Mohammed Shia al-Sudani
Iran|Iranian|Tehran|Isfahan;Mashhad;Tabriz|President Masoud Pezeshkian
Israel|Israeli|Jerusalem|Tel Aviv;Haifa;Sderot|Prime Minister Benjamin Netanyahu
Egypt|Egyptian|Cairo|Alexandria;al-Arish;Port Said|President Abdel Fattah al-Sisi
Saudi Arabia|Saudi|Riyadh|Jeddah;Dammam;Mecca|Crown Prince Mohammed bin Salman
Qatar|Qatari|Doha|al-Wakrah;al-Khor|Emir Sheikh Tamim bin Hamad Al Thani
Yemen|Yemeni|Sanaa|Aden;al-Hudaydah;Taiz;Marib|President Rashad al-Alimi
Lebanon|Lebanese|Beirut|Tripoli;Sidon;Tyre|Prime Minister Najib Mikati
Afghanistan|Afghan|Kabul|Kandahar;Herat;Jalalabad|Supreme Leader Hibatullah Akhundzada
Pakistan|Pakistani|Islamabad|Karachi;Lahore;Peshawar;Quetta|Prime Minister Shehbaz Sharif
India|Indian|New Delhi|Mumbai;Srinagar;Kolkata|Prime Minister Narendra Modi
China|Chinese|Beijing|Shanghai;Guangzhou;Urumqi|President Xi Jinping
Japan|Japanese|Tokyo|Osaka;Okinawa;Nagoya|Prime Minister Fumio Kishida
South Korea|South Korean|Seoul|Busan;Incheon|President Yoon Suk Yeol
North Korea|North Korean|Pyongyang|Wonsan;Kaesong|leader Kim Jong Un
the Philippines|Philippine|Manila|Davao;Cebu;Zamboanga|President Ferdinand Marcos Jr
Indonesia|Indonesian|Jakarta|Surabaya;Medan;Makassar|President Prabowo Subianto
Myanmar|Myanmar|Naypyitaw|Yangon;Mandalay;Sittwe|Senior General Min Aung Hlaing
Nigeria|Nigerian|Abuja|Lagos;Kano;Maiduguri|President Bola Tinubu
Kenya|Kenyan|Nairobi|Mombasa;Kisumu;Garissa|President William Ruto
Ethiopia|Ethiopian|Addis Ababa|Mekelle;Gondar;Bahir Dar|Prime Minister Abiy Ahmed
Sudan|Sudanese|Khartoum|Omdurman;Port Sudan;al-Fashir;Nyala|General Abdel Fattah al-Burhan
Somalia|Somali|Mogadishu|Kismayo;Baidoa|President Hassan Sheikh Mohamud
Mali|Malian|Bamako|Gao;Timbuktu;Kidal|Colonel Assimi Goita
the Democratic Republic of Congo|Congolese|Kinshasa|Goma;Bukavu;Bunia|President Felix Tshisekedi
South Africa|South African|Pretoria|Johannesburg;Cape Town;Durban|President Cyril Ramaphosa
France|French|Paris|Marseille;Lyon|President Emmanuel Macron
Germany|German|Berlin|Munich;Hamburg;Frankfurt|Chancellor Olaf Scholz
Britain|British|London|Manchester;Belfast;Glasgow|Prime Minister Keir Starmer
Poland|Polish|Warsaw|Krakow;Gdansk;Rzeszow|Prime Minister Donald Tusk
Serbia|Serbian|Belgrade|Novi Sad;Nis|President Aleksandar Vucic
Hungary|Hungarian|Budapest|Debrecen;Szeged|Prime Minister Viktor Orban
the United States|US|Washington|New York;Chicago;Los Angeles|President Joe Biden
Mexico|Mexican|Mexico City|Monterrey;Tijuana;Culiacan|President Claudia Sheinbaum
Colombia|Colombian|Bogota|Medellin;Cali;Cucuta|President Gustavo Petro
Venezuela|Venezuelan|Caracas|Maracaibo;Valencia|President Nicolas Maduro
Brazil|Brazilian|Brasilia|Sao Paulo;Rio de Janeiro;Manaus|President Luiz Inacio Lula da Silva
Armenia|Armenian|Yerevan|Gyumri;Jermuk|Prime Minister Nikol Pashinyan
Azerbaijan|Azerbaijani|Baku|Ganja;Shusha|President Ilham Aliyev
"""
COUNTRIES = tuple(
    Country(name, adj, capital, tuple(cities.split(";")), leader)
    for name, adj, capital, cities, leader in (row.split("|") for row in COUNTRY_TABLE.strip().splitlines())
)

# Non-state armed groups and movements.
GROUPS = (
    "Hamas", "Hezbollah", "the Houthis", "al-Shabab", "Boko Haram", "the Islamic State group", "the Taliban",
    "the Rapid Support Forces", "the M23 rebel group", "the National Liberation Army",
    "the Kurdistan Workers' Party", "the Arakan Army", "Hayat Tahrir al-Sham",
    "the Tehreek-e-Taliban Pakistan", "Jama'at Nusrat al-Islam wal-Muslimin", "the Fano militia",
)
ORGS = (
    "the United Nations", "the UN Security Council", "the European Union", "NATO", "the African Union",
    "the Arab League", "the International Monetary Fund", "the World Bank",
    "the International Committee of the Red Cross", "the Organization of American States", "ASEAN",
    "the International Atomic Energy Agency", "the World Food Programme", "Amnesty International",
    "Human Rights Watch", "the Group of Seven",
)
AGENCIES = (
    "Reuters", "the Associated Press", "Agence France-Presse", "Anadolu Agency", "Xinhua", "TASS",
    "the state news agency", "local media", "the BBC", "Al Jazeera", "Interfax", "Kyodo",
)
FIRST = (
    "Ahmed", "Maria", "Olena", "Sergei", "Fatima", "John", "Li", "Amina", "Carlos", "Yusuf", "Hana",
    "Peter", "Nadia", "Tariq", "Grace", "Mehmet", "Anna", "Ibrahim", "Sofia", "Rahul", "Khalid", "Leila",
)
LAST = (
    "Hassan", "Kovalenko", "Petrov", "Okafor", "Mendes", "Wang", "Yilmaz", "Haddad", "Odhiambo", "Schmidt",
    "Rahman", "Novak", "Silva", "Kurniawan", "Tanaka", "Mansour", "Dubois", "Ivanova", "Khan", "Mwangi",
)
ROLES = (
    "foreign minister", "defence minister", "interior minister", "government spokesman", "army spokesman",
    "foreign ministry spokeswoman", "deputy prime minister", "national security adviser", "police chief",
    "opposition leader", "parliament speaker", "finance minister", "trade minister", "ambassador to the UN",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PAST = (
    "last week", "last month", "two weeks ago", "earlier this month", "in March", "last year", "on Sunday",
    "three days ago", "late on Tuesday", "earlier this year", "in the past 24 hours", "last Thursday",
)
FUTURE = (
    "next week", "next month", "on Friday", "later this month", "in two weeks", "before the end of the year",
    "early next year", "on Monday",
)
OUTLETS = (
    "Meridian News Service", "Harbour Wire", "Continental Press", "Northgate Daily", "Global Desk",
    "Eastern Courier", "The Observer Wire", "Atlas News",
)
FOOTERS = (
    "Copyright {year} {outlet}. All rights reserved.",
    "Copyright {year} {outlet}. All rights reserved. "
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Follow us on X and Facebook for the latest news.",
    "Reporting by {person}; editing by {person2}.",
    "",
)

# --- The sentence bank ------------------------------------------------------------------------
# Placeholders: {A} {B} countries, {A_adj} {B_adj} adjectives, {A_cap} {B_cap} capitals (also the
# metonym for the government), {A_city} {B_city} cities, {A_leader} {B_leader} titled leaders,
# {GROUP} an armed group, {ORG} an organisation, {AGENCY} a news agency, {PERSON} {PERSON2} names,
# {ROLE} a title, {DAY} a weekday, {PAST} {FUTURE} relative dates, {N} {N2} small numbers,
# {BIG} a large number, {PCT} a percentage.

DIPLOMACY = (
    "{A_leader} met {B_leader} in {A_cap} on {DAY} to discuss trade and regional security.",
    "{A_adj} and {B_adj} officials held talks in {B_cap} {PAST} on reopening the border.",
    "{A_cap} and {B_cap} agreed on {DAY} to restore full diplomatic relations after a two-year rupture.",
    "The {A_adj} {ROLE}, {PERSON}, will travel to {B_cap} {FUTURE} for talks with {B_adj} officials.",
    "{A_leader} invited {B_leader} to visit {A_cap}, according to a statement from the presidency.",
    "{A} and {B} signed an agreement on energy cooperation during a ceremony in {A_cap} on {DAY}.",
    "{ORG} called on {A} and {B} to resume negotiations without preconditions.",
    "{A_adj} diplomats said a draft of the accord had been circulated to both delegations {PAST}.",
    "{A} has proposed holding a summit with {B} in {A_city} {FUTURE}, officials said.",
    "The two leaders spoke by telephone on {DAY}, the {A_adj} presidency said.",
    "{A} offered to mediate between {B} and {GROUP}, a proposal that has not yet been answered.",
    "{B_adj} envoys arrived in {A_cap} on {DAY} for a second round of consultations.",
    "{A_leader} praised what he called the constructive approach of the {B_adj} government.",
    "{A} and {B} agreed to set up a joint commission to demarcate their maritime boundary.",
    "The {B_adj} ambassador was summoned to the {A_adj} foreign ministry on {DAY} over the remarks.",
    "{A_cap} recalled its ambassador from {B_cap} for consultations, the foreign ministry said.",
    "Delegations from {A} and {B} are expected to meet in Geneva {FUTURE} under {ORG} auspices.",
    "{A_leader} did not attend the summit in {B_cap}, sending the {ROLE} instead.",
    "The {A_adj} {ROLE} welcomed the ceasefire and urged all sides to respect its terms.",
    "{A} expressed support for the {B_adj} bid to join {ORG}, according to a joint statement.",
    "{A} and {B} pledged to double bilateral trade within five years.",
    "{ORG} welcomed the agreement between {A} and {B} as an important first step.",
    "{B} rejected an invitation to attend peace talks hosted by {A}, saying the timing was wrong.",
    "{A_leader} is due to make a state visit to {B} {FUTURE}, the first such trip in a decade.",
    "The {A_adj} delegation walked out of the meeting in protest at the {B_adj} proposal.",
    "{A} and {B} exchanged {N} prisoners on {DAY} in a swap mediated by {ORG}.",
)
CONFLICT = (
    "{A_adj} forces shelled positions held by {GROUP} near {A_city} on {DAY}, killing at least {N} fighters.",
    "An air strike on a market in {A_city} killed {N} civilians and wounded {N2} others, "
    "medical sources said.",
    "{GROUP} claimed responsibility for a car bomb that killed {N} soldiers in {A_city} {PAST}.",
    "{A_adj} troops clashed with {B_adj} border guards overnight, leaving {N} dead on both sides.",
    "The {A_adj} army said it had repelled an attack by {GROUP} on a checkpoint outside {A_city}.",
    "{B} accused {A} of violating the ceasefire by shelling villages along the frontier.",
    "{A} denied carrying out the drone strike and said it would investigate the incident.",
    "Fighters from {GROUP} seized control of {A_city} after three days of heavy fighting, residents said.",
    "{A_adj} warplanes bombed suspected weapons depots in {B} {PAST}, according to {AGENCY}.",
    "At least {N} people were killed when a rocket hit a residential building in {A_city}.",
    "{GROUP} abducted {N} aid workers on the road between {A_city} and {A_cap}, officials said.",
    "The {A_adj} defence ministry said it had shot down {N} drones launched from {B} overnight.",
    "{A_adj} forces withdrew from positions near {A_city} on {DAY}, the army confirmed.",
    "Government troops launched an offensive against {GROUP} in the hills east of {A_city} {PAST}.",
    "{A} threatened to retaliate if {B} continued what it called provocations on the border.",
    "Gunmen opened fire on a bus in {A_city}, killing {N} passengers, police said.",
    "{GROUP} said it had fired missiles at a military base in {B}, a claim that could not be verified.",
    "The {A_adj} military mobilised reserve units and moved armoured columns towards the border with {B}.",
    "{A_adj} police arrested {N} suspected members of {GROUP} in raids in {A_cap} and {A_city}.",
    "A suicide bomber blew himself up outside a police station in {A_city}, killing {N} people.",
    "{A} and {GROUP} agreed to a {N}-day truce to allow aid convoys into {A_city}.",
    "{GROUP} released {N} hostages on {DAY} under the terms of the truce, {ORG} said.",
    "The {A_adj} navy seized a tanker in the Gulf that it accused of smuggling fuel.",
    "{A_adj} artillery fire hit a school in {B_city}, the {B_adj} government said.",
    "{GROUP} denied involvement in the attack and blamed {A_adj} intelligence services.",
    "{A} deployed {BIG} troops to {A_city} after weeks of unrest, the defence ministry said.",
)
PROTEST = (
    "Thousands of people marched through {A_cap} on {DAY} to demand the resignation of the government.",
    "Police fired tear gas and water cannon to disperse protesters outside parliament in {A_cap}.",
    "At least {BIG} demonstrators were arrested during protests in {A_city} {PAST}, rights groups said.",
    "Opposition supporters blocked roads in {A_city} to protest against rising fuel prices.",
    "{A_adj} police denied using live ammunition against demonstrators in {A_cap}.",
    "Students staged a sit-in at the university in {A_city} to protest the arrest of {N} classmates.",
    "Unions called a nationwide general strike for {FUTURE} over the proposed pension reform.",
    "Protesters set fire to a police station in {A_city} after a young man died in custody.",
    "{ORG} condemned the crackdown and demanded the release of all detained protesters.",
    "The government banned public gatherings in {A_cap} for {N} days after the clashes.",
    "{A_adj} security forces detained the opposition leader {PERSON} at home before dawn.",
    "Hundreds of people protested outside the {B_adj} embassy in {A_cap} on {DAY}.",
    "Organisers said they would hold another rally in {A_cap} {FUTURE} if their demands were not met.",
    "Farmers drove tractors into central {A_cap} to protest against cheap imports from {B}.",
    "A court in {A_cap} sentenced {N} protesters to prison terms of up to five years.",
    "The interior ministry said {N2} police officers were injured in the clashes.",
    "{A_adj} authorities shut down mobile internet in {A_city} as the protests spread.",
    "Doctors went on strike in {A_city} {PAST} to demand better pay and safer hospitals.",
    "The government said it was ready for dialogue with the protesters, but organisers rejected the offer.",
    "Journalists covering the rally in {A_cap} were beaten by plain-clothes officers, witnesses said.",
)
ECONOMY = (
    "{ORG} imposed sanctions on {N} {A_adj} officials accused of human rights abuses.",
    "{B} announced new sanctions on {A_adj} banks and energy companies on {DAY}.",
    "{A} rejected a demand by {B} to halt arms shipments, calling it interference in its affairs.",
    "{A} banned imports of {B_adj} grain, citing the need to protect domestic farmers.",
    "The {A_adj} central bank raised its main interest rate to {PCT} percent on {DAY}.",
    "{A} agreed to a {BIG} million dollar loan from {ORG} in exchange for spending cuts.",
    "{B} froze the assets of {N} {A_adj} companies linked to the military, the treasury said.",
    "{A} lifted an export ban on fertiliser {PAST}, easing pressure on global prices.",
    "Inflation in {A} rose to {PCT} percent in the year to September, official figures showed.",
    "{A} and {B} signed a deal for the supply of natural gas through a new pipeline.",
    "{A} suspended a free trade agreement with {B} over what it called unfair subsidies.",
    "{B} expelled {N} {A_adj} diplomats in retaliation for the sanctions.",
    "The {A_adj} finance ministry said the economy would grow by {PCT} percent this year.",
    "{A} threatened to impose tariffs on {B_adj} cars if talks on market access fail.",
    "{ORG} approved {BIG} million dollars in emergency aid for flood victims in {A}.",
    "{A} will cut oil output by {BIG} thousand barrels a day from {FUTURE}, the energy ministry said.",
    "Foreign investors pulled money out of {A_adj} bonds after the election result.",
    "{B} lifted sanctions on {A_adj} airlines after {A} released {N} detained foreigners.",
    "The {A_adj} currency fell {PCT} percent against the dollar on {DAY}.",
    "{A} asked {ORG} for emergency financing to cover a widening budget deficit.",
)
POLITICS = (
    "{A_leader} dismissed the {ROLE} on {DAY} after weeks of criticism over the economy.",
    "The {A_adj} parliament approved the budget by {BIG} votes to {N2}.",
    "{A_leader} announced that early elections would be held {FUTURE}.",
    "The opposition boycotted the vote, saying the electoral commission was not independent.",
    "A court in {A_cap} banned the main opposition party from contesting the election.",
    "{A_adj} lawmakers voted to extend the state of emergency by {N} months.",
    "The {A_adj} {ROLE}, {PERSON}, resigned on {DAY}, citing personal reasons.",
    "{A_leader} pardoned {N} political prisoners to mark the national holiday.",
    "The election commission said turnout was {PCT} percent, the lowest in two decades.",
    "{A_adj} prosecutors charged the former {ROLE} with corruption and abuse of office.",
    "The ruling coalition collapsed {PAST} after the junior partner withdrew its ministers.",
    "{A_leader} vowed to crack down on corruption in the security services.",
    "The constitutional court rejected a petition to postpone the vote.",
    "The {A_adj} cabinet approved a plan to merge several ministries to cut costs.",
    "Opposition parties said they would not recognise the results of the election.",
)
QUOTES = (
    '"We will not accept any solution imposed from outside," {PERSON}, the {A_adj} {ROLE}, told reporters.',
    '"The door to dialogue remains open," the {A_adj} {ROLE} said in a statement.',
    '"This is a dangerous escalation," {PERSON} said, urging {B} to show restraint.',
    '"Our forces acted in self-defence," an {A_adj} military spokesman told {AGENCY}.',
    '"We have evidence that {B} supplied the weapons," {PERSON} said on {DAY}.',
    '"The sanctions are illegal and will not change our policy," the {A_adj} foreign ministry said.',
    '"People are tired of promises," a protester in {A_cap} told {AGENCY}.',
    '"We call on all parties to protect civilians," said {PERSON}, a spokesperson for {ORG}.',
    '"There will be consequences," {A_leader} said in a televised address.',
    '"The agreement is a victory for both our peoples," {B_leader} said after the signing.',
    '{PERSON}, the {A_adj} {ROLE}, said {B} had "crossed a red line" by deploying troops.',
    '{A_leader} said {B} was "not interested in peace", according to {AGENCY}.',
    "A senior {A_adj} official, speaking on condition of anonymity, said talks had stalled "
    "over security guarantees.",
    '{AGENCY} quoted a {B_adj} diplomat as saying that {A} had made "no serious offer".',
    'The {A_adj} {ROLE} told {AGENCY} that {GROUP} had attacked civilians in {A_city}.',
    '"We did not order any strike on civilian areas," {PERSON} said.',
    '"Nobody has asked us to leave, and we will not leave," {PERSON} told {AGENCY}.',
    '"We are ready to meet {FUTURE} if the other side is serious," the {B_adj} {ROLE} said.',
    '"The government is using the courts to silence its critics," said {PERSON} of {ORG}.',
    '{A_cap} said the report was "full of lies", according to {AGENCY}.',
)
FILLER = (
    "The region has been unstable for more than a decade.",
    "The two countries share a border of about {BIG} kilometres.",
    "{A_city} is the country's second-largest city and an important trading hub.",
    "The conflict has displaced more than {BIG} thousand people, according to {ORG}.",
    "It was not immediately clear how many people were in the building at the time.",
    "The figures could not be independently verified.",
    "Temperatures in {A_city} have reached {N} degrees Celsius in recent days.",
    "{A} has a population of about {BIG} million people.",
    "The country's economy depends heavily on exports of oil and gas.",
    "The talks are the first of their kind since the war began.",
    "Analysts say the outcome will depend largely on the position of regional powers.",
    "Several roads into the city remained closed on {DAY}.",
    "The ministry did not respond to a request for comment.",
    "Prices for bread and cooking oil have doubled over the past year.",
    "The area is difficult to reach for independent journalists.",
    "The dispute dates back to the end of the colonial era.",
    "The port handles about a third of the country's imports.",
    "Much of the city's infrastructure was destroyed in earlier fighting.",
    "Officials have given conflicting accounts of the incident.",
    "The announcement came a day after the country marked its independence day.",
    "Heavy rain has hampered rescue efforts in the north of the country.",
    "Turnout in the last election was unusually low.",
    "The agreement must still be ratified by parliament.",
    "Details of the arrangement were not made public.",
    "The river forms part of the border between the two countries.",
    "Schools and government offices were closed for the holiday.",
    "Electricity cuts of up to {N} hours a day are common in the capital.",
    "The government has promised to publish the full report {FUTURE}.",
    "A similar initiative collapsed {PAST} amid mutual recriminations.",
    "The mountainous region is home to several ethnic minorities.",
)
TITLES = (
    "{A} and {B} agree to resume talks after months of tension",
    "Clashes in {A_city} leave at least {N} dead",
    "{B} imposes new sanctions on {A}",
    "Thousands protest in {A_cap} against government",
    "{A_leader} meets {B_leader} in {A_cap}",
    "{A} accuses {B} of border violations",
    "{GROUP} claims attack on army base in {A}",
    "{A} rejects {B_adj} demand, calls sanctions illegal",
    "Police arrest dozens as protests spread in {A}",
    "{A} and {B} sign trade and defence deals",
    "Ceasefire holds in {A_city} as aid convoys arrive",
    "{A_adj} parliament approves budget amid opposition boycott",
    "{ORG} urges restraint after {A_adj}-{B_adj} border clash",
    "{A} to host summit on regional security",
)
EVENT_BANKS = (DIPLOMACY, CONFLICT, PROTEST, ECONOMY, POLITICS, QUOTES)
ALL_SENTENCES = EVENT_BANKS + (FILLER,)


class _Slots(dict):
    """Substitution table; draws the per-use slots (numbers, days) fresh on every lookup."""

    def __init__(self, rng: random.Random, fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        r = self.rng
        if key == "N":
            return str(r.randint(2, 40))
        if key == "N2":
            return str(r.randint(2, 90))
        if key == "BIG":
            return str(r.choice((120, 250, 400, 800, 1500, 3000, 12)))
        if key == "PCT":
            return f"{r.randint(1, 35)}.{r.randint(0, 9)}"
        if key == "DAY":
            return r.choice(WEEKDAYS)
        if key == "PAST":
            return r.choice(PAST)
        if key == "FUTURE":
            return r.choice(FUTURE)
        if key == "ROLE":
            return r.choice(ROLES)
        if key in ("PERSON", "PERSON2"):
            return f"{r.choice(FIRST)} {r.choice(LAST)}"
        if key == "AGENCY":
            return r.choice(AGENCIES)
        raise KeyError(f"unknown placeholder {{{key}}} in the sentence bank")


class _Drawer:
    """Draws templates from a bank without repeats until the bank is used up, then starts over."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.left: dict[int, list[str]] = {}

    def __call__(self, bank: tuple[str, ...]) -> str:
        left = self.left.get(id(bank))
        if not left:
            left = self.left[id(bank)] = list(bank)
            self.rng.shuffle(left)
        return left.pop()


def _fixed_slots(rng: random.Random) -> dict[str, str]:
    """Slots that stay the same throughout one article: its main actors, places and topic group."""
    a, b = rng.sample(COUNTRIES, 2)
    return {
        "A": a.name, "A_adj": a.adj, "A_cap": a.capital, "A_city": rng.choice(a.cities), "A_leader": a.leader,
        "B": b.name, "B_adj": b.adj, "B_cap": b.capital, "B_city": rng.choice(b.cities), "B_leader": b.leader,
        "GROUP": rng.choice(GROUPS), "ORG": rng.choice(ORGS),
    }


def _capitalise(s: str) -> str:
    return s[:1].upper() + s[1:] if s and s[0] in string.ascii_lowercase else s


def _fill(template: str, slots: _Slots) -> str:
    return _capitalise(template.format_map(slots))


def target_words(rng: random.Random) -> int:
    n = int(round(math.exp(math.log(MEDIAN_WORDS) + LENGTH_SIGMA * rng.gauss(0.0, 1.0))))
    return max(MIN_WORDS, min(MAX_WORDS, n))


def make_article(rng: random.Random, index: int, seed: int) -> dict[str, str]:
    fixed = _fixed_slots(rng)
    slots = _Slots(rng, fixed)
    # Each article leans on two event banks (its topic) and borrows from the others.
    topic = rng.sample(EVENT_BANKS, 2)
    want = target_words(rng)
    draw = _Drawer(rng)
    paragraphs: list[str] = []
    words = 0
    while words < want:
        sentences = []
        for _ in range(rng.choice((1, 1, 2, 2, 2, 3))):
            roll = rng.random()
            if roll < FILLER_SHARE:
                bank = FILLER
            elif roll < 0.85:
                bank = rng.choice(topic)
            else:
                bank = rng.choice(EVENT_BANKS)
            sentences.append(_fill(draw(bank), slots))
        para = " ".join(sentences)
        paragraphs.append(para)
        words += len(para.split())
    if not paragraphs[0].isupper():
        paragraphs[0] = f"{fixed['A_cap'].upper()} — {paragraphs[0]}"
    published = PUBLISHED_FROM + timedelta(days=rng.randrange(PUBLISHED_DAYS))
    outlet = rng.choice(OUTLETS)
    footer = rng.choice(FOOTERS).format(year=published.year, outlet=outlet, person=slots["PERSON"],
                                        person2=slots["PERSON2"])
    if footer:
        paragraphs.append(footer)
    return {
        "id": f"bench-s{seed}-{index:06d}",
        "title": _fill(rng.choice(TITLES), slots),
        "published": published.isoformat(),
        "outlet": outlet,
        "text": "\n\n".join(paragraphs),
    }


def check_bank() -> int:
    """Fill every template once; raises KeyError naming a bad placeholder. Returns the bank size."""
    rng = random.Random(0)
    slots = _Slots(rng, _fixed_slots(rng))
    templates = [t for bank in ALL_SENTENCES for t in bank] + list(TITLES)
    for t in templates:
        _fill(t, slots)
    return sum(len(bank) for bank in ALL_SENTENCES)


def generate(n: int, seed: int):
    rng = random.Random(seed)
    for i in range(n):
        yield make_article(rng, i, seed)


def write_jsonl(out: TextIO, n: int, seed: int) -> None:
    for record in generate(n, seed):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="example: make_corpus.py --n 1000 --seed 1 --out benchmarks/results/tmp/corpus.jsonl",
    )
    parser.add_argument("--n", type=int, default=1000, help="number of articles (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", default="-", help="output JSONL path, or - for stdout (default)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    check_bank()
    if args.out == "-":
        write_jsonl(sys.stdout, args.n, args.seed)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)  # `make bench` writes under results/tmp/
        with Path(args.out).open("w", encoding="utf-8", newline="\n") as out:
            write_jsonl(out, args.n, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
