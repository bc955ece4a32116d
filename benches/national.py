#!/usr/bin/env python3
"""The national benchmark: views, their limits, load and writes against a running tiendo serving
the dataset of `tiendo bench-data` on 127.0.0.1. Prints Markdown tables for docs/PERFORMANCE.md.

Usage:
  python3 benches/national.py http://127.0.0.1:8090 DATABASE_URL TOKEN [requests]

DATABASE_URL is the server's (sqlite:///PATH or postgres://USER@HOST/DB): the limits are the same
roll-ups as one hand-written SQL aggregate over the derived table, timed by the database itself
(SQLite through Python's sqlite3, PostgreSQL by EXPLAIN ANALYZE). TOKEN is an administrator's API
token (`tiendo token add`) for the export and the writes. The load tests need `wrk`."""

import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlparse

DAYS = ["2024-01-31", "2024-04-30", "2024-07-31", "2024-10-31", "2024-12-31"]


def get(conn, path, headers):
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status} {body[:200]!r}")
    return body


def timed(conn, path, headers, n):
    """Median, p90 and p99 in ms of `n` sequential GETs over one keep-alive connection, warm:
    first the same requests for up to 3 s (at most 100), so that each of the server's database
    connections has prepared and planned the view's statements (PostgreSQL plans a prepared
    statement afresh for its first five runs on each connection)."""
    started = time.perf_counter()
    for i in range(100):
        get(conn, path.format(day=DAYS[i % len(DAYS)]), headers)
        if i >= 2 and time.perf_counter() - started > 3:
            break
    times = []
    for i in range(n):
        t = time.perf_counter()
        body = get(conn, path.format(day=DAYS[i % len(DAYS)]), headers)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
    return statistics.median(times), q(0.9), q(0.99), len(body)


def sqlite_limit(path, sql, params, n):
    import sqlite3

    db = sqlite3.connect(path)
    for _ in range(3):
        db.execute(sql, params).fetchall()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        db.execute(sql, params).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def postgres_limit(url, sql, params, n):
    for i, p in enumerate(params, 1):
        sql = sql.replace(f"${i}", f"'{p}'" if isinstance(p, str) else str(p))
    query = "EXPLAIN (ANALYZE, FORMAT JSON) " + sql
    times = []
    for _ in range(n):
        out = subprocess.run(["psql", url, "-qAtc", query], capture_output=True, text=True, check=True)
        plan = json.loads(out.stdout)[0]
        times.append(plan["Execution Time"] + plan["Planning Time"])
    return statistics.median(times[2:] or times)


