#!/usr/bin/env python3
"""A bounded load test of the documents against a running `tiendo demo` on 127.0.0.1.

Usage: python3 benches/documents.py http://127.0.0.1:8080 [requests per document]

Signs in as the demo's admin, then for each document: sequential requests over one keep-alive
connection, and the median, 90th percentile and largest latency, and the document's size.
Uploads (the template's check, `dry_run=true`) are timed the same way. Prints a Markdown table."""

import http.client
import json
import statistics
import sys
import time
import uuid
from urllib.parse import urlparse

DOCUMENTS = [
    ("ward report, DOCX", "/api/v1/units/14833/report?as_of=2022-10-31&format=docx"),
    ("ward report, PDF", "/api/v1/units/14833/report?as_of=2022-10-31&format=pdf"),
    ("ward report, XLSX", "/api/v1/units/14833/report?as_of=2022-10-31&format=xlsx"),
    ("city report, DOCX", "/api/v1/units/382/report?as_of=2022-10-31&format=docx"),
    ("city report, PDF", "/api/v1/units/382/report?as_of=2022-10-31&format=pdf"),
    ("city overview, XLSX", "/api/v1/units/382/export?view=summary&as_of=2022-10-31"),
    ("city matrix, XLSX", "/api/v1/units/382/export?view=matrix&as_of=2022-10-31"),
    ("ward template, XLSX", "/api/v1/units/14833/template?as_of=2022-10-31"),
    ("city template, XLSX", "/api/v1/units/382/template?as_of=2022-10-31"),
]


def sign_in(conn):
    body = json.dumps({"username": "admin", "password": "demo"})
    conn.request("POST", "/api/v1/login", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = json.loads(response.read())
    if response.status != 200:
        raise SystemExit(f"sign-in: HTTP {response.status}")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    return cookie, payload["csrf_token"]


def get(conn, path, cookie):
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    return body


def upload(conn, path, cookie, csrf, name, content):
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    conn.request("POST", path, body, headers)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")


def timed(n, call):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))], times[-1]


def main():
    base = urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
    cookie, csrf = sign_in(conn)
    print(f"{n} sequential requests each, one connection, signed in.\n")
    print("| document | median ms | p90 ms | max ms | size |")
    print("| --- | ---: | ---: | ---: | ---: |")
    files = {}
    for name, path in DOCUMENTS:
        body = get(conn, path, cookie)
        files[name] = body
        median, p90, worst = timed(n, lambda: get(conn, path, cookie))
        print(f"| {name} | {median:.1f} | {p90:.1f} | {worst:.1f} | {len(body) / 1024:.0f} KiB |")
    for name, template in [("ward template", "ward template, XLSX"), ("city template", "city template, XLSX")]:
        content = files[template]
        path = "/api/v1/imports?dry_run=true"
        median, p90, worst = timed(n, lambda: upload(conn, path, cookie, csrf, "mau.xlsx", content))
        print(f"| check of the {name} (import, dry run) | {median:.1f} | {p90:.1f} | {worst:.1f} | {len(content) / 1024:.0f} KiB |")


if __name__ == "__main__":
    main()
