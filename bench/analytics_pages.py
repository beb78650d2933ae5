"""How long the analytics pages take on a database that already holds a chain (e.g. the
demo's: `CXM_DATA_DIR=/path cxm demo`, or any loaded one): each page's JSON twin as the
chain admin, median of three runs, over the last N days of data.

    CXM_DATA_DIR=/tmp/cxmdemo python bench/analytics_pages.py [DAYS]
"""

import os
import statistics
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from cxm.org.models import Membership, Role  # noqa: E402
from cxm.org.services import default_chain  # noqa: E402
from cxm.sales.models import Receipt  # noqa: E402

PAGES = {
    "correlations (units ~ traffic, store × day)": "/analytics/correlations/",
    "correlations (seller × month)": "/analytics/correlations/?x=revenue&y=consultations"
    "&points=seller-month",
    "drivers (conversion ~ coverage, compliance, like-index)": "/analytics/drivers/",
    "revenue factors by store": "/analytics/revenue/",
    "KPI map (conversion)": "/analytics/map/?kpi=conversion",
}


def main(days: int) -> None:
    chain = default_chain()
    user, _ = get_user_model().objects.get_or_create(username="bench-analytics")
    Membership.objects.get_or_create(user=user, chain=chain, role=Role.CHAIN_ADMIN)
    last = Receipt.objects.filter(store__chain=chain).latest("day").day
    period = f"from={last - timedelta(days=days - 1)}&to={last}"
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    stores = chain.stores.count()
    print(f"{stores} stores, {days} days to {last}")
    for name, path in PAGES.items():
        url = f"{path}{'&' if '?' in path else '?'}{period}&format=json"
        times = []
        for _ in range(3):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.content[:300])
        print(f"{statistics.median(times):6.2f} s  {name}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
