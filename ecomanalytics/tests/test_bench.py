"""The benchmark end to end at a tiny size: generator, gunicorn, every endpoint, report.

It runs `manage.py bench` as a user would (a child process with its own SQLite file and
gunicorn on 127.0.0.1), so it takes about half a minute; the subprocess timeout keeps a
hung server from hanging the suite.
"""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

from ecomanalytics.bench.http_load import discover_endpoints, percentile

BENCH_TIMEOUT_SECONDS = 120


def test_percentile_is_nearest_rank() -> None:
    # given
    latencies = [float(n) for n in range(1, 21)]  # 1..20

    # when
    result = (
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile([7.0], 95),
    )

    # then
    assert result == (10.0, 19.0, 7.0)


def test_bench_measures_every_endpoint_and_writes_the_report(tmp_path: Path) -> None:
    # given
    output = tmp_path / "RESULTS.md"
    database_url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    endpoints = discover_endpoints()

    # when
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench",
            "--orders=300",
            "--requests=3",
            f"--database-url={database_url}",
            f"--output={output}",
        ],
        capture_output=True,
        text=True,
        timeout=BENCH_TIMEOUT_SECONDS,
        check=False,
    )

    # then
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = output.read_text()
    assert endpoints, "the API router registers no metric endpoint"
    missing = [
        endpoint.name
        for endpoint in endpoints
        if f"| {endpoint.name} | unfiltered | 3 |" not in report
    ]
    assert missing == []
    assert "<!-- bench-section sqlite-300 -->" in report
    assert "| orders |" in report
    assert "| non-200 |" in report
    assert "non-200: " not in completed.stdout  # every measured request answered 200
