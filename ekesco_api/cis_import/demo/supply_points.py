"""Who and where: the supply points of the demo export, their holders, addresses and meters.

The first supply points are the well-known ones the README registers with; the rest are drawn
from the generator's `random.Random`, in a fixed order, so the same seed gives the same people.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from ekesco_api.cis_import.demo import people
from ekesco_api.cis_import.demo.places import CITIES, City, Locality


@dataclass
class DemoSupplyPoint:
    """One customer code of the export, with what the bills and readings need to know."""

    index: int
    code: str
    first_name: str
    last_name: str
    personal_number: str
    street: str
    city: str
    locality: str
    neighbourhood: str
    category: str
    meters: list[tuple[str, str, str]] = field(default_factory=list)  # number, mode, tariff
    mean_kwh: float = 300.0
    high_share: float = 0.65
    payer: str = "punctual"  # punctual | irregular | late
    opening_balance: int = 0  # cents owed before the first bill
    well_known: str = ""

    @property
    def dual(self) -> bool:
        return self.meters[0][2] == "dual"


# Supply points everyone can find in the demo: registration examples in the README use #1.
WELL_KNOWN = (
    # code, first, last, personal number, city index, locality, neighbourhood, category,
    # meter mode, tariff, payer, what it shows
    (
        "DPR 0000001",
        "Arben",
        "Krasniqi",
        "1234567890",
        0,
        0,
        1,
        "household",
        "remote",
        "dual",
        "punctual",
        "household, remote-read meter, bills paid",
    ),
    (
        "DPZ 0000002",
        "Drita",
        "Gashi",
        "1234567891",
        1,
        0,
        2,
        "household",
        "manual",
        "dual",
        "punctual",
        "household, meter read by hand once a month",
    ),
    (
        "DMI 0000003",
        "Miloš",
        "Jovanović",
        "1234567892",
        4,
        1,
        0,
        "household",
        "remote",
        "dual",
        "irregular",
        "Serbian holder in North Mitrovica, some bills partly paid",
    ),
    (
        "DPE 0000004",
        "Valon",
        "Berisha",
        "1234567893",
        2,
        0,
        0,
        "commercial",
        "remote",
        "dual",
        "punctual",
        "business with two meters",
    ),
    (
        "DGJ 0000005",
        "Fjolla",
        "Morina",
        "1234567894",
        3,
        0,
        1,
        "household",
        "manual",
        "single",
        "late",
        "household with unpaid bills (debt outstanding)",
    ),
)


def draw_supply_points(rng: random.Random, count: int) -> Iterator[DemoSupplyPoint]:
    """The supply points one by one: the generator writes each before drawing the next."""
    used_codes = {entry[0] for entry in WELL_KNOWN}
    used_personal = {entry[3] for entry in WELL_KNOWN}
    # Eight-digit meter numbers; 9000000x are kept for the well-known supply points.
    meter_numbers = iter(rng.sample(range(10_000_000, 90_000_000), count * 2 + 10))
    for index in range(count):
        if index < len(WELL_KNOWN):
            point = _well_known(index, 90_000_001 + index)
            if point.category == "commercial":
                point.meters.append((str(90_000_011 + index), "manual", "dual"))
        else:
            point = _random_point(rng, index, used_codes, used_personal, meter_numbers)
        _consumption_profile(rng, point)
        yield point


def _well_known(index: int, meter_number: int) -> DemoSupplyPoint:
    code, first, last, personal, c, loc, nb, category, mode, tariff, payer, what = WELL_KNOWN[index]
    city = CITIES[c]
    locality = city.localities[loc]
    neighbourhood = locality.neighbourhoods[nb].sq if locality.neighbourhoods else ""
    streets = city.serbian_streets if locality.serbian_share > 0.5 else city.streets
    point = DemoSupplyPoint(
        index=index,
        code=code,
        first_name=first,
        last_name=last,
        personal_number=personal,
        street=_house(streets[index % len(streets)], 10 + index, serbian=code.startswith("DMI")),
        city=city.name.sq,
        locality=locality.name.sq,
        neighbourhood=neighbourhood,
        category=category,
        meters=[(str(meter_number), mode, tariff)],
        payer=payer,
        well_known=what,
    )
    if payer == "late":
        point.opening_balance = 8450
    return point


def _random_point(
    rng: random.Random,
    index: int,
    used_codes: set[str],
    used_personal: set[str],
    meter_numbers: Iterator[int],
) -> DemoSupplyPoint:
    city: City = rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]
    locality: Locality = rng.choices(city.localities, weights=[x.weight for x in city.localities])[
        0
    ]
    neighbourhood = rng.choice(locality.neighbourhoods).sq if locality.neighbourhoods else ""
    category = "household" if rng.random() < 0.85 else "commercial"
    serbian = rng.random() < locality.serbian_share
    company = category == "commercial" and rng.random() < 0.3
    if company:
        first, last = rng.choice(people.COMPANY_NAMES), rng.choice(people.LEGAL_FORMS)
    elif serbian:
        first, last = rng.choice(people.SERBIAN_FIRST), rng.choice(people.SERBIAN_LAST)
    else:
        first, last = rng.choice(people.ALBANIAN_FIRST), rng.choice(people.ALBANIAN_LAST)
    personal = ""
    if not company:
        while not personal or personal in used_personal:
            personal = str(rng.randrange(1_000_000_000, 10_000_000_000))
        used_personal.add(personal)
    code = ""
    while not code or code in used_codes:
        code = f"{city.district} {rng.randrange(10, 10_000_000):07d}"
    used_codes.add(code)
    streets = city.serbian_streets if serbian and city.serbian_streets else city.streets
    if locality.neighbourhoods:
        street = _house(rng.choice(streets), rng.randint(1, 180), serbian=serbian)
    else:  # villages: few numbered houses
        street = rng.choice(streets) + (
            " pn" if rng.random() < 0.5 else f" nr. {rng.randint(1, 90)}"
        )
    city_name, locality_name = city.name.sq, locality.name.sq
    if rng.random() < 0.02:  # the CIS is not always consistent with ë and ç
        city_name = city_name.replace("ë", "e").replace("ç", "c")
    remote = rng.random() < (0.7 if category == "commercial" else 0.36)
    tariff = "dual" if rng.random() < 0.8 else "single"
    point = DemoSupplyPoint(
        index=index,
        code=code,
        first_name=first,
        last_name=last,
        personal_number=personal,
        street=street,
        city=city_name,
        locality=locality_name,
        neighbourhood=neighbourhood,
        category=category,
        meters=[(str(next(meter_numbers)), "remote" if remote else "manual", tariff)],
        payer=rng.choices(("punctual", "irregular", "late"), weights=(75, 18, 7))[0],
    )
    if category == "commercial" and rng.random() < 0.08:
        point.meters.append((str(next(meter_numbers)), "manual", tariff))
    if point.payer == "late" and rng.random() < 0.5:
        point.opening_balance = rng.randrange(1000, 15000)
    return point


def _house(street: str, number: int, *, serbian: bool) -> str:
    return f"{street} {'br.' if serbian else 'nr.'} {number}"


def _consumption_profile(rng: random.Random, point: DemoSupplyPoint) -> None:
    if point.category == "household":
        # Most homes use 200–500 kWh a month; those heating with electricity pass 800 in winter.
        point.mean_kwh = rng.lognormvariate(5.75, 0.45)
        point.high_share = rng.uniform(0.55, 0.75)
    else:
        point.mean_kwh = rng.lognormvariate(6.9, 0.7)
        point.high_share = rng.uniform(0.7, 0.85)


def customer_row(p: DemoSupplyPoint) -> list[str]:
    return [
        p.code,
        p.first_name,
        p.last_name,
        p.personal_number,
        p.street,
        p.city,
        p.locality,
        p.neighbourhood,
        p.category,
    ]


def meter_rows(p: DemoSupplyPoint) -> Iterator[list[str]]:
    for number, mode, tariff in p.meters:
        yield [number, p.code, mode, tariff]


def area_rows() -> Iterator[list[str]]:
    for city in CITIES:
        yield [city.name.sq, "", "", city.name.sr, city.name.en]
        for locality in city.localities:
            yield [city.name.sq, locality.name.sq, "", locality.name.sr, locality.name.en]
            for nb in locality.neighbourhoods:
                yield [city.name.sq, locality.name.sq, nb.sq, nb.sr, nb.en]
