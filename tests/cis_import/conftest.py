"""A small, hand-checked CIS export to import, and a helper to write broken variants of it."""

from __future__ import annotations

from pathlib import Path

import pytest

CUSTOMERS = (
    "customer_code,first_name,last_name,personal_number,street,city,locality,neighbourhood,category\n"
    "DPR 0000001,Arben,Krasniqi,1234567890,Rr. Nëna Terezë nr. 10,Prishtinë,Prishtinë,Dardania,"
    "household\n"
    "DMI 0000003,Miloš,Jovanović,1234567892,Ul. Čika Jovina br. 12,Mitrovicë,Mitrovicë e Veriut,"
    "Bošnjačka Mahala,household\n"
    "DPZ 0000007,Kafe Ura,SH.P.K.,,Rr. Shën Flori nr. 3,Prizren,Landovicë,,commercial\n"
)

METERS = """\
meter_number,customer_code,reading_mode,tariff_type
90000001,DPR 0000001,remote,dual
90000003,dmi0000003,manual,single
90000007,DPZ 0000007,Remote,dual
"""

BILLS = """\
bill_number,customer_code,period,issued_on,due_on,kwh_high,kwh_low,energy_amount,fixed_fee,vat_amount,previous_balance,total
202501000001,DPR 0000001,2025-01,2025-02-04,2025-02-24,640,380,70.19,1.74,5.75,0.00,77.68
202502000001,DPR 0000001,2025-02,2025-03-04,2025-03-24,520.5,300.25,55.10,1.74,4.55,77.68,139.07
202501000003,DMI 0000003,2025-01,2025-02-05,2025-02-25,310,0,18.04,1.74,1.58,-5.00,16.36
"""

PAYMENTS = """\
reference,customer_code,amount,paid_at,channel
BK2502100000001,DPR 0000001,77.68,2025-02-10T09:30:00+01:00,bank
PK2503050000002,DMI 0000003,10.00,2025-07-05T14:00:00+02:00,post
AK2503060000003,DPZ 0000007,0.01,2025-03-06T08:00:00Z,cash_desk
"""

READINGS = """\
meter_number,read_at,kwh_high_total,kwh_low_total
90000001,2025-03-01T00:00:00+01:00,12345.678,6789.001
90000001,2025-03-02T00:00:00+01:00,12350.100,6791.000
90000007,2025-07-01T00:00:00+02:00,500.000,250.5
"""

AREAS = """\
city,locality,neighbourhood,name_sr,name_en
Prishtinë,,,Priština,Pristina
Prishtinë,Prishtinë,,Priština,Pristina
Prishtinë,Prishtinë,Dardania,Dardanija,
Prishtinë,Prishtinë,Ulpiana,Ulpijana,
Mitrovicë,Mitrovicë e Veriut,Bošnjačka Mahala,Bošnjačka Mahala,Bosniak Quarter
"""

GOOD = {
    "customers.csv": CUSTOMERS,
    "meters.csv": METERS,
    "bills.csv": BILLS,
    "payments.csv": PAYMENTS,
    "readings.csv": READINGS,
    "areas.csv": AREAS,
}


class Export:
    """A directory of CSV files, written from text (or bytes, for broken encodings)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.directory / name
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    def write_good(self, *names: str) -> Export:
        for name in names or tuple(GOOD):
            self.write(name, GOOD[name])
        return self


@pytest.fixture
def export(tmp_path: Path) -> Export:
    directory = tmp_path / "export"
    directory.mkdir()
    return Export(directory)
