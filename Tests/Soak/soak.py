#!/usr/bin/env python3
"""make soak: the daemon ticking every second for a bounded time over a 100,000-customer store,
delivering to a loopback SMTP sink while new customers keep arriving, with its memory, open file
descriptors and threads sampled. They must stay flat: no leak of curl handles, sockets, threads or
SQLite statements.

    soak.py --bin .build/release/outreachd [--minutes 5] [--customers 100000] [--work DIR]

Writes the samples to WORK/samples.csv and a summary to stdout; exits 1 when a figure grew, the
daemon died, or a due message was lost.
"""
import argparse, os, shutil, signal, sqlite3, statistics, subprocess, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_sink(python: str, spool: Path) -> tuple[subprocess.Popen, int]:
    sink = subprocess.Popen([python, str(ROOT / "Tests/Fixtures/smtp_server.py"), "--spool", str(spool), "--count-only"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = sink.stdout.readline()
    if not line.startswith("PORT "):
        raise SystemExit(f"the SMTP sink did not start: {line!r}")
    return sink, int(line.split()[1])


def sample(pid: int) -> tuple[int, int, int]:
    """RSS in KiB, open file descriptors, threads."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd")), len(os.listdir(f"/proc/{pid}/task"))


def add_customers(store: Path, first: int, count: int) -> None:
    """`count` new customers whose birthday is today in UTC (due at once)."""
    today = datetime.now(timezone.utc)
    with sqlite3.connect(store) as db:
        db.executemany("INSERT INTO customers(id, name, email, locale, timezone, birthday, opted_out) VALUES (?, ?, ?, 'en', 'UTC', ?, 0)",
                       [(f"SOAK{i:07d}", f"Soak Customer {i}", f"soak{i}@example.com", f"1990-{today.month:02d}-{today.day:02d}")
                        for i in range(first, first + count)])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default=str(ROOT / ".build/release/outreachd"))
    p.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", "5")))
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--python", default=str(ROOT / ".build-venv/bin/python"))
    p.add_argument("--work")
    a = p.parse_args()
    a.bin = str(Path(a.bin).resolve())
    # Absolute: the daemon runs in it, and is given paths inside it.
    work = Path(a.work or tempfile.mkdtemp(prefix="outreachd-soak-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    store, config = work / "customers.db", work / "outreachd.toml"
    for leftover in work.glob("state.db*"):
        leftover.unlink()
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if not store.exists():
        subprocess.run([a.bin, "synthesize", "--customers", str(a.customers), "--out", str(store), "--seed", "2026", "--at", now], check=True)
    sink, port = start_sink(a.python, work / "spool")
    shutil.rmtree(work / "templates", ignore_errors=True)
    shutil.copytree(ROOT / "templates", work / "templates")
    config.write_text(f"""[store]
url = "sqlite:customers.db"
[state]
url = "sqlite:state.db"
[schedule]
interval = "1s"
timezone = "UTC"
max_per_customer = "1/24h"
[company]
name = "Example Kft."
[channels.email]
kind = "smtp"
url = "smtp://127.0.0.1:{port}"
tls = "none"
from = "Example Care <care@example.com>"
concurrency = 4
[[rules]]
name = "birthday"
kind = "birthday"
channel = "email"
template = "birthday"
priority = 30
[[rules]]
name = "check_in"
kind = "post_purchase"
channel = "email"
template = "post_purchase"
after = "14d"
min_amount = 50
priority = 10
[[rules]]
name = "ticket_follow_up"
kind = "unresolved_ticket"
channel = "email"
template = "unresolved_ticket"
after = "48h"
repeat_every = "48h"
max_repeats = 2
priority = 20
""")
    subprocess.run([a.bin, "init", "--config", str(config)], check=True, stdout=subprocess.DEVNULL)
    log = open(work / "daemon.log", "w")
    daemon = subprocess.Popen([a.bin, "run", "--config", str(config)], cwd=work, stdout=log, stderr=log)
    samples, added, failures = [], 0, []
    started = time.time()
    deadline = started + a.minutes * 60
    try:
        while time.time() < deadline:
            time.sleep(5)
            if daemon.poll() is not None:
                failures.append(f"the daemon exited with {daemon.returncode}")
                break
            add_customers(store, added, 50)
            added += 50
            rss, fds, threads = sample(daemon.pid)
            samples.append((round(time.time() - started), rss, fds, threads))
            print(f"  {samples[-1][0]:>5} s  rss {rss / 1024:7.1f} MB  fds {fds:3}  threads {threads:3}  customers added {added}", flush=True)
        time.sleep(3)  # the last arrivals' tick
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            if daemon.wait(timeout=60) != 0:
                failures.append(f"SIGTERM: exit {daemon.returncode}")
    finally:
        if daemon.poll() is None:
            daemon.kill()
        sink.stdin.close()
        sink.wait(timeout=10)
    with open(work / "samples.csv", "w") as out:
        out.write("seconds,rss_kib,fds,threads\n" + "".join(f"{s},{r},{f},{t}\n" for s, r, f, t in samples))

    with sqlite3.connect(work / "state.db") as db:
        states = dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        arrived = db.execute("SELECT count(*) FROM outbox WHERE customer_id LIKE 'SOAK%' AND state = 'sent'").fetchone()[0]
    if arrived < added - 50 * 2:
        failures.append(f"only {arrived} of {added} arriving customers' messages were sent")
    # After a warm-up third, the figures must stay flat: RSS within 10 % (and 8 MB) of the middle
    # third's median, file descriptors and threads within a handful.
    if len(samples) >= 6:
        third = len(samples) // 3
        middle, last = samples[third:2 * third], samples[2 * third:]
        rss_mid, rss_last = statistics.median(s[1] for s in middle), statistics.median(s[1] for s in last)
        if rss_last > rss_mid * 1.10 and rss_last - rss_mid > 8 * 1024:
            failures.append(f"RSS grew: median {rss_mid / 1024:.1f} MB -> {rss_last / 1024:.1f} MB")
        for column, name in ((2, "open file descriptors"), (3, "threads")):
            if max(s[column] for s in last) > max(s[column] for s in middle) + 4:
                failures.append(f"{name} grew: {max(s[column] for s in middle)} -> {max(s[column] for s in last)}")
    else:
        failures.append("too few samples to judge (run at least 30 s)")
    first, end = samples[0] if samples else (0, 0, 0, 0), samples[-1] if samples else (0, 0, 0, 0)
    print(f"soak: {a.minutes:g} min over {a.customers:,} customers, {added:,} arriving; ledger {states}; "
          f"rss {first[1] / 1024:.1f} -> {end[1] / 1024:.1f} MB (peak {max((s[1] for s in samples), default=0) / 1024:.1f}), "
          f"fds {first[2]} -> {end[2]}, threads {first[3]} -> {end[3]}; samples in {work / 'samples.csv'}")
    for failure in failures:
        print(f"SOAK FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
