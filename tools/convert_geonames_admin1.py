"""Convert GeoNames first-order divisions (provinces, states, governorates) into wirecoder's data folder.

Reads ../shared/data/geonames/geonames_admin1.csv (CC BY 4.0, see its NOTICE.md) and writes
src/wirecoder/data/geonames_admin1.tsv: one current division per line with its country, GeoNames
admin1 code and id, name, ASCII name, other names ("|"-separated) and approximate coordinates.
Rerun: python3 tools/convert_geonames_admin1.py --shared ../shared
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

OUT = Path("src/wirecoder/data")
COLUMNS = ("country", "admin1", "geonameid", "name", "ascii", "other_names", "lat", "lon")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", default="../shared")
    args = ap.parse_args()
    src = Path(args.shared) / "data" / "geonames"
    rows = []
    with open(src / "geonames_admin1.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["status"] != "current" or not r["country_iso3"]:
                continue
            lat = r["cities_mean_lat"] or r["largest_city_lat"]
            lon = r["cities_mean_lon"] or r["largest_city_lon"]
            rows.append((r["country_iso3"], r["admin1_code"].split(".", 1)[-1], r["geonameid"], r["name"],
                         r["name_ascii"], r["other_names"], lat, lon))
    rows.sort()
    with open(OUT / "geonames_admin1.tsv", "w", encoding="utf-8", newline="") as f:
        f.write("# GeoNames first-order divisions. Contains data from GeoNames (geonames.org), CC BY 4.0;"
                " see NOTICE-geonames.md.\n")
        f.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            f.write("\t".join(cell.replace("\t", " ") for cell in row) + "\n")
    shutil.copy(src / "LICENSE-CC-BY-4.0.txt", OUT / "LICENSE-CC-BY-4.0.txt")
    notice = (src / "NOTICE.md").read_text(encoding="utf-8")
    (OUT / "NOTICE-geonames.md").write_text(
        notice + "\nIn wirecoder: `geonames_admin1.tsv` is converted from `geonames_admin1.csv` by"
        " `tools/convert_geonames_admin1.py` (current divisions only, fewer columns).\n", encoding="utf-8")
    print(f"wrote {len(rows)} divisions to {OUT / 'geonames_admin1.tsv'}")


if __name__ == "__main__":
    main()
