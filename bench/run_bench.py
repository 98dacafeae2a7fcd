#!/usr/bin/python3
"""The benchmark behind scripts/bench.sh (see docs/performance.md).

Starts voip-migration-sim and the adapter (voip-migration-adapter) as their own
processes on loopback, drives the JSON face with wrk and bench/wrk.lua in
bounded runs, and measures the reference server (voip-bench-reference: the
adapter's HTTP settings, a fixed answer) and the pass-through chain (the same
server making two HTTP calls to a second one per request: the architectural
ceiling) in the same run. Writes results/:
bench.md (the table), bench.json, bench.png (gnuplot), logs, and the callgrind
and memcheck outputs. Standard library only; Debian's /usr/bin/python3.
"""

import argparse
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import http.client

CLK_TCK = os.sysconf("SC_CLK_TCK")
LITTLE_BACKEND_S = 0.1  # 50 ms work order + 50 ms MIDAS per request
# Issue 14's targets: the adapter's share of the chain's throughput in the same run, per backend kind;
# p99 at 8 connections with nginx backends; peak RSS with 50 ms backends; instructions per request.
CHAIN_TARGETS = {"nginx": 0.75, "sim": 0.60}
P99_TARGET_MS = 2
RSS_TARGET_50MS_MIB = 48
INSTRUCTIONS_TARGET = 350_000
# The PostgreSQL row's pool: a request holds a connection across its MIDAS call, so at least the
# 64 connections' requests plus the relay's and /ready's (docs/operations.md, "The PostgreSQL store").
PG_POOL_SIZE = 80
WARMUP_DRAIN_S = 0.5  # pause between the warm-up and the measured run
# Callers authenticate as in production (docs/security.md): one API key, known to the adapter by its digest.
API_KEY = "bench-api-key-0001"
API_KEY_SHA256 = hashlib.sha256(API_KEY.encode()).hexdigest()


def log(text):
    print(f"bench: {text}", file=sys.stderr, flush=True)


