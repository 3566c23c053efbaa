"""Write tests/data/dedup_corpus.jsonl: overlapping reports of the same events plus near-miss distractors.

Every article is original text written for wirecoder (real countries, leaders and groups; invented details).
Each carries `gold`: the events it reports (background mentions of an earlier event included), as
{cluster, event_type, actor, recipient, date, place?, negated?}: PLOVER types as this project's CAMEO->PLOVER
table gives them, ISO 3166-1 alpha-3 countries, when and where the event happened, and `negated: true` for a
report that says the event did not happen. Clusters:

    E01  CONSULT  TUR-RUS  Erdogan and Putin meet in Sochi, Mon 4 Sep 2023 (5 outlets)
    E02  CONSULT  TUR-RUS  same dyad, 8 days later: phone call, Tue 12 Sep 2023 (2)
    E03  CONSULT  RUS-TUR  negated: the Kremlin denies a second Sochi meeting on 5 Sep (2)
    E04  CONSULT  USA-CHN  Blinken and Wang Yi meet in Beijing, Mon 19 Jun 2023 (4)
    E05  CONSULT  USA-CHN  same dyad, 24 days later, in Jakarta, Thu 13 Jul 2023 (2)
    E06  CONSULT  CHN-AUS  same place, next day, different parties: Wang Yi and Penny Wong in Beijing (2)
    E07  CONSULT  IND-USA  Modi and Biden at the White House, Thu 22 Jun 2023 (3)
    E08  ASSAULT  RUS-UKR  shelling of Kherson, Tue 15 Aug 2023 (4, one a round-up)
    E09  ASSAULT  RUS-UKR  same day, other city: drones hit Odesa, Tue 15 Aug 2023 (4, one a round-up)
    E10  ASSAULT  RUS-UKR  same dyad and city, two days later: Kherson again, Thu 17 Aug 2023 (2)
    E11  ASSAULT  ISR-LBN  Israeli drone strike in Beirut's southern suburbs, Tue 2 Jan 2024 (3)
    E12  ASSAULT  ISR-SYR  same day, other country: Israeli strikes near Damascus, Tue 2 Jan 2024 (2)
    E13  PROTEST  GEO-GEO  protest in Tbilisi against the foreign agents bill, Mon 15 Apr 2024 (3)
    E14  COERCE   USA-IRN  US Treasury sanctions Iranian drone suppliers (CAMEO 163: PLOVER COERCE), Wed 27 Sep 2023 (3)
    E15  ACCUSE   CHN-PHL  China accuses the Philippines over Second Thomas Shoal, Sun 22 Oct 2023 (3)
    E16  ACCUSE   PHL-CHN  same day, reversed dyad: Manila accuses Beijing (2)

Run: .venv/bin/python tools/make_dedup_corpus.py  (rewrites the file; the evaluation pins its hash).
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedup_corpus.jsonl"


# When and where each gold event happened (place None: not located, or a phone call).
CLUSTERS = {
    "E01": ("2023-09-04", "Sochi"), "E02": ("2023-09-12", None), "E03": ("2023-09-05", "Sochi"),
    "E04": ("2023-06-19", "Beijing"), "E05": ("2023-07-13", "Jakarta"), "E06": ("2023-06-20", "Beijing"),
    "E07": ("2023-06-22", "Washington"), "E08": ("2023-08-15", "Kherson"), "E09": ("2023-08-15", "Odesa"),
    "E10": ("2023-08-17", "Kherson"), "E11": ("2024-01-02", "Beirut"), "E12": ("2024-01-02", "Damascus"),
    "E13": ("2024-04-15", "Tbilisi"), "E14": ("2023-09-27", None), "E15": ("2023-10-22", None),
    "E16": ("2023-10-22", None),
}


def g(cluster: str, event_type: str, actor: str, recipient: str | None, negated: bool = False) -> dict:
    day, place = CLUSTERS[cluster]
    item = {"cluster": cluster, "event_type": event_type, "actor": actor, "recipient": recipient, "date": day}
    if place:
        item["place"] = place
    if negated:
        item["negated"] = True
    return item


ARTICLES = [
    # --- E01: Erdogan and Putin in Sochi, Monday 4 September 2023 ---------------------------------------
    dict(id="e01-wire", outlet="Reuters", published="2023-09-04",
         title="Putin, Erdogan meet in Sochi as Ankara pushes to revive grain deal",
         text="SOCHI, Russia, Sept 4 (Reuters) - Russian President Vladimir Putin met Turkish President Tayyip "
              "Erdogan in the Black Sea resort of Sochi on Monday. Erdogan is trying to persuade Moscow to return "
              "to the Black Sea grain deal, which Russia quit in July. Putin told reporters after the meeting that "
              "Russia could rejoin the deal once the West met its demands.",
         gold=[g("E01", "CONSULT", "RUS", "TUR")]),
    dict(id="e01-broadsheet", outlet="The Guardian", published="2023-09-05",
         title="Erdogan leaves Sochi without grain breakthrough",
         text="Recep Tayyip Erdogan held talks with Vladimir Putin in Sochi yesterday but failed to secure a "
              "return to the grain corridor that kept Ukrainian wheat flowing to Africa and the Middle East. "
              "The Turkish president, who has cast himself as the only Nato leader able to talk to the Kremlin, "
              "said a new arrangement was close. Diplomats in Ankara were less optimistic.",
         gold=[g("E01", "CONSULT", "TUR", "RUS")]),
    dict(id="e01-agency", outlet="Anadolu Agency", published="2023-09-04",
         title="President Erdogan meets Russian counterpart Putin",
         text="President Recep Tayyip Erdogan met his Russian counterpart Vladimir Putin in Sochi on "
              "4 September 2023. The two leaders discussed the Black Sea Grain Initiative, bilateral trade and "
              "regional issues, the Communications Directorate said.",
         gold=[g("E01", "CONSULT", "TUR", "RUS")]),
    dict(id="e01-local", outlet="Daily Sabah", published="2023-09-06",
         title="Sochi summit: what Ankara took home",
         text="Two days after President Erdogan's talks with Putin in Sochi, officials in Ankara say the "
              "meeting on Monday opened the way for a new grain proposal. The Turkish leader met Putin for nearly "
              "three hours, the longest meeting of the two men this year.",
         gold=[g("E01", "CONSULT", "TUR", "RUS")]),
    dict(id="e01-tass", outlet="TASS", published="2023-09-04",
         title="Putin, Erdogan hold talks in Sochi",
         text="Russian President Vladimir Putin held talks with Turkish President Recep Tayyip Erdogan in Sochi "
              "on Monday, Kremlin spokesman Dmitry Peskov said. The presidents discussed the grain deal and the "
              "construction of a gas hub in Turkey.",
         gold=[g("E01", "CONSULT", "RUS", "TUR")]),
    # --- E02: same dyad eight days later, a phone call ------------------------------------------------
    dict(id="e02-wire", outlet="Reuters", published="2023-09-12",
         title="Erdogan, Putin discuss grain exports by phone",
         text="ANKARA, Sept 12 (Reuters) - Turkish President Tayyip Erdogan spoke with Russian President "
              "Vladimir Putin by phone on Tuesday, the Turkish presidency said. The call came a week after the two "
              "leaders met in Sochi and focused on a proposal to ship Russian grain to poorer countries through "
              "Turkey.",
         gold=[g("E02", "CONSULT", "TUR", "RUS"), g("E01", "CONSULT", "TUR", "RUS")]),
    dict(id="e02-agency", outlet="Anadolu Agency", published="2023-09-13",
         title="Erdogan, Putin hold phone call",
         text="President Recep Tayyip Erdogan and Russian President Vladimir Putin held a phone conversation "
              "yesterday. The leaders discussed the grain corridor and the war in Ukraine, the Communications "
              "Directorate said in a statement.",
         gold=[g("E02", "CONSULT", "TUR", "RUS")]),
    # --- E03: negated — the Kremlin denies a second meeting -----------------------------------------------
    dict(id="e03-wire", outlet="Reuters", published="2023-09-05",
         title="Kremlin denies second Putin-Erdogan meeting",
         text="MOSCOW, Sept 5 (Reuters) - The Kremlin said on Tuesday that Putin did not meet Erdogan again in "
              "Sochi on Tuesday, dismissing a Turkish media report of a second, private session between the "
              "two presidents.",
         gold=[g("E03", "CONSULT", "RUS", "TUR", negated=True)]),
    dict(id="e03-local", outlet="Hurriyet Daily News", published="2023-09-06",
         title="No second meeting in Sochi, Moscow says",
         text="Russia denied that Putin met Erdogan a second time in Sochi on Tuesday. Kremlin spokesman Dmitry "
              "Peskov said the Turkish leader had flown home on Monday night.",
         gold=[g("E03", "CONSULT", "RUS", "TUR", negated=True)]),
    # --- E04: Blinken and Wang Yi in Beijing, Monday 19 June 2023 --------------------------------------
    dict(id="e04-wire", outlet="Associated Press", published="2023-06-19",
         title="Blinken meets China's top diplomat Wang Yi in Beijing",
         text="BEIJING (AP) — U.S. Secretary of State Antony Blinken met China's top diplomat Wang Yi in "
              "Beijing on Monday, the second day of a visit aimed at cooling tensions between the two powers. "
              "The talks lasted about three hours, a State Department spokesman said.",
         gold=[g("E04", "CONSULT", "USA", "CHN")]),
    dict(id="e04-broadsheet", outlet="The New York Times", published="2023-06-20",
         title="In Beijing, Blinken hears China's grievances",
         text="Wang Yi, China's most senior foreign policy official, held talks with Secretary of State Antony "
              "Blinken in Beijing on Monday and told him that Washington must stop 'hyping the China threat'. "
              "American officials described the meeting as candid.",
         gold=[g("E04", "CONSULT", "CHN", "USA")]),
    dict(id="e04-xinhua", outlet="Xinhua", published="2023-06-19",
         title="Wang Yi meets U.S. Secretary of State Blinken",
         text="Wang Yi, director of the Office of the Central Foreign Affairs Commission, met with U.S. "
              "Secretary of State Antony Blinken in Beijing on June 19. Wang said China-U.S. relations were at a "
              "low point and urged the United States to respect China's core interests.",
         gold=[g("E04", "CONSULT", "CHN", "USA")]),
    dict(id="e04-local", outlet="South China Morning Post", published="2023-06-21",
         title="What Blinken's Beijing trip achieved",
         text="Blinken's talks with Wang Yi in Beijing on Monday produced no breakthrough but an agreement to "
              "keep talking. The United States and China met at a moment of deep mistrust over Taiwan and "
              "export controls.",
         gold=[g("E04", "CONSULT", "USA", "CHN")]),
    # --- E05: same dyad 24 days later, in Jakarta ---------------------------------------------------------
    dict(id="e05-wire", outlet="Reuters", published="2023-07-13",
         title="Blinken meets Wang Yi in Jakarta on ASEAN sidelines",
         text="JAKARTA, July 13 (Reuters) - U.S. Secretary of State Antony Blinken met Chinese diplomat Wang Yi "
              "in Jakarta on Thursday on the sidelines of an ASEAN meeting, less than a month after his visit to "
              "Beijing.",
         gold=[g("E05", "CONSULT", "USA", "CHN"), g("E04", "CONSULT", "USA", "CHN")]),
    dict(id="e05-broadsheet", outlet="The Washington Post", published="2023-07-14",
         title="Blinken and Wang talk again, this time in Jakarta",
         text="Antony Blinken and Wang Yi held talks in Jakarta on Thursday, their second meeting in under a "
              "month. The two men discussed fentanyl and military communication channels, a U.S. official said.",
         gold=[g("E05", "CONSULT", "USA", "CHN")]),
    # --- E06: same place the next day, different parties --------------------------------------------------
    dict(id="e06-wire", outlet="Reuters", published="2023-06-20",
         title="China's Wang Yi meets Australia's Wong in Beijing",
         text="BEIJING, June 20 (Reuters) - Chinese diplomat Wang Yi met Australian Foreign Minister Penny Wong "
              "in Beijing on Tuesday, a day after his talks with the U.S. secretary of state. Wong raised the "
              "case of detained Australian writer Yang Hengjun.",
         gold=[g("E06", "CONSULT", "CHN", "AUS"), g("E04", "CONSULT", "CHN", "USA")]),
    dict(id="e06-local", outlet="The Sydney Morning Herald", published="2023-06-21",
         title="Wong presses Beijing on detained writer",
         text="Penny Wong held talks with Wang Yi in Beijing yesterday and pressed for the release of Yang "
              "Hengjun. Australia and China agreed to keep up regular ministerial contact.",
         gold=[g("E06", "CONSULT", "AUS", "CHN")]),
    # --- E07: Modi and Biden at the White House, Thursday 22 June 2023 -------------------------------
    dict(id="e07-wire", outlet="Associated Press", published="2023-06-22",
         title="Biden welcomes Modi to the White House",
         text="WASHINGTON (AP) — President Joe Biden met Indian Prime Minister Narendra Modi at the White House "
              "on Thursday, rolling out the red carpet for a leader he is courting as a counterweight to China.",
         gold=[g("E07", "CONSULT", "USA", "IND")]),
    dict(id="e07-agency", outlet="Press Trust of India", published="2023-06-23",
         title="PM Modi holds talks with President Biden",
         text="Prime Minister Narendra Modi held talks with US President Joe Biden in Washington on Thursday. "
              "The two leaders agreed on deals on jet engines, semiconductors and space cooperation.",
         gold=[g("E07", "CONSULT", "IND", "USA")]),
    dict(id="e07-broadsheet", outlet="The Hindu", published="2023-06-24",
         title="Modi-Biden summit: the fine print",
         text="When Narendra Modi met Joe Biden in Washington on June 22, the two sides signed more agreements "
              "than at any previous India-US summit.",
         gold=[g("E07", "CONSULT", "IND", "USA")]),
    # --- E08: shelling of Kherson, Tuesday 15 August 2023 --------------------------------------------
    dict(id="e08-wire", outlet="Reuters", published="2023-08-15",
         title="Russian shelling kills three in Kherson",
         text="KYIV, Aug 15 (Reuters) - Russian forces shelled the southern Ukrainian city of Kherson on "
              "Tuesday, killing three people and wounding eight, regional governor Oleksandr Prokudin said.",
         gold=[g("E08", "ASSAULT", "RUS", "UKR")]),
    dict(id="e08-local", outlet="Kyiv Independent", published="2023-08-16",
         title="Kherson under fire again",
         text="Russian artillery fire hit residential areas of Kherson yesterday, killing three civilians. "
              "A bus stop and a pharmacy were destroyed, the city administration said.",
         gold=[g("E08", "ASSAULT", "RUS", "UKR")]),
    dict(id="e08-broadsheet", outlet="The Times", published="2023-08-17",
         title="Life on the Dnipro front line",
         text="In Kherson, where Russian troops shelled the city centre on Tuesday and killed three people, "
              "residents queue for water beside boarded-up shops.",
         gold=[g("E08", "ASSAULT", "RUS", "UKR")]),
    # --- E09: the same day, drones hit Odesa ------------------------------------------------------------
    dict(id="e09-wire", outlet="Reuters", published="2023-08-15",
         title="Russian drones hit Odesa port",
         text="KYIV, Aug 15 (Reuters) - Russian drones attacked the port of Odesa on Tuesday, damaging grain "
              "warehouses, Ukraine's military said.",
         gold=[g("E09", "ASSAULT", "RUS", "UKR")]),
    dict(id="e09-agency", outlet="Ukrinform", published="2023-08-15",
         title="Drone attack on Odesa region",
         text="Russia struck Odesa with Shahed drones overnight and on Tuesday morning, the Southern Defense "
              "Forces reported. Air defence shot down 12 of 15 drones.",
         gold=[g("E09", "ASSAULT", "RUS", "UKR")]),
    dict(id="e09-broadsheet", outlet="Financial Times", published="2023-08-16",
         title="Odesa port attack deepens grain fears",
         text="A Russian drone strike on Odesa on Tuesday damaged grain warehouses in the port, traders said.",
         gold=[g("E09", "ASSAULT", "RUS", "UKR")]),
    # one round-up article reporting both strikes
    dict(id="e08-e09-roundup", outlet="BBC News", published="2023-08-16",
         title="Ukraine war: deadly shelling in Kherson, drones over Odesa",
         text="Russian forces shelled Kherson on Tuesday, killing three people. Hours later Russian drones "
              "attacked Odesa, setting grain warehouses on fire.",
         gold=[g("E08", "ASSAULT", "RUS", "UKR"), g("E09", "ASSAULT", "RUS", "UKR")]),
    # --- E10: Kherson again, two days later -----------------------------------------------------------
    dict(id="e10-wire", outlet="Reuters", published="2023-08-17",
         title="Kherson shelled again, two killed",
         text="KYIV, Aug 17 (Reuters) - Russian forces shelled Kherson on Thursday, killing two people, two "
              "days after an attack that killed three in the city.",
         gold=[g("E10", "ASSAULT", "RUS", "UKR"), g("E08", "ASSAULT", "RUS", "UKR")]),
    dict(id="e10-local", outlet="Kyiv Independent", published="2023-08-18",
         title="Two killed in Kherson",
         text="Russian troops shelled Kherson yesterday, killing two residents of the Korabel district, the "
              "regional military administration said.",
         gold=[g("E10", "ASSAULT", "RUS", "UKR")]),
    # --- E11: Israeli drone strike in Beirut, Tuesday 2 January 2024 ------------------------------------
    dict(id="e11-wire", outlet="Associated Press", published="2024-01-02",
         title="Israeli strike in Beirut kills senior Hamas official",
         text="BEIRUT (AP) — An Israeli drone strike hit an office in Beirut's southern suburbs on Tuesday, "
              "killing a senior Hamas official, Lebanese security officials said.",
         gold=[g("E11", "ASSAULT", "ISR", "LBN")]),
    dict(id="e11-broadsheet", outlet="The Guardian", published="2024-01-03",
         title="Beirut strike raises fears of wider war",
         text="Israel struck the Lebanese capital Beirut on Tuesday evening, killing six people including "
              "Saleh al-Arouri, the deputy leader of Hamas. Hezbollah vowed that the attack would not go "
              "unpunished.",
         gold=[g("E11", "ASSAULT", "ISR", "LBN")]),
    dict(id="e11-agency", outlet="Agence France-Presse", published="2024-01-02",
         title="Strike on Hamas office in Beirut",
         text="Israeli forces attacked a Hamas office in Beirut on Tuesday, Lebanon's state news agency "
              "reported, in the first strike on the capital since the Gaza war began.",
         gold=[g("E11", "ASSAULT", "ISR", "LBN")]),
    # --- E12: the same day, Israeli strikes near Damascus ------------------------------------------------
    dict(id="e12-wire", outlet="Reuters", published="2024-01-02",
         title="Israeli strikes hit near Damascus, Syrian state media says",
         text="DAMASCUS, Jan 2 (Reuters) - Israeli missiles struck targets near Damascus on Tuesday, Syrian "
              "state media said, causing material damage.",
         gold=[g("E12", "ASSAULT", "ISR", "SYR")]),
    dict(id="e12-agency", outlet="SANA", published="2024-01-03",
         title="Air defences confront Israeli aggression",
         text="Syrian air defences intercepted Israeli missiles over the countryside of Damascus yesterday. "
              "Israel attacked Syria from the direction of the occupied Golan, a military source said.",
         gold=[g("E12", "ASSAULT", "ISR", "SYR")]),
    # --- E13: protest in Tbilisi, Monday 15 April 2024 ------------------------------------------------
    dict(id="e13-wire", outlet="Reuters", published="2024-04-15",
         title="Thousands protest in Tbilisi against 'foreign agents' bill",
         text="TBILISI, April 15 (Reuters) - Thousands of Georgians protested outside parliament in Tbilisi on "
              "Monday against a bill on 'foreign agents' that critics say mirrors a Russian law.",
         gold=[g("E13", "PROTEST", "GEO", "GEO")]),
    dict(id="e13-broadsheet", outlet="The Economist", published="2024-04-18",
         title="Georgia's street rises again",
         text="Demonstrators rallied in Tbilisi on Monday to protest against the foreign agents bill, the "
              "largest crowd since the bill's first version was withdrawn last year.",
         gold=[g("E13", "PROTEST", "GEO", "GEO")]),
    dict(id="e13-local", outlet="Civil.ge", published="2024-04-16",
         title="Rally against 'Russian law' at parliament",
         text="Protesters gathered in front of parliament in Tbilisi yesterday to demonstrate against the "
              "foreign agents bill. Opposition leaders addressed the crowd.",
         gold=[g("E13", "PROTEST", "GEO", "GEO")]),
    # --- E14: US sanctions on Iranian drone suppliers, Wednesday 27 September 2023 -----------------------
    dict(id="e14-wire", outlet="Reuters", published="2023-09-27",
         title="US sanctions Iranian drone network",
         text="WASHINGTON, Sept 27 (Reuters) - The United States imposed sanctions on Wednesday on a network "
              "supplying Iran's drone programme, the Treasury Department said.",
         gold=[g("E14", "COERCE", "USA", "IRN")]),
    dict(id="e14-broadsheet", outlet="The Wall Street Journal", published="2023-09-28",
         title="Treasury targets Iran drone suppliers",
         text="Washington sanctioned Iran's drone suppliers yesterday, adding companies in China and Turkey to "
              "the blacklist.",
         gold=[g("E14", "COERCE", "USA", "IRN")]),
    dict(id="e14-agency", outlet="Agence France-Presse", published="2023-09-27",
         title="New US sanctions on Iran over drones",
         text="The US Treasury sanctioned Iran on Wednesday over drones supplied to Russia, the latest in a "
              "series of measures.",
         gold=[g("E14", "COERCE", "USA", "IRN")]),
    # --- E15: China accuses the Philippines, Sunday 22 October 2023 -------------------------------------
    dict(id="e15-wire", outlet="Reuters", published="2023-10-22",
         title="China accuses Philippines of dangerous manoeuvres near disputed shoal",
         text="BEIJING, Oct 22 (Reuters) - China accused the Philippines on Sunday of deliberately causing a "
              "collision between a Chinese coast guard ship and a Philippine supply boat near the Second Thomas "
              "Shoal.",
         gold=[g("E15", "ACCUSE", "CHN", "PHL")]),
    dict(id="e15-agency", outlet="Global Times", published="2023-10-22",
         title="China coast guard blames Manila for collision",
         text="China's coast guard accused the Philippines of provocation on Sunday after a Philippine vessel "
              "bumped a Chinese ship at Ren'ai Jiao.",
         gold=[g("E15", "ACCUSE", "CHN", "PHL")]),
    dict(id="e15-broadsheet", outlet="The Straits Times", published="2023-10-23",
         title="Beijing and Manila trade blame",
         text="Beijing accused Manila yesterday of violating its sovereignty at the Second Thomas Shoal.",
         gold=[g("E15", "ACCUSE", "CHN", "PHL")]),
    # --- E16: the same day, Manila accuses Beijing ---------------------------------------------------
    dict(id="e16-wire", outlet="Associated Press", published="2023-10-22",
         title="Philippines accuses China of blocking supply mission",
         text="MANILA (AP) — The Philippines accused China on Sunday of dangerous blocking manoeuvres that "
              "caused a collision with a Philippine supply boat near the Second Thomas Shoal.",
         gold=[g("E16", "ACCUSE", "PHL", "CHN")]),
    dict(id="e16-local", outlet="Philippine Daily Inquirer", published="2023-10-23",
         title="Manila slams Beijing over shoal collision",
         text="The Philippines accused China yesterday of violating international law after a Chinese coast "
              "guard ship rammed a Philippine resupply boat.",
         gold=[g("E16", "ACCUSE", "PHL", "CHN")]),
]


def main() -> None:
    lines = [json.dumps(a, ensure_ascii=False) for a in ARTICLES]
    ids = [a["id"] for a in ARTICLES]
    assert len(ids) == len(set(ids)), "duplicate article id"
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} articles -> {OUT}")


if __name__ == "__main__":
    main()