def scalar(db_url, sql):
    if db_url.startswith("sqlite"):
        import sqlite3

        return sqlite3.connect(db_url.split("://", 1)[1]).execute(sql).fetchone()[0]
    out = subprocess.run(["psql", db_url, "-qAtc", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def wrk(url, connections, seconds, script=None, token=None):
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    if script:
        args += ["-s", script]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, latency(50), latency(99), int(errors.group(1)) if errors else 0


def main():
    base, db_url, token = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    host = urlparse(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
    auth = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    # The last ward by code: the writes below go to the first 2,000 communes, never to it.
    commune = scalar(db_url, "SELECT code FROM units WHERE kind = 'phuong' ORDER BY code DESC LIMIT 1")
    writer = scalar(db_url, "SELECT code FROM units WHERE kind = 'phuong' ORDER BY code LIMIT 1")
    district = scalar(db_url, "SELECT code FROM units WHERE parent_id = (SELECT id FROM units WHERE code = '38') ORDER BY code LIMIT 1")
    fw = scalar(db_url, "SELECT id FROM frameworks ORDER BY id DESC LIMIT 1")
    vn = scalar(db_url, "SELECT id FROM units WHERE code = 'VN'")

    print("| view | median ms | p90 ms | p99 ms | size |")
    print("| --- | ---: | ---: | ---: | ---: |")
    views = [
        ("national summary API (`VN`)", "/api/v1/units/VN/summary?as_of={day}"),
        ("provincial summary API (Thanh Hóa)", "/api/v1/units/38/summary?as_of={day}"),
        ("a commune's summary API", f"/api/v1/units/{commune}/summary?as_of={{day}}"),
        ("a commune's page", f"/units/{commune}?as_of={{day}}"),
        ("a commune's indicators API", f"/api/v1/units/{commune}/indicators?as_of={{day}}"),
        ("national overview page", "/units/VN?as_of={day}"),
        ("provincial overview page", "/units/38?as_of={day}"),
        ("a district's matrix", f"/units/{district}/matrix?as_of={{day}}"),
        ("one indicator across the province", "/units/38/indicators/G3-02?as_of={day}"),
        ("league table of the province (scores API)", "/api/v1/units/38/scores?as_of={day}"),
        ("trivial handler (`/healthz`)", "/healthz"),
    ]
    for name, path in views:
        median, p90, p99, size = timed(conn, path, auth, n)
        print(f"| {name} | {median:.1f} | {p90:.1f} | {p99:.1f} | {size / 1024:.1f} kB |")

    # The summaries above are asked again with nothing changed in between, so after the first
    # round they come from the cache. Here every read follows a new figure of a commune, which
    # moves the counts revision on: the summary is computed from the database each time. The
    # figure (0%, then 100%, on 30/12) flips the status of a day, so the counts do change: a
    # figure that changes no count leaves the revision, and the cached summaries, as they are.
    print()
    print("| summary read just after a figure was written (computed, not cached) | median ms | p90 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: |")
    write = {**auth, "Content-Type": "application/json"}
    for name, unit in [("national (`VN`)", "VN"), ("provincial (Thanh Hóa)", "38"), ("a commune's", commune)]:
        times = []
        for i in range(n):
            body = json.dumps({"framework": "bench-2024", "indicator": "G3-02",
                               "observed_on": "2024-12-30", "value": (i % 2) * 100})
            conn.request("POST", f"/api/v1/units/{writer}/observations", body=body, headers=write)
            response = conn.getresponse()
            response.read()
            if response.status != 201:
                raise SystemExit(f"write: HTTP {response.status}")
            t = time.perf_counter()
            conn.request("GET", f"/api/v1/units/{unit}/summary?as_of={DAYS[i % len(DAYS)]}", headers=auth)
            response = conn.getresponse()
            response.read()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
        print(f"| {name} | {statistics.median(times):.1f} | {q(0.9):.1f} | {q(0.99):.1f} |")

    # The limit of the national summary: the same two aggregates, written by hand.
    by_group = """SELECT c.group_id, SUM(c.achieved), SUM(c.in_progress), SUM(c.not_achieved),
        SUM(c.no_data), SUM(c.not_applicable) FROM status_counts c
        WHERE c.framework_id = $1 AND c.unit_id = $2 AND c.valid_until > $3 AND c.valid_from <= $3
        GROUP BY c.group_id"""
    by_child = """SELECT c.unit_id, SUM(c.achieved), SUM(c.in_progress), SUM(c.not_achieved),
        SUM(c.no_data), SUM(c.not_applicable) FROM units child JOIN status_counts c ON c.unit_id = child.id
        WHERE child.parent_id = $2 AND c.framework_id = $1 AND c.valid_until > $3 AND c.valid_from <= $3
        GROUP BY c.unit_id"""
    print()
    print("| hand-written aggregate over `status_counts`, national, as of | by group ms | by province ms |")
    print("| --- | ---: | ---: |")
    for day in DAYS:
        params = (int(fw), int(vn), day)
        if db_url.startswith("sqlite"):
            path = db_url.split("://", 1)[1]
            conv = lambda s: re.sub(r"\$(\d)", r"?\1", s)
            a = sqlite_limit(path, conv(by_group), params, n)
            b = sqlite_limit(path, conv(by_child), params, n)
        else:
            a = postgres_limit(db_url, by_group, params, 7)
            b = postgres_limit(db_url, by_child, params, 7)
        print(f"| {day} | {a:.2f} | {b:.2f} |")

    print()
    median, p90, p99, size = timed(conn, "/api/v1/units/38/export?format=xlsx&view=matrix&as_of={day}", auth, 5)
    print(f"Province matrix XLSX export: median {median:.0f} ms, p90 {p90:.0f} ms, {size / 1024:.0f} kB")

    print()
    print("| load (wrk, 2 threads, 10 s) | connections | requests/s | p50 ms | p99 ms | non-2xx |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, path in [
        ("national summary API", "/api/v1/units/VN/summary?as_of=2024-10-31"),
        ("trivial handler", "/healthz"),
    ]:
        for c in (8, 64):
            rate, p50, p99, bad = wrk(base + path, c, 10, token=token)
            print(f"| {name} | {c} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {bad} |")

    # Writes: new figures for communes across the country, each a request through the API
    # (access, the figure, its status spans, the counts up to VN, the audit log).
    codes = scalar(db_url, "SELECT string_agg(code, ',') FROM (SELECT code FROM units WHERE kind IN ('phuong','xa','thi_tran') ORDER BY code LIMIT 2000) t") if not db_url.startswith("sqlite") else ",".join(
        r[0] for r in __import__("sqlite3").connect(db_url.split("://", 1)[1]).execute("SELECT code FROM units WHERE kind IN ('phuong','xa','thi_tran') ORDER BY code LIMIT 2000"))
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(f"""
local codes = {{}}
for c in string.gmatch("{codes}", "[^,]+") do codes[#codes + 1] = c end
local n = 0
request = function()
  n = n + 1
  local code = codes[(n * 7919) % #codes + 1]
  local day = string.format("2024-12-%02d", (n % 28) + 1)
  local body = '{{"framework":"bench-2024","indicator":"G3-02","observed_on":"' .. day .. '","value":' .. (n % 100) .. '}}'
  return wrk.format("POST", "/api/v1/units/" .. code .. "/observations", {{
    ["Authorization"] = "Bearer {token}", ["Content-Type"] = "application/json"}}, body)
end
""")
    script.close()
    print()
    print("| figure writes through the API (wrk, 10 s) | connections | writes/s | p50 ms | p99 ms | non-2xx |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for c in (8, 64):
        rate, p50, p99, bad = wrk(base, c, 10, script.name)
        print(f"| new figure, status, counts, audit | {c} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {bad} |")
    os.unlink(script.name)


if __name__ == "__main__":
    main()