class Process:
    """A child process whose start-up line names its port."""

    def __init__(self, argv, stdout, line_pattern, ready_stream="stderr", name="", env=None):
        self.name = name or os.path.basename(argv[0])
        out = open(stdout, "w") if stdout else subprocess.DEVNULL
        self.stdout_path = stdout
        kwargs = dict(stdout=out, stderr=subprocess.PIPE, env=env)
        if ready_stream == "stdout":
            kwargs = dict(stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.proc = subprocess.Popen(argv, **kwargs)
        stream = self.proc.stderr if ready_stream == "stderr" else self.proc.stdout
        deadline = time.time() + 60
        self.port = None
        while time.time() < deadline:
            line = stream.readline().decode(errors="replace")
            if not line:
                break
            m = re.search(line_pattern, line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.stop()
            raise RuntimeError(f"{self.name} did not start: {argv}")
        # Keep draining the pipe so the child never blocks on it.
        import threading
        threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()

    @property
    def pid(self):
        return self.proc.pid

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

    def status_kib(self, key):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def threads(self):
        return self.status_kib("Threads")

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_sim(build, latency_ms, threads, logdir, tag):
    return Process([f"{build}/voip-migration-sim", "--listen", "127.0.0.1:0", "--threads", str(threads),
                    "--latency-ms", str(latency_ms)],
                   None, r"listening on http://127\.0\.0\.1:(\d+)", ready_stream="stdout", name=f"sim-{tag}")


def server_flags(args, sim_port):
    flags = ["--listen", "127.0.0.1:0", "--threads", str(args.threads),
             "--workorder-max-idle-connections", str(args.threads),
             "--midas-max-idle-connections", str(args.threads)]
    if sim_port:
        flags += ["--auth", "api-key", "--api-key-sha256", API_KEY_SHA256]
        flags += ["--workorder-url", f"http://127.0.0.1:{sim_port}/workorder",
                  "--midas-url", f"http://127.0.0.1:{sim_port}/midas"]
    return flags


def start_adapter(args, sim_port, logfile, wrapper=(), postgres=None):
    """The adapter on a fresh SQLite database (journal, outbox, idempotency records) beside its log,
    or, with `postgres` (a PostgresSandbox), on that shared database with a pool of
    --pg-pool-size connections (default PG_POOL_SIZE)."""
    adapter = args.adapter or f"{args.build}/voip-migration-adapter"
    if postgres:
        store = ["--database", postgres.uri, "--database-password", "file:" + postgres.password_file,
                 "--database-pool-size", str(args.pg_pool_size)]
    else:
        database = os.path.splitext(logfile)[0] + ".db"
        for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
            if os.path.exists(database + suffix):
                os.remove(database + suffix)
        store = ["--database", database]
    if getattr(args, "preload", "") and not wrapper:
        wrapper = ["env", f"LD_PRELOAD={args.preload}"]  # another allocator, for the adapter only
    return Process(list(wrapper) + [adapter] + server_flags(args, sim_port) + store,
                   logfile, r"voip-migration-adapter listening on http://127\.0\.0\.1:(\d+)", name="adapter")


def postgres_cpu_seconds():
    """CPU seconds (user + system) of every process of the `postgres` user: the PostgreSQL server."""
    import pwd  # noqa: E402 - only for the PostgreSQL rows
    uid = pwd.getpwnam("postgres").pw_uid
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return total / CLK_TCK


def start_postgres(out):
    """A throwaway PostgreSQL 15 (tests/support/postgres_sandbox.py: fsync and synchronous_commit
    off, as a process crash of the adapter is what its store must survive here, like SQLite's
    synchronous=NORMAL), shared by the PostgreSQL rows, deleted at the end."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "support"))
    from postgres_sandbox import PostgresSandbox  # noqa: E402 - only when a PostgreSQL row runs
    sandbox = PostgresSandbox(tempfile.mkdtemp(prefix="bench-pg-", dir="/tmp"))
    sandbox.start()
    log(f"PostgreSQL for the json-pg rows: {sandbox.uri}")
    return sandbox


def start_reference(args, threads=None, pass_through_to=None, as_backend=False, name="reference"):
    extra = ["--pass-through-to", pass_through_to] if pass_through_to else []
    extra += ["--as-backend"] if as_backend else []
    return Process([f"{args.build}/voip-bench-reference"] + server_flags(args, None)[:2] +
                   ["--threads", str(threads or args.threads)] + extra,
                   None, r"listening on http://127\.0\.0\.1:(\d+)", name=name)


FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures")
# The answers nginx gives, with the fixtures' placeholders filled in.
NGINX_PLACEHOLDERS = {"<order-number-1>": "WO1000000001", "<update-reference-1>": "UPD1"}


def golden_answer(service, case):
    """The SOAP envelope the backend answered in tests/fixtures/SERVICE/CASE/backend.golden."""
    with open(os.path.join(FIXTURES, service, case, "backend.golden")) as f:
        text = f.read()
    body = text.split(" answered HTTP 200", 1)[1].split("--\n", 1)[1]
    body = body.split("\n== ", 1)[0].strip()
    for placeholder, value in NGINX_PLACEHOLDERS.items():
        body = body.replace(placeholder, value)
    return body


def free_loopback_port():
    import socket  # noqa: E402 - only for nginx, which cannot report a port it chose
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """Debian's nginx-light on a free loopback port, answering fixed SOAP responses from the golden
    fixtures: POST /workorder the work order created (WorkOrderService/created), POST /midas MIDAS
    acknowledging (MidasCustomerService/acknowledged), anything else the work-order answer (the
    chain's backend). One worker process, keep-alive without a request limit, no access log."""

    def __init__(self, out):
        self.prefix = tempfile.mkdtemp(prefix="bench-nginx-", dir="/tmp")
        os.chmod(self.prefix, 0o755)
        self.port = free_loopback_port()
        work_order = golden_answer("WorkOrderService", "created").replace("'", "\\'")
        midas = golden_answer("MidasCustomerService", "acknowledged").replace("'", "\\'")
        conf = os.path.join(self.prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_temp_path {self.prefix}/body;
  default_type "text/xml; charset=utf-8";
  server {{
    listen 127.0.0.1:{self.port} reuseport backlog=4096;
    location = /midas {{ return 200 '{midas}'; }}
    location / {{ return 200 '{work_order}'; }}
  }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-p", self.prefix, "-c", conf, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(out, "nginx.log"), "w"))
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("POST", "/workorder", body=b"<x/>")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not start on port {self.port} (see {out}/nginx.log)")

    def cpu_seconds(self):
        """The master's and its worker's CPU (the worker is the master's only child)."""
        total = 0
        for pid in [self.proc.pid] + self.children():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except OSError:
                pass
        return total / CLK_TCK

    def children(self):
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: the worker finishes, then the master exits
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        import shutil  # noqa: E402
        shutil.rmtree(self.prefix, ignore_errors=True)


def run_wrk(port, connections, duration_s, mix=False, close=False, customers=False):
    mode = "mix" if mix else ("customers" if customers else "success")
    env = dict(os.environ, BENCH_MIX=mode, BENCH_API_KEY=API_KEY)
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{duration_s}s", "--timeout", "5s", "--latency",
            "-s", os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk.lua")]
    if close:
        argv += ["-H", "Connection: close"]
    argv.append(f"http://127.0.0.1:{port}/")
    out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=duration_s + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):])
    raise RuntimeError(f"wrk gave no result: {out.stdout}\n{out.stderr}")


def stop_line(logfile):
    connects = None
    with open(logfile, errors="replace") as f:
        for line in f:
            if '"event":"stop"' in line:
                connects = json.loads(line).get("backendConnectionsOpened")
    return connects


def measure(args, kind, label, connections, sim=None, mix=False, close=False, latency_ms=0, postgres=None,
            customers=False, backend="sim"):
    """One scenario on a fresh adapter, reference or chain process: warm-up, then a measured run.
    `sim` is the process the server calls (the simulators; for the chain, its backend), whose CPU
    is measured too. `postgres`: the adapter's store is that PostgreSQL (else its own SQLite file).
    `backend` names what `sim` is: "sim" (the simulators, or the chain's own backend) or "nginx"."""
    logfile = os.path.join(args.out, f"{label}.log")
    if kind == "reference":
        server = start_reference(args)
    elif kind == "chain":
        server = start_reference(args, pass_through_to=f"http://127.0.0.1:{sim.port}", name="chain")
    else:
        server = start_adapter(args, sim.port, logfile, postgres=postgres)
    try:
        warm = run_wrk(server.port, connections, args.warmup, mix=mix, close=close, customers=customers)
        # The warm-up's connections are closed with requests still running (up to 100 ms with 50 ms
        # backends); their workers count against the adapter's connection bound until those end, so
        # the measured run's new connections would find it full and be shed (503) at once.
        time.sleep(WARMUP_DRAIN_S)
        cpu0 = server.cpu_seconds()
        sim_cpu0 = sim.cpu_seconds() if sim else 0.0
        store_cpu0 = postgres_cpu_seconds() if postgres else 0.0
        result = run_wrk(server.port, connections, args.duration, mix=mix, close=close, customers=customers)
        cpu = server.cpu_seconds() - cpu0
        sim_cpu = (sim.cpu_seconds() - sim_cpu0) if sim else None
        store_cpu = (postgres_cpu_seconds() - store_cpu0) if postgres else None
        peak_rss_kib = server.status_kib("VmHWM")
        threads = server.threads()
    finally:
        code = server.stop()
    requests = result["requests"]
    errors = sum(result["errors"].values())
    row = {
        "label": label, "kind": kind, "connections": connections, "mix": mix, "close": close,
        "latency_ms": latency_ms, "store": "postgresql" if postgres else "sqlite", "customers": customers,
        "backend": backend,
        "requests": requests,
        "rps": requests / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000, "p90_ms": result["p90_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000, "max_ms": result["max_us"] / 1000,
        "errors": errors, "error_detail": result["errors"], "statuses": result.get("statuses", {}),
        "peak_rss_mib": peak_rss_kib / 1024, "threads": threads,
        "cpu_s_per_1000": cpu / requests * 1000 if requests else None,
        "sim_cpu_s_per_1000": (sim_cpu / requests * 1000) if (sim_cpu is not None and requests) else None,
        "store_cpu_s_per_1000": (store_cpu / requests * 1000) if (store_cpu is not None and requests) else None,
        "exit_code": code,
    }
    if kind == "adapter":
        connects = stop_line(logfile)
        served = requests + warm["requests"]
        if connects is not None and served:
            row["backend_connects"] = connects
            row["backend_connects_per_1000"] = (connects["workOrder"] + connects["midas"]) / served * 1000
    log(f"{label}: {row['rps']:.0f} req/s, p50 {row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms, "
        f"errors {errors}, peak RSS {row['peak_rss_mib']:.1f} MiB, "
        f"CPU {row['cpu_s_per_1000'] or 0:.3f} s/1000, connects/1000 {row.get('backend_connects_per_1000', '-')}"
        + (f", PostgreSQL CPU {row['store_cpu_s_per_1000']:.3f} s/1000" if postgres and requests else ""))
    return row


def repeated_runs(args, sim, runs=8, seconds=2, connections=64):
    """RSS of ONE adapter process after each of several identical runs: growth that does not level
    off would show a leak. (The first runs grow while new pool threads first serve a connection and
    touch their stacks and malloc caches: with --threads above the connection count, that takes a
    few runs.)"""
    logfile = os.path.join(args.out, "repeat.log")
    server = start_adapter(args, sim.port, logfile)
    rss = []
    try:
        for _ in range(runs):
            run_wrk(server.port, connections, seconds)
            rss.append(server.status_kib("VmRSS") / 1024)
    finally:
        server.stop()
    log(f"repeated runs, VmRSS after each (MiB): {', '.join(f'{r:.1f}' for r in rss)}")
    return rss


REQUEST_BODY = b'{"telephoneNumber":"447874384949","accountIdentification":{"accountNumber":"123456789","siteReference":42}}'
MIX_NUMBERS = ["447874384949", "447700900001", "447700900002", "447700900005", "447700900007",
               "447700900004", "447700900006", "447700900009"]


def sequential_requests(port, count, mix=False):
    """`count` requests one after another on one keep-alive connection; returns statuses seen."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    statuses = {}
    for i in range(count):
        body = REQUEST_BODY
        if mix:
            body = body.replace(b"447874384949", MIX_NUMBERS[i % len(MIX_NUMBERS)].encode())
        conn.request("POST", "/CreateVOIPMigrationWorkOrder", body=body,
                     headers={"Content-Type": "application/json", "X-API-Key": API_KEY})
        response = conn.getresponse()
        response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
    conn.close()
    return statuses


def callgrind_total(args, sim, requests, tag):
    out = os.path.join(args.out, f"callgrind.{tag}.out")
    server = start_adapter(args, sim.port, os.path.join(args.out, f"callgrind-{tag}.log"),
                           wrapper=["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"])
    try:
        statuses = sequential_requests(server.port, requests)
    finally:
        server.stop(timeout=120)
    if statuses != {200: requests}:
        raise RuntimeError(f"callgrind run answered {statuses}")
    with open(out) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1]), out
    raise RuntimeError(f"no totals in {out}")


def instructions_per_request(args, sim):
    """Deterministic cost: (Ir of N2 requests - Ir of N1 requests) / (N2 - N1), start-up cancelled out."""
    n1, n2 = args.callgrind_requests
    ir1, _ = callgrind_total(args, sim, n1, "short")
    ir2, out2 = callgrind_total(args, sim, n2, "long")
    per_request = (ir2 - ir1) / (n2 - n1)
    top = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=99", out2],
                         capture_output=True, text=True).stdout
    with open(os.path.join(args.out, "callgrind-top.txt"), "w") as f:
        f.write(top)
    top_inclusive = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", out2],
                                   capture_output=True, text=True).stdout
    with open(os.path.join(args.out, "callgrind-inclusive.txt"), "w") as f:
        f.write(top_inclusive)
    log(f"callgrind: {ir1} Ir for {n1} requests, {ir2} Ir for {n2}: {per_request:.0f} instructions per request")
    return {"requests": [n1, n2], "instructions": [ir1, ir2], "per_request": per_request}


def memcheck(args, sim, requests):
    """A short mixed run under memcheck; the adapter must stop with nothing definitely lost and no errors."""
    out = os.path.join(args.out, "memcheck.txt")
    server = start_adapter(args, sim.port, os.path.join(args.out, "memcheck.log"),
                           wrapper=["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                                    f"--log-file={out}"])
    try:
        statuses = sequential_requests(server.port, requests, mix=True)
    finally:
        code = server.stop(timeout=180)
    text = open(out).read()

    def number(pattern):
        m = re.search(pattern, text)
        return int(m.group(1).replace(",", "")) if m else 0

    result = {"requests": requests, "statuses": {str(k): v for k, v in statuses.items()}, "exit_code": code,
              "definitely_lost_bytes": number(r"definitely lost: ([\d,]+) bytes"),
              "indirectly_lost_bytes": number(r"indirectly lost: ([\d,]+) bytes"),
              "errors": number(r"ERROR SUMMARY: ([\d,]+) errors")}
    log(f"memcheck: {result}")
    return result


def fmt(value, digits=1):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def write_report(args, rows, extras):
    lines = []
    lines.append(f"# Benchmark results ({extras['when']})\n")
    lines.append(f"Machine: {extras['machine']}. Command: `{extras['command']}`. "
                 f"Each row: a fresh server process, {args.warmup} s warm-up, {args.duration} s measured, "
                 f"wrk 2 threads. Adapter and reference: `--threads {args.threads}`.\n")
    headline = [r for r in rows if "ratio_to_chain" in r]
    if headline:
        lines.append("## Headline: adapter ÷ chain (same run)\n")
        lines.append("| backends | conns | reference req/s | chain req/s | adapter req/s | adapter ÷ chain | adapter p99 ms |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in headline:
            lines.append(f"| {r['backend']} | {r['connections']} | {fmt(r.get('reference_rps'), 0)} "
                         f"| {fmt(r['chain_rps'], 0)} | {fmt(r['rps'], 0)} | **{r['ratio_to_chain']:.2f}** "
                         f"| {fmt(r['p99_ms'], 2)} |")
        lines.append("")
        lines.append("## Every scenario\n")
    lines.append("| scenario | conns | req/s | ratio | of chain | p50 ms | p90 ms | p99 ms | errors | peak RSS MiB "
                 "| CPU s/1000 req | sim CPU s/1000 | backend connects/1000 |")
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        ratio = r.get("ratio_text", "")
        of_chain = f"{r['ratio_to_chain'] * 100:.1f} %" if "ratio_to_chain" in r else ""
        lines.append(f"| {r['label']} | {r['connections']} | {fmt(r['rps'], 0)} | {ratio} | {of_chain} "
                     f"| {fmt(r['p50_ms'], 2)} "
                     f"| {fmt(r['p90_ms'], 2)} | {fmt(r['p99_ms'], 2)} | {r['errors']} | {fmt(r['peak_rss_mib'])} "
                     f"| {fmt(r['cpu_s_per_1000'], 3)} | {fmt(r.get('sim_cpu_s_per_1000'), 3)} "
                     f"| {fmt(r.get('backend_connects_per_1000'), 2)} |")
    lines.append("")
    lines.append("ratio: adapter (or chain) req/s ÷ reference req/s at the same connection count (and the "
                 "same `Connection` header); for 50 ms backends, req/s ÷ the Little's-law bound "
                 f"(connections ÷ {LITTLE_BACKEND_S} s). of chain: adapter req/s ÷ chain req/s at the same "
                 "connection count and with the same backends. chain: the reference server making two keep-alive HTTP "
                 "POSTs per request to a backend answering a fixed body from the simulators' HTTP server (the "
                 "adapter's shape without its work); its sim CPU column is that backend's CPU. -nginx rows: "
                 "the backend of both the adapter and the chain is nginx (Debian's nginx-light, one worker) "
                 "answering the golden fixtures' SOAP responses; sim CPU is nginx's.\n")
    for r in rows:
        if r.get("mix"):
            lines.append(f"Mix statuses ({r['label']}): {json.dumps(r['statuses'], sort_keys=True)}\n")
        if r.get("store") == "postgresql":
            lines.append(f"{r['label']}: the adapter on the PostgreSQL store (pool {args.pg_pool_size}, a throwaway "
                         f"PostgreSQL 15 on the same machine, fsync and synchronous_commit off); the PostgreSQL "
                         f"server's CPU: {fmt(r.get('store_cpu_s_per_1000'), 3)} s/1000 req"
                         + (f"; {r['of_sqlite'] * 100:.1f} % of the SQLite row's req/s" if "of_sqlite" in r else "")
                         + "\n")
    if "repeat_rss_mib" in extras:
        lines.append("Repeated runs on one adapter process (64 connections, 2 s each), VmRSS after each: "
                     + ", ".join(f"{x:.1f}" for x in extras["repeat_rss_mib"]) + " MiB\n")
    if "callgrind" in extras:
        c = extras["callgrind"]
        lines.append(f"Instructions per request (callgrind, sequential success requests, "
                     f"({c['instructions'][1]:,} − {c['instructions'][0]:,}) Ir ÷ ({c['requests'][1]} − "
                     f"{c['requests'][0]})): **{c['per_request']:,.0f}**\n")
    if "memcheck" in extras:
        m = extras["memcheck"]
        lines.append(f"Memcheck ({m['requests']} mixed requests, statuses {m['statuses']}): definitely lost "
                     f"{m['definitely_lost_bytes']} bytes, indirectly lost {m['indirectly_lost_bytes']} bytes, "
                     f"{m['errors']} errors, exit code {m['exit_code']}\n")
    if "repeat_rss_mib" in extras:
        rss = extras["repeat_rss_mib"]
        half = len(rss) // 2
        growth = max(rss[half:]) - min(rss[half:])
        extras.setdefault("targets", []).append(
            ("no growth across repeated runs (second half within 1 MiB)", growth <= 1.0,
             f"second half spans {growth:.1f} MiB"))
    if extras.get("targets"):
        lines.append("## Targets\n")
        for name, ok, detail in extras["targets"]:
            lines.append(f"- {'PASS' if ok else 'MISS'}: {name} ({detail})")
        lines.append("")
    path = os.path.join(args.out, "bench.md")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump({"rows": rows, **extras}, f, indent=2)
    return path


def plot(args, rows):
    """Throughput of the adapter and the reference per scenario, and the adapter's latency percentiles."""
    data = os.path.join(args.out, "bench.dat")
    adapter_rows = [r for r in rows if r["kind"] == "adapter"]
    with open(data, "w") as f:
        f.write("# scenario adapter reference chain p50 p90 p99 adapter/chain\n")
        for r in adapter_rows:
            ref = r.get("reference_rps") or 0
            chain = r.get("chain_rps") or 0
            f.write(f"\"{r['label']}\" {r['rps']:.1f} {ref:.1f} {chain:.1f} {r['p50_ms']:.3f} {r['p90_ms']:.3f} "
                    f"{r['p99_ms']:.3f} {r.get('ratio_to_chain', 0):.3f}\n")
    png = os.path.join(args.out, "bench.png")
    script = f"""
set terminal pngcairo size 1200,1300 font ",10" noenhanced
set output '{png}'
set multiplot layout 3,1 title "CreateVOIPMigrationWorkOrder benchmark (JSON face, loopback, 2 cores)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -20
set grid ytics
set xrange [-0.6:*]
set key top right
set ylabel "requests/s"
set title "Throughput: adapter vs reference server and pass-through chain (same settings, same run; 0 = none)"
plot '{data}' using 2:xtic(1) title "adapter" lc rgb "#1f77b4", '' using 3 title "reference" lc rgb "#aaaaaa", '' using 4 title "chain (2 HTTP calls, no work)" lc rgb "#9467bd"
set ylabel "adapter ÷ chain"
set yrange [0:1]
set title "Headline: adapter ÷ chain, same run and same backends (targets: 0.75 with nginx, 0.60 with the simulators; 0 = no chain row)"
plot '{data}' using 8:xtic(1) title "adapter ÷ chain" lc rgb "#17becf", 0.75 with lines dt 2 lc rgb "#d62728" title "0.75", 0.60 with lines dt 3 lc rgb "#ff7f0e" title "0.60"
set autoscale y
set ylabel "ms (log)"
set logscale y
set title "Adapter latency percentiles"
plot '{data}' using 5:xtic(1) title "p50" lc rgb "#2ca02c", '' using 6 title "p90" lc rgb "#ff7f0e", '' using 7 title "p99" lc rgb "#d62728"
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        log(f"plot failed: {e}")
        return None
    return png


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build")
    parser.add_argument("--out", default="results")
    parser.add_argument("--adapter", default="",
                        help="adapter binary to measure (default: BUILD/voip-migration-adapter); for before/after "
                             "comparisons against the same simulator and reference")
    parser.add_argument("--duration", type=int, default=8, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up seconds per scenario")
    parser.add_argument("--threads", type=int, default=320, help="server threads (adapter and reference)")
    parser.add_argument("--sim-threads", type=int, default=700)
    parser.add_argument("--pg-pool-size", type=int, default=PG_POOL_SIZE,
                        help="database-pool-size of the adapter on the PostgreSQL rows")
    parser.add_argument("--callgrind-requests", type=int, nargs=2, default=[200, 1200])
    parser.add_argument("--memcheck-requests", type=int, default=200)
    parser.add_argument("--skip-valgrind", action="store_true", help="no callgrind and no memcheck")
    parser.add_argument("--preload", default="",
                        help="a library the adapter is started with (LD_PRELOAD), e.g. Debian's "
                             "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2, for allocator A/B runs")
    parser.add_argument("--only", default="", help="comma-separated labels to run (default: all): scenario labels such as json-64, "
                             "and repeat, callgrind, memcheck")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    only = set(filter(None, args.only.split(",")))

    # (kind, label, connections, options); reference and adapter interleaved so drift hits both.
    plan = []
    for c in (8, 64, 256):
        plan.append(("reference", f"reference-{c}", c, {}))
        plan.append(("chain", f"chain-{c}", c, {}))
        plan.append(("adapter", f"json-{c}", c, {}))
        # Both again with nginx answering fixed SOAP responses as the backend (the fastest possible).
        plan.append(("chain", f"chain-nginx-{c}", c, {"nginx": True}))
        plan.append(("adapter", f"json-nginx-{c}", c, {"nginx": True}))
        if c == 64:  # the same scenario on the PostgreSQL store, right after the SQLite row
            plan.append(("adapter", "json-pg-64", c, {"postgres": True}))
    # Both stores again with every request for another customer: no two requests share a
    # customer's MIDAS turn (json-64 sends one customer's request over and over).
    plan.append(("adapter", "json-customers-64", 64, {"customers": True}))
    plan.append(("adapter", "json-pg-customers-64", 64, {"customers": True, "postgres": True}))
    plan.append(("adapter", "json-256-backends-50ms", 256, {"latency_ms": 50}))
    plan.append(("adapter", "json-mix-64", 64, {"mix": True}))
    plan.append(("reference", "reference-close-64", 64, {"close": True}))
    plan.append(("adapter", "json-close-64", 64, {"close": True}))
    if only:
        plan = [p for p in plan if p[1] in only]

    rows = []
    sims = {}
    postgres = None
    nginx = None
    try:
        if any(options.get("postgres") for _, _, _, options in plan):
            postgres = start_postgres(args.out)
        if any(options.get("nginx") for _, _, _, options in plan):
            nginx = Nginx(args.out)
            log(f"nginx for the -nginx rows on port {nginx.port}")
        for kind, label, connections, options in plan:
            latency = options.get("latency_ms", 0)
            sim = None
            fresh_backend = kind == "chain" and not options.get("nginx")
            if options.get("nginx"):
                sim = nginx
            elif kind == "adapter":
                if latency not in sims:
                    sims[latency] = start_sim(args.build, latency, args.sim_threads, args.out, str(latency))
                sim = sims[latency]
            elif fresh_backend:  # a fresh backend per chain scenario, sized like the simulators
                sim = start_reference(args, threads=args.sim_threads, as_backend=True, name="chain-backend")
            try:
                rows.append(measure(args, kind, label, connections, sim=sim, mix=options.get("mix", False),
                                    close=options.get("close", False), latency_ms=latency,
                                    postgres=postgres if options.get("postgres") else None,
                                    customers=options.get("customers", False),
                                    backend="nginx" if options.get("nginx") else "sim"))
            finally:
                if fresh_backend:
                    sim.stop()
        extras = {}
        wanted = {name for name in ("repeat", "callgrind", "memcheck") if not only or name in only}
        if args.skip_valgrind:
            wanted -= {"callgrind", "memcheck"}
        if wanted and 0 not in sims:
            sims[0] = start_sim(args.build, 0, args.sim_threads, args.out, "0")
        if "repeat" in wanted:
            extras["repeat_rss_mib"] = repeated_runs(args, sims[0])
        if "callgrind" in wanted:
            extras["callgrind"] = instructions_per_request(args, sims[0])
            per_request = extras["callgrind"]["per_request"]
            extras["callgrind_target"] = (f"instructions per request ≤ {INSTRUCTIONS_TARGET:,}",
                                          per_request <= INSTRUCTIONS_TARGET, f"{per_request:,.0f}")
        if "memcheck" in wanted:
            extras["memcheck"] = memcheck(args, sims[0], args.memcheck_requests)
    finally:
        for sim in sims.values():
            sim.stop()
        if postgres:
            postgres.stop()
        if nginx:
            nginx.stop()

    refs = {(r["connections"], r["close"]): r for r in rows if r["kind"] == "reference"}
    chains = {(r["connections"], r["close"], r["backend"]): r for r in rows if r["kind"] == "chain"}
    for r in rows:
        if r["kind"] == "chain" and (r["connections"], r["close"]) in refs:
            r["ratio"] = r["rps"] / refs[(r["connections"], r["close"])]["rps"]
            r["ratio_text"] = f"{r['ratio'] * 100:.1f} %"
        if r["kind"] != "adapter":
            continue
        chain = chains.get((r["connections"], r["close"], r["backend"]))
        if chain and not r["latency_ms"] and r["store"] == "sqlite" and not r["customers"] and not r["mix"]:
            r["chain_rps"] = chain["rps"]
            r["ratio_to_chain"] = r["rps"] / chain["rps"]
        if r["latency_ms"]:
            bound = r["connections"] / LITTLE_BACKEND_S
            r["ratio"] = r["rps"] / bound
            r["ratio_text"] = f"{r['ratio'] * 100:.0f} % of {bound:.0f}"
        else:
            ref = refs.get((r["connections"], r["close"]))
            if ref:
                r["reference_rps"] = ref["rps"]
                r["ratio"] = r["rps"] / ref["rps"]
                r["ratio_text"] = f"{r['ratio'] * 100:.1f} %"

    targets = []
    for r in rows:
        if r["kind"] == "adapter" and "ratio_to_chain" in r:
            floor = CHAIN_TARGETS[r["backend"]]
            targets.append((f"{r['label']} ≥ {floor * 100:.0f} % of the chain ({r['backend']} backends), zero errors",
                            r["ratio_to_chain"] >= floor and r["errors"] == 0,
                            f"{r['ratio_to_chain'] * 100:.1f} %, {r['errors']} errors"))
        if r["kind"] == "adapter" and r["backend"] == "nginx" and r["connections"] == 8:
            targets.append((f"{r['label']} p99 ≤ {P99_TARGET_MS} ms", r["p99_ms"] <= P99_TARGET_MS,
                            f"p99 {r['p99_ms']:.2f} ms"))
        if r["kind"] == "adapter" and r["latency_ms"]:
            targets.append((f"{r['label']} ≥ 95 % of Little's bound, zero errors",
                            r["ratio"] >= 0.95 and r["errors"] == 0,
                            f"{r['ratio'] * 100:.0f} %, p99 {r['p99_ms']:.1f} ms, {r['errors']} errors"))
        if r["kind"] == "adapter" and r["connections"] >= 256:
            limit = RSS_TARGET_50MS_MIB if r["latency_ms"] else 64
            targets.append((f"{r['label']} peak RSS ≤ {limit} MiB", r["peak_rss_mib"] <= limit,
                            f"{r['peak_rss_mib']:.1f} MiB"))
        if r["kind"] == "adapter" and r["mix"]:
            targets.append((f"{r['label']} only expected statuses", r["errors"] == 0,
                            json.dumps(r["statuses"], sort_keys=True)))
    sqlite_rows = {(r["connections"], r["customers"]): r for r in rows
                   if r["kind"] == "adapter" and r["store"] == "sqlite" and not r["mix"] and not r["close"]
                   and not r["latency_ms"] and r["backend"] == "sim"}
    for r in rows:
        base = sqlite_rows.get((r["connections"], r.get("customers")))
        if r["kind"] == "adapter" and r["store"] == "postgresql" and base:
            r["of_sqlite"] = r["rps"] / base["rps"]
            targets.append((f"{r['label']} ≥ 80 % of {base['label']}'s req/s, p99 < 2x its, zero errors",
                            r["of_sqlite"] >= 0.8 and r["p99_ms"] < 2 * base["p99_ms"] and r["errors"] == 0,
                            f"{r['of_sqlite'] * 100:.1f} %, p99 {r['p99_ms']:.1f} vs {base['p99_ms']:.1f} ms, "
                            f"{r['errors']} errors"))
    machine = f"{os.cpu_count()} CPUs, " + subprocess.run(["uname", "-sr"], capture_output=True,
                                                          text=True).stdout.strip()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
        machine += f", {model}"
    except OSError:
        pass
    if "callgrind_target" in extras:
        targets.append(extras.pop("callgrind_target"))
    extras.update({"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine,
                   "command": "scripts/bench.sh " + " ".join(sys.argv[1:]), "targets": targets})
    report = write_report(args, rows, extras)
    png = plot(args, rows)
    print(open(report).read())
    log(f"wrote {report}" + (f" and {png}" if png else ""))
    return 0 if all(ok for _, ok, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
