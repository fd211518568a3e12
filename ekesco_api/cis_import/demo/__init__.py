"""A realistic, deterministic CIS export for development, demos and tests."""

from ekesco_api.cis_import.demo.billing import DemoTariff, NoTariffForPeriod
from ekesco_api.cis_import.demo.generate import (
    DemoExport,
    previous_month,
    write_demo_export,
)

__all__ = ["DemoExport", "DemoTariff", "NoTariffForPeriod", "previous_month", "write_demo_export"]
