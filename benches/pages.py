#!/usr/bin/env python3
"""A bounded load test of the pages against a running tiendo on 127.0.0.1.

Usage: python3 benches/pages.py http://127.0.0.1:8080 [requests per page]

For each page: sequential requests over one keep-alive connection (the server's own time plus
loopback), then the median, 90th and 99th percentile latency, requests per second, and the
page's size plain and gzip-compressed as served. Prints a Markdown table."""

import http.client
import statistics
import sys
import time
from urllib.parse import urlparse

PAGES = [
    ("city overview", "/units/382?as_of=2022-10-31"),
    ("city overview, sorted by rank, one group", "/units/382?as_of=2022-10-31&sort=rank&group=ha-tang"),
    ("ward page", "/units/14833?as_of=2022-10-31"),
    ("indicator across the city", "/units/382/indicators/HT-03?as_of=2022-10-31"),
    ("a ward's indicator", "/units/14833/indicators/HT-03?as_of=2022-10-31"),
    ("matrix", "/units/382/matrix?as_of=2022-10-31"),
    ("search", "/search?q=quang+tien"),
    ("summary API", "/api/v1/units/382/summary?as_of=2022-10-31"),
    ("stylesheet", "/static/app.css"),
    ("script", "/static/app.js"),
]


def fetch(conn, path, gzip):
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    return len(body)


def main():
    base = urlparse(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
    print("| page | median ms | p90 ms | p99 ms | requests/s | size | gzip |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, path in PAGES:
        plain = fetch(conn, path, False)
        packed = fetch(conn, path, True)
        for _ in range(5):
            fetch(conn, path, True)
        times = []
        start = time.perf_counter()
        for _ in range(n):
            t = time.perf_counter()
            fetch(conn, path, True)
            times.append((time.perf_counter() - t) * 1000)
        elapsed = time.perf_counter() - start
        times.sort()
        p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
        print(
            f"| {name} | {statistics.median(times):.1f} | {p(0.9):.1f} | {p(0.99):.1f} "
            f"| {n / elapsed:.0f} | {plain / 1024:.1f} kB | {packed / 1024:.1f} kB |"
        )


main()
