"""The benchmark behind `make bench`: build a shop of a given size, load it over HTTP.

dataset.py builds the database (generator run as a subprocess, timed, rows counted),
http_load.py serves it with gunicorn on 127.0.0.1 and times every metric endpoint,
machine.py describes the hardware and software, report.py writes benchmarks/RESULTS.md,
runner.py ties them together for the `bench` management command.
"""
