"""One data version for every process: an import in one process retires every
worker's cached answers."""

from __future__ import annotations

from pathlib import Path

from .site import Answer, Site

HEADER = "order_id,placed_at,customer_id,status,sku,quantity,unit_price\n"
SUMMARY = "/api/kpi/summary/?start=2026-11-01&end=2026-11-30"


def _orders_file(directory: Path, name: str, rows: list[str]) -> str:
    path = directory / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return str(path)


def _ask_both_workers(site: Site, token: str) -> list[Answer]:
    return site.ask_each_worker(SUMMARY, {"Authorization": f"Token {token}"})


def _revenue_and_orders(answers: list[Answer]) -> set[tuple[float, int]]:
    assert {answer.status for answer in answers} == {200}
    return {(answer.json()["revenue"], answer.json()["orders"]) for answer in answers}


def test_an_import_in_another_process_retires_every_workers_cached_answer(
    site: Site,
) -> None:
    # given: one $100 order, its summary cached by both gunicorn workers
    site.manage(
        "import_orders",
        "--no-progress",
        _orders_file(
            site.directory,
            "first.csv",
            ["A-1,2026-11-10T12:00:00Z,C-1,paid,SKU-1,1,100.00"],
        ),
    )
    token = site.manage("create_api_token", "staff").stdout.strip()
    with site.serving(workers=2):
        before = _ask_both_workers(site, token)
        log_before = len(site.worker_pids())

        # when: another process imports a $10,000 order
        site.manage(
            "import_orders",
            "--no-progress",
            _orders_file(
                site.directory,
                "second.csv",
                ["A-2,2026-11-11T12:00:00Z,C-2,paid,SKU-1,1,10000.00"],
            ),
        )
        after = _ask_both_workers(site, token)
        assert site.access_log is not None
        hits_before = [
            line.split(" ")[0]
            for line in site.access_log.read_text().splitlines()[:log_before]
            if line.endswith(" hit")
        ]
        workers_after = set(site.worker_pids()[log_before:])

    # then: both workers had the old answer cached, and both now give the new one
    assert len(set(hits_before)) == 2
    assert _revenue_and_orders(before) == {(100.0, 1)}
    assert len(workers_after) == 2
    assert _revenue_and_orders(after) == {(10100.0, 2)}


def test_the_api_throttle_counts_the_requests_of_every_worker_together(
    site: Site,
) -> None:
    # given: five requests a minute for a token client
    site.env["API_THROTTLE_RATE"] = "5/minute"
    token = site.manage("create_api_token", "staff").stdout.strip()

    # when: four requests to each of the two workers
    with site.serving(workers=2):
        answers = site.ask_each_worker(
            SUMMARY, {"Authorization": f"Token {token}"}, times=4
        )
        workers = set(site.worker_pids())

    # then: five pass in all, not five per worker
    assert len(workers) == 2
    assert [answer.status for answer in answers] == [200] * 5 + [429] * 3
