"""The analytics pages in a real Chromium: the KPI map draws every store in scope on the
bundled outline of Russia (no network), and clicking a store opens that store's dashboard;
the correlation and revenue pages draw their charts without script errors."""

import pytest

from tests.test_analytics_pages import PERIOD
from tests.test_dashboard_browser import page, sign_in  # noqa: F401 (the page fixture)

pytestmark = pytest.mark.browser
QUERY = f"from={PERIOD['from']}&to={PERIOD['to']}"


def test_clicking_a_store_on_the_map_opens_its_dashboard(page, live_server, chain_sales):  # noqa: F811
    # Anything not served by CXM itself would fail: the map must work offline.
    page.route(f"!{live_server.url}/**", lambda route: route.abort())
    sign_in(page, f"{live_server.url}/?{QUERY}", "analyst")
    page.goto(f"{live_server.url}/analytics/map/?{QUERY}&kpi=conversion")
    page.wait_for_selector("#chart-map[data-ready=true] canvas")
    point = page.evaluate(
        """() => {
          const el = document.getElementById('chart-map');
          const chart = echarts.getInstanceByDom(el);
          const [x, y] = chart.convertToPixel({geoIndex: 0}, [82.92, 55.03]);
          const box = el.getBoundingClientRect();
          return {x: box.left + x, y: box.top + y};
        }"""
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**store=NSK-1**")
    assert page.locator(".card[data-metric=revenue]").count() == 1
    assert "1\xa0200,00\xa0₽" in page.inner_text(".card[data-metric=revenue] .value")
    assert page.problems == []


def test_the_analysis_pages_draw_their_charts(page, live_server, chain_sales):  # noqa: F811
    sign_in(page, f"{live_server.url}/?{QUERY}", "analyst")
    page.goto(f"{live_server.url}/analytics/revenue/?{QUERY}&store=MSK-1")
    page.wait_for_selector("#chart-waterfall canvas")
    page.goto(f"{live_server.url}/analytics/correlations/?{QUERY}&x=revenue&y=traffic")
    page.wait_for_selector("[data-scatter='0'] canvas")
    assert "слишком мало точек" in page.inner_text("table[data-table=correlations]")
    assert page.problems == []
