"""Live stats: arrivals per bucket and per door, rate, no-shows."""
from checkin_app.gui.stats_view import StatsView
from checkin_app.services.checkin import CheckinService


def test_stats_show_arrivals_per_door_rate_and_no_shows(qtbot, tasks):
    def admit(app):
        app.checkin.scan("al4R5")
        app.checkin.scan("R59xesv")
        CheckinService(app.store, door="Door 2").scan("n2only")
        app.checkin.scan("nope")  # refused scans are not arrivals

    done = []
    tasks.db(admit, done.append)
    qtbot.waitUntil(lambda: len(done) == 1, timeout=10_000)
    view = StatsView(tasks)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.updated, timeout=10_000) as sig:
        view.refresh()
    live = sig.args[0]
    assert sum(b["total"] for b in live["arrivals"]) == 3
    assert live["arrivals"][-1]["doors"] == {"Door 1": 2, "Door 2": 1}
    assert {d["door"]: d["admitted"] for d in live["per_door"]} == {"Door 1": 2, "Door 2": 1}
    assert view.rate.text() == "0.2" and view.chart.doors == ["Door 1", "Door 2"]
    expected = live["counters"]["expected"]
    assert view.no_shows.text() == f"{expected - 3:,}" and view.inside.text().startswith(f"3 / {expected}")
    assert len(live["arrivals"]) == 37  # 3 hours of 5-minute buckets

    with qtbot.waitSignal(view.updated, timeout=10_000) as sig:
        view.fifteen.click()
    assert sig.args[0]["bucket_minutes"] == 15 and len(sig.args[0]["arrivals"]) == 25
    view.show()
    qtbot.waitExposed(view)
    view.chart.repaint()  # paints without Qt warnings
