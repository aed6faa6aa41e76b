#!/usr/bin/env python3
"""outreachd's benchmark suite: `make bench` runs it all and writes Benchmarks/RESULTS.md and results.png.

One function per benchmark (`bench_*`, listed in BENCHMARKS); each adds rows to the results table.
Run one alone with `--only NAME` (see Benchmarks/README.md). Whole-process figures are measured here:
wall time around the child, peak RSS from wait4's rusage of that child. Every figure is the median
of several runs with their range, and a reference tool (smtp-source, ab, chevron) runs in the same
invocation so the ratio holds even on a busy machine.

Standard library only, except chevron (rendering) and matplotlib (the chart), imported where used:
`make test`'s smoke run (`--smoke`) runs with any python3.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import math
import os
import platform
import queue
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = REPO / ".build-bench"

# The suite's fixed instant: stores are generated for it and evaluated at it.
FIXED_AT = "2026-11-30T10:00:00Z"
SEED = 2026
SIZES = [10_000, 100_000, 1_000_000]
# The scaling check holds this many messages due at every store size.
FIXED_DUE = 1_000
# SMTP and HTTP: messages per run, and the channel's parallel connections (smtp-source -s, ab -c).
DELIVERIES = 20_000
CONCURRENCY = 4
# From, To, Date and Message-Id as smtp-source 3.7 writes them before its payload (seen with smtp-sink -D).
SMTP_SOURCE_HEADER_BYTES = 125

# No measured command may run longer than this: a hung run fails its benchmark, not the whole suite.
COMMAND_TIMEOUT = 600

# The targets.
COLD_TICK_SECONDS = 0.5
COLD_TICK_MB = 80
WARM_TICK_MS = 50
RENDER_RATIO = 20
SMTP_RATIO = 0.7
HTTP_RATIO = 0.5
COLD_START_MS = 40


# ---------------------------------------------------------------------------------------------
# Measuring

@dataclass
class Sample:
    """One whole-process run: wall seconds, peak RSS in MiB, exit status, CPU seconds (user + system)."""
    wall: float
    rss_mb: float
    status: int
    cpu: float = 0.0


class CommandFailed(Exception):
    pass


def run_measured(argv: list, *, cwd=None, stdout=subprocess.DEVNULL, env=None, timeout: float = COMMAND_TIMEOUT,
                 check: bool = True) -> Sample:
    """Runs argv to completion; wall time from spawn to exit, peak RSS from the child's rusage."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen([str(a) for a in argv], cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err, env=env)
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if check and child.returncode != 0:
            err.seek(0)
            how = f"was stopped after {timeout:.0f} s" if wall >= timeout else f"exited {child.returncode}"
            raise CommandFailed(f"{' '.join(map(str, argv))} {how}: {err.read().decode(errors='replace')[-2000:]}")
    return Sample(wall, usage.ru_maxrss / 1024, child.returncode, usage.ru_utime + usage.ru_stime)


def run(argv: list, **kwargs) -> str:
    """Runs argv, returns its stdout; raises with its stderr on failure."""
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise CommandFailed(f"{' '.join(map(str, argv))} exited {done.returncode}: {(done.stderr or done.stdout)[-2000:]}")
    return done.stdout


@dataclass
class Stat:
    """Several runs of one figure: the median and the range."""
    values: list

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def show(self, fmt: Callable[[float], str]) -> str:
        if len(self.values) == 1:
            return f"{fmt(self.values[0])} (1 run)"
        return f"{fmt(self.median)} ({fmt(min(self.values))}–{fmt(max(self.values))}, n={len(self.values)})"


def seconds(v: float) -> str:
    return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"


def millis(v: float) -> str:
    return f"{v * 1000:.1f} ms"


def mib(v: float) -> str:
    return f"{v:.0f} MB"


def rate(v: float) -> str:
    return f"{v:,.0f}/s"


def size_label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise CommandFailed(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@contextlib.contextmanager
def serving(argv: list, port: int, stop: int = signal.SIGTERM):
    """A reference server (smtp-sink, nginx) on 127.0.0.1:port for the block's duration, stopped after it even on failure."""
    server = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield server
    finally:
        server.send_signal(stop)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def tool(name: str) -> str:
    """A program from PATH or /usr/sbin (smtp-sink and nginx live there)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")
    if not found:
        raise CommandFailed(f"{name} is not installed; `make bench` installs it")
    return found


# ---------------------------------------------------------------------------------------------
# The suite: results, stores, configurations

@dataclass
class Row:
    benchmark: str
    figure: str
    value: str
    reference: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


@dataclass
class Suite:
    binary: Path
    runs: int
    work: Path
    stores: Path
    smoke: bool = False
    rows: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)     # benchmark → paragraphs for RESULTS.md
    chart: dict = field(default_factory=dict)     # series name → [(customers, Stat wall, Stat rss)]
    timings: list = field(default_factory=list)   # (benchmark, seconds)

    def note(self, benchmark: str, text: str):
        self.notes.setdefault(benchmark, []).append(text)

    def folder(self, name: str, tmpfs: bool = False) -> Path:
        """A new, empty work folder (on /dev/shm when asked, so Maildir and ledger writes are not the disk's)."""
        base = Path("/dev/shm") / f"outreachd-bench-{os.getpid()}" if tmpfs and Path("/dev/shm").is_dir() else self.work
        path = base / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def outreachd(self, *args) -> list:
        return [str(self.binary)] + [str(a) for a in args]

    # Stores -------------------------------------------------------------------------------

    def synthetic_store(self, customers: int, at: str = FIXED_AT, seed: int = SEED) -> Path:
        """`outreachd synthesize`'s store, cached by size, seed and instant (written aside, then renamed)."""
        # -v2: the store's indexes changed (covering candidate indexes, customers_tier); older files lack them.
        path = self.stores / f"synth-{customers}-s{seed}-{at.replace('-', '').replace(':', '')}-v2.db"
        if path.exists():
            return path
        self.stores.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + f".partial{os.getpid()}")
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        run(self.outreachd("synthesize", "--customers", customers, "--out", partial, "--seed", seed, "--at", at))
        partial.rename(path)
        print(f"  generated {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
        return path

    def derived_store(self, base: Path, tag: str, transform: Callable[[sqlite3.Connection], None]) -> Path:
        """A copy of `base` changed by `transform` (SQL), cached beside it as BASE--TAG.db."""
        path = base.with_name(f"{base.stem}--{tag}.db")
        if path.exists():
            return path
        partial = path.with_name(path.name + f".partial{os.getpid()}")
        shutil.copyfile(base, partial)
        db = sqlite3.connect(partial)
        try:
            transform(db)
            db.commit()
        finally:
            db.close()
        partial.rename(path)
        return path

    # Configurations -----------------------------------------------------------------------

    def config(self, folder: Path, store: Path, *, channels: dict | None = None, rules: list | None = None,
               schedule: dict | None = None) -> Path:
        """Benchmarks/bench.toml with this store, a ledger in `folder`, absolute paths, and the given overrides."""
        doc = tomllib.loads((BENCH / "bench.toml").read_text())
        doc["store"] = {"url": f"sqlite:{store}"}
        doc["state"] = {"url": f"sqlite:{folder / 'state.db'}"}
        doc["templates"] = {"path": str(REPO / "templates")}
        doc["channels"] = channels or {"spool": {"kind": "maildir", "path": str(folder / "Maildir"),
                                                 "from": "Example Care <care@example.com>"}}
        if rules is not None:
            doc["rules"] = rules
        if schedule:
            doc["schedule"] = {**doc["schedule"], **schedule}
        path = folder / "outreachd.toml"
        path.write_text(toml(doc))
        return path


def toml(doc: dict) -> str:
    """A TOML document of scalars, tables, tables of tables (channels) and arrays of tables (rules)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        return json.dumps(str(v), ensure_ascii=False)

    def table(header: str, body: dict) -> list:
        return [header] + [f"{k} = {value(v)}" for k, v in body.items()] + [""]

    lines = []
    for key, item in doc.items():
        if isinstance(item, list):
            for entry in item:
                lines += table(f"[[{key}]]", entry)
        elif all(isinstance(v, dict) for v in item.values()) and item:
            for name, sub in item.items():
                lines += table(f"[{key}.{name}]", sub)
        else:
            lines += table(f"[{key}]", item)
    return "\n".join(lines)


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def preview_runs(suite: Suite, config: Path, at: str) -> tuple[int, list]:
    """One untimed warm-up run (counting the due messages), then suite.runs timed runs of the cold tick."""
    out = config.parent / "preview.jsonl"
    with open(out, "wb") as f:
        run_measured(suite.outreachd("preview", "--config", config, "--format", "jsonl", "--at", at), stdout=f)
    due = count_lines(out)
    out.unlink()
    samples = [run_measured(suite.outreachd("preview", "--config", config, "--format", "jsonl", "--at", at))
               for _ in range(suite.runs)]
    return due, samples


# ---------------------------------------------------------------------------------------------
# 1. Evaluation

def bench_cold_tick(suite: Suite, sizes: list = SIZES):
    """`preview --format jsonl --at FIXED_AT > /dev/null` on synthetic stores of each size: wall time and peak RSS."""
    series = suite.chart.setdefault("cold tick (all rules)", [])
    for n in sizes:
        folder = suite.folder(f"cold-{n}")
        config = suite.config(folder, suite.synthetic_store(n))
        due, samples = preview_runs(suite, config, FIXED_AT)
        wall, rss = Stat([s.wall for s in samples]), Stat([s.rss_mb for s in samples])
        series.append((n, wall, rss))
        final = n == 1_000_000
        suite.rows.append(Row("Evaluation", f"cold tick, {size_label(n)} customers ({due:,} due): time", wall.show(seconds),
                              target=f"≤ {COLD_TICK_SECONDS} s" if final else "",
                              verdict=verdict(wall.median <= COLD_TICK_SECONDS) if final else ""))
        suite.rows.append(Row("Evaluation", f"cold tick, {size_label(n)} customers: peak RSS", rss.show(mib),
                              target=f"≤ {COLD_TICK_MB} MB" if final else "",
                              verdict=verdict(rss.median <= COLD_TICK_MB) if final else ""))
    suite.note("cold tick", f"A cold tick is the whole process `outreachd preview --format jsonl --at {FIXED_AT} > /dev/null` "
               f"against `outreachd synthesize --customers N --seed {SEED} --at {FIXED_AT}` with Benchmarks/bench.toml's five rules: "
               f"start-up, loading, evaluating every rule, rendering every due message and writing it. One untimed run first "
               f"(it counts the due messages and warms the page cache), then {suite.runs} timed runs.")


def fixed_due_transform(at: str, keep: int) -> Callable[[sqlite3.Connection], None]:
    """Moves every event out of the due windows at `at`, then gives `keep` customers a birthday due then."""
    day = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    near = [(day + dt.timedelta(days=d)).strftime("%m-%d") for d in range(-2, 3)]

    def transform(db: sqlite3.Connection):
        shift = "strftime('%Y-%m-%dT%H:%M:%SZ', julianday({}) - 60)"
        recent = f"julianday({{}}) > julianday('{at}') - 60"
        db.execute(f"UPDATE purchases SET purchased_at = {shift.format('purchased_at')} WHERE {recent.format('purchased_at')}")
        db.execute(f"UPDATE tickets SET opened_at = {shift.format('opened_at')}, updated_at = {shift.format('updated_at')}, "
                   f"solved_at = CASE WHEN solved_at IS NULL THEN NULL ELSE {shift.format('solved_at')} END "
                   f"WHERE {recent.format('updated_at')} OR {recent.format('solved_at')}")
        db.execute("UPDATE customers SET birthday = substr(birthday, 1, length(birthday) - 5) || '06-15' "
                   f"WHERE substr(birthday, -5) IN ({', '.join(repr(d) for d in near)})")
        db.execute("UPDATE customers SET birthday = ?, timezone = 'UTC', opted_out = 0, email = coalesce(email, 'c' || rowid || '@example.com') "
                   "WHERE id IN (SELECT id FROM customers ORDER BY id LIMIT ?)", ("--" + day.strftime("%m-%d"), keep))
    return transform


def bench_fixed_due(suite: Suite, sizes: list = SIZES, keep: int = FIXED_DUE):
    """The cold tick with the same number of messages due at every store size: does time grow like log N?"""
    rules = [r for r in tomllib.loads((BENCH / "bench.toml").read_text())["rules"] if r["kind"] != "inactive"]
    series = suite.chart.setdefault(f"cold tick, {keep:,} due", [])
    medians = {}
    for n in sizes:
        store = suite.derived_store(suite.synthetic_store(n), f"due{keep}-v1", fixed_due_transform(FIXED_AT, keep))
        folder = suite.folder(f"fixed-due-{n}")
        due, samples = preview_runs(suite, suite.config(folder, store, rules=rules), FIXED_AT)
        if due != keep:
            raise CommandFailed(f"the fixed-due store of {n} customers has {due} messages due, not {keep}")
        wall, rss = Stat([s.wall for s in samples]), Stat([s.rss_mb for s in samples])
        series.append((n, wall, rss))
        medians[n] = wall.median
        suite.rows.append(Row("Evaluation", f"tick with {keep:,} due, {size_label(n)} customers: time / peak RSS",
                              f"{wall.show(seconds)} / {mib(rss.median)}"))
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratio, bound = medians[large] / medians[small], math.log(large) / math.log(small)
        suite.rows.append(Row("Evaluation", f"tick with {keep:,} due: time {size_label(large)} ÷ {size_label(small)} customers",
                              f"{ratio:.2f}×", target=f"≤ {bound:.2f}× (log N)", verdict=verdict(ratio <= bound)))
    suite.note("fixed due", f"The synthetic store's due messages grow with N (about 36 per 1,000 customers), so a tick's time "
               f"at N mixes the cost of finding what is due with the cost of rendering and writing it. To see the first alone, "
               f"each store is copied and changed by SQL so that exactly {keep:,} messages are due at {FIXED_AT} whatever N is: "
               f"purchases and tickets of the last 60 days are moved 60 days back (no post-purchase, follow-up or survey is due; "
               f"the rows stay), birthdays within two days of the instant move to 15 June, and the first {keep:,} customers get "
               f"a birthday that day in UTC, an address and no opt-out. The rules are bench.toml's minus `inactive`, whose "
               f"occurrences (gold customers whose last purchase is 90 days old) are a per-customer aggregate that grows with N. "
               f"The check: median time at {size_label(sizes[-1])} ÷ median time at {size_label(sizes[0])} ≤ "
               f"log({sizes[-1]:,}) ÷ log({sizes[0]:,}) = {math.log(sizes[-1]) / math.log(sizes[0]):.2f}. Whole-process time, "
               f"so start-up (see cold start) is in both; it flatters neither side much at these sizes." if len(sizes) > 1 else
               f"Smoke run: {keep} due at {sizes[0]:,} customers.")


def bench_warm_tick(suite: Suite, customers: int = 1_000_000):
    """A running daemon's tick with nothing new due, on a store generated for today (the daemon reads the wall clock)."""
    today = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT00:00:00Z")
    store = suite.synthetic_store(customers, at=today)
    for old in suite.stores.glob(f"synth-{customers}-s{SEED}-*T000000Z.db"):
        if old != store:
            old.unlink()  # yesterday's warm store: one 1M store per day is enough
    folder = suite.folder("warm", tmpfs=True)
    config = suite.config(folder, store, schedule={"interval": "1s"})
    run(suite.outreachd("init", "--config", config))
    with open(folder / "first.txt", "w") as out:
        first = run_measured(suite.outreachd("run", "--once", "--config", config), stdout=out)
    figures = (folder / "first.txt").read_text().strip()
    env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "NOTIFY_SOCKET")}
    daemon = subprocess.Popen(suite.outreachd("run", "--config", config), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in daemon.stderr], daemon=True).start()
    ticks, log = [], []
    deadline = time.monotonic() + 600
    try:
        while len(ticks) < suite.runs + 1 and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=5)
            except queue.Empty:
                if daemon.poll() is not None:
                    break
                continue
            log.append(line)
            if (m := re.search(r"\binfo tick\b(.*)", line)):
                fields = dict(re.findall(r"(\w+)=(\S+)", m.group(1)))
                ticks.append(fields)
        status = Path(f"/proc/{daemon.pid}/status").read_text() if daemon.poll() is None else ""
        hwm = re.search(r"VmHWM:\s+(\d+) kB", status)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    if len(ticks) < 2:
        raise CommandFailed("the daemon logged fewer than two ticks:\n" + "".join(log[-20:]))
    warm = ticks[1:]
    quiet = [t for t in warm if t.get("due") == "0" and t.get("sent") == "0"]
    used = quiet or warm
    durations = Stat([float(t["duration"]) for t in used])
    suite.rows.append(Row("Evaluation", f"warm daemon tick, {size_label(customers)} customers, nothing new due", durations.show(millis),
                          target=f"≤ {WARM_TICK_MS} ms", verdict=verdict(durations.median * 1000 <= WARM_TICK_MS)))
    if hwm:
        suite.rows.append(Row("Evaluation", f"daemon peak RSS after {len(ticks)} ticks, {size_label(customers)} customers",
                              mib(int(hwm.group(1)) / 1024)))
    suite.rows.append(Row("Evaluation", f"first tick (`run --once`, {size_label(customers)} customers, into a tmpfs Maildir)",
                          f"{seconds(first.wall)}, {mib(first.rss_mb)}: {figures}"))
    suite.note("warm tick", f"The daemon reads the wall clock, so this store is `synthesize --customers {customers:,} --at {today}` "
               f"(cached for the day). `run --once` first queues and delivers everything due into a Maildir on tmpfs (its figures are "
               f"in the table); then `outreachd run` (interval 1s) starts on the same ledger and its log lines "
               f"`info tick … duration=…` are read. The daemon's first tick is left out (a new process); the next {len(warm)} are "
               f"its warm ticks, {len(quiet)} of them with nothing new due and nothing sent (only those count when there are any; "
               f"a birthday reaching its send_at during the run can make one due).")
    shutil.rmtree(folder.parent if folder.parent.name.startswith("outreachd-bench-") else folder, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# 2. Rendering

def swift_benchmarks(*args) -> list:
    return ["swift", "package", "--package-path", str(BENCH)] + list(args)


def build_benchmarks_product(product: str) -> None:
    """Builds `product` of the Benchmarks package in release.

    SwiftPM keeps the build plan of a path dependency (the root package) between builds, and after
    a source file of the root package moved it fails with "because of missing inputs" naming the old
    path. The plan is then dropped and the build run once more.
    """
    argv = ["swift", "build", "-c", "release", "--package-path", BENCH, "--product", product]
    try:
        run(argv)
    except CommandFailed as error:
        if "because of missing inputs" not in str(error):
            raise
        for stale in [BENCH / ".build" / "release.yaml", *(BENCH / ".build").glob("*/release/description.json")]:
            stale.unlink(missing_ok=True)
        run(argv)


def bench_rendering(suite: Suite):
    """Messages per second on one core, outreachd (ordo-one/benchmark) beside chevron on the same templates and values."""
    import chevron  # from the bench venv (make bench installs it)

    folder = suite.folder("rendering")
    build_benchmarks_product("render-fixtures")
    fixtures = folder / "fixtures.json"
    run([BENCH / ".build" / "release" / "render-fixtures", fixtures])
    cases = json.loads(fixtures.read_text())["cases"]
    run(swift_benchmarks("--allow-writing-to-directory", folder, "benchmark", "--target", "Rendering", "--no-progress",
                         "--format", "histogramSamples", "--path", folder), cwd=BENCH)
    ours = {name: Stat(values) for name, values in ordo_samples(folder).items()}

    # chevron: the same template files split as outreachd splits them, the same values, the footer as a partial.
    prepared, same = {}, []
    for case in cases:
        subject, body = split_template(Path(case["file"]).read_text())
        partials = {name: Path(path).read_text() for name, path in case["partials"].items()}
        prepared[case["name"]] = (subject, body, case["values"], partials)
        got_subject, got_body = render_chevron(chevron, *prepared[case["name"]])
        if got_subject == case["subject"] and got_body == case["body"]:
            same.append(case["name"])
        else:
            suite.note("rendering", f"`{case['name']}`: chevron's message differs from outreachd's: {first_difference(got_subject, got_body, case)}")
    theirs = {}
    for language in sorted({c["language"] for c in cases}, key=[c["language"] for c in cases].index):
        names = [c["name"] for c in cases if c["language"] == language]
        theirs[f"render {language}"] = chevron_rate(chevron, [prepared[n] for n in names], seconds=2)
    for case in cases:
        theirs[f"render {case['name']}"] = chevron_rate(chevron, [prepared[case["name"]]], seconds=1)

    detail = []
    for name, stat in theirs.items():
        mine = ours.get(name)
        if mine is None:
            raise CommandFailed(f"ordo-one/benchmark reported no `{name}`; it reported {sorted(ours)}")
        ratio = mine.median / stat.median
        row = Row("Rendering", f"{name.removeprefix('render ')} msg/s on one core", mine.show(rate),
                  f"chevron {stat.show(rate)}", f"{ratio:.1f}×", f"≥ {RENDER_RATIO}×", verdict(ratio >= RENDER_RATIO))
        (detail if "." in name else suite.rows).append(row)
    suite.notes.setdefault("rendering detail", []).extend(detail)
    suite.note("rendering", f"ordo-one/benchmark 1.38.1 (Benchmarks/Benchmarks/Rendering): each iteration renders 1,000 messages "
               f"(subject and body) through `RenderAdapter` (Benchmarks/Sources/RenderFixtures), today "
               f"`TemplateSet.render(_:configuration:)`, which also works out the values (first name, dates and amounts "
               f"formatted for the locale) on every call; the occurrences are built before timing. A language's row renders its "
               f"five rule templates in turn. chevron 0.14.0 renders the same template files, split into subject and body as "
               f"outreachd splits them, with the values outreachd renders (read through a probe template, so dates and amounts "
               f"are outreachd's strings) and the footer as a partial; it parses the template on every call, as chevron always "
               f"does. Both: median and range of the per-iteration rate over about {1 if suite.smoke else 1}–2 s per row; "
               f"chevron produced the same subject and body as outreachd for {len(same)} of {len(cases)} messages.")


def ordo_samples(folder: Path) -> dict:
    """Messages per second of each iteration (1,000 messages) of each benchmark, from ordo-one/benchmark's
    histogramSamples export: Current_run.Rendering.render_NAME.wallClock.histogram.samples.tsv, microseconds."""
    rates = {}
    for path in folder.glob("Current_run.Rendering.render_*.wallClock.histogram.samples.tsv"):
        name = "render " + path.name.removeprefix("Current_run.Rendering.render_").removesuffix(".wallClock.histogram.samples.tsv")
        micros = [float(v) for v in path.read_text().split("\n")[1:] if v.strip()]
        rates[name] = [1000 / (us / 1e6) for us in micros if us > 0]
    return rates


def split_template(text: str) -> tuple:
    """Subject and body of a template file, split as outreachd's TemplateSet.compile splits them."""
    text = text.replace("\r\n", "\n")
    if text[:8].lower() != "subject:":
        return None, text
    lines = text.split("\n")
    blank = next(i for i, line in enumerate(lines) if not line.strip())
    return lines[0][len("subject:"):].strip(), "\n".join(lines[blank + 1:])


def render_chevron(chevron, subject, body, values, partials) -> tuple:
    rendered = chevron.render(subject, values, partials_dict=partials).strip() if subject is not None else None
    return rendered, chevron.render(body, values, partials_dict=partials).replace("\r\n", "\n").replace("\r", "\n")


def first_difference(subject, body, case) -> str:
    if subject != case["subject"]:
        return f"subject {subject!r} ≠ {case['subject']!r}"
    a, b = body.split("\n"), case["body"].split("\n")
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"body line {i + 1}: {x!r} ≠ {y!r}"
    return f"body has {len(a)} lines, outreachd's {len(b)}"


def chevron_rate(chevron, messages: list, seconds: float, batch: int = 1000) -> Stat:
    """Per-batch rates of rendering `messages` in turn, `batch` messages per timed batch, for about `seconds`."""
    for i in range(100):  # warm-up
        render_chevron(chevron, *messages[i % len(messages)])
    rates, spent = [], 0.0
    while spent < seconds or len(rates) < 5:
        started = time.perf_counter()
        for i in range(batch):
            render_chevron(chevron, *messages[i % len(messages)])
        took = time.perf_counter() - started
        spent += took
        rates.append(batch / took)
    return Stat(rates)


# ---------------------------------------------------------------------------------------------
# 3. SMTP and 4. HTTP

def delivery_store(suite: Suite) -> Path:
    """DELIVERIES customers, each with an address, a phone and a birthday today (UTC), so a birthday rule
    sending at 00:00 has exactly DELIVERIES messages due now. Made anew per suite run: 'today' moves."""
    base = suite.synthetic_store(DELIVERIES)
    path = suite.work / f"delivery-{DELIVERIES}.db"
    shutil.copyfile(base, path)
    today = dt.datetime.now(dt.timezone.utc).strftime("--%m-%d")
    db = sqlite3.connect(path)
    db.execute("UPDATE customers SET birthday = ?, timezone = 'UTC', opted_out = 0, email = 'c' || rowid || '@example.com', "
               "phone = '+3670' || printf('%07d', rowid)", (today,))
    db.commit()
    db.close()
    return path


DELIVERY_RULE = {"name": "birthday", "kind": "birthday", "channel": "out", "template": "birthday", "send_at": "00:00", "priority": 10}


def delivery_run(suite: Suite, name: str, store: Path, channel: dict) -> tuple:
    """One `run --once` delivering every due message through `channel` into a new ledger:
    the whole-process sample and the delivery phase's rate (first to last send, from the ledger)."""
    folder = suite.folder(name, tmpfs=True)
    config = suite.config(folder, store, channels={"out": channel}, rules=[DELIVERY_RULE])
    run(suite.outreachd("init", "--config", config))
    sample = run_measured(suite.outreachd("run", "--once", "--config", config))
    counts = [json.loads(line) for line in run(suite.outreachd("status", "--config", config, "--format", "jsonl")).splitlines()]
    states = {c["state"]: c["count"] for c in counts if "state" in c}
    if states != {"sent": DELIVERIES}:
        raise CommandFailed(f"{name}: the ledger holds {states}, not {DELIVERIES:,} sent")
    db = sqlite3.connect(folder / "state.db")
    first, last = db.execute("SELECT min(updated_at), max(updated_at) FROM outbox WHERE state = 'sent'").fetchone()
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
    return sample, (DELIVERIES - 1) / (last - first)


def curl_ceiling(suite: Suite) -> Path:
    """Benchmarks/curl_ceiling.c built against the system's libcurl (pkg-config), rebuilt when the source changes."""
    source = BENCH / "curl_ceiling.c"
    binary = suite.work / "curl_ceiling"
    if binary.exists() and binary.stat().st_mtime >= source.stat().st_mtime:
        return binary
    compiler = shutil.which("cc") or shutil.which("clang") or shutil.which("gcc")
    if not compiler:
        raise CommandFailed("no C compiler (cc, clang or gcc) to build Benchmarks/curl_ceiling.c")
    flags = run(["pkg-config", "--cflags", "--libs", "libcurl"]).split()
    partial = binary.with_name(binary.name + f".partial{os.getpid()}")
    run([compiler, "-O2", "-o", partial, source, *flags, "-lpthread"])
    partial.rename(binary)
    return binary


def delivery_rows(suite: Suite, group: str, what: str, ours: list, phases: list, reference: str, theirs: list, target: float,
                  ceiling: list):
    mine, phase, other = Stat([DELIVERIES / s.wall for s in ours]), Stat(phases), Stat([DELIVERIES / s.wall for s in theirs])
    alone = Stat([DELIVERIES / s.wall for s in ceiling])
    ratio = mine.median / other.median
    suite.rows.append(Row(group, f"{what}: `run --once`, {DELIVERIES:,} messages, whole process", mine.show(rate),
                          f"{reference} {other.show(rate)}", f"{ratio:.2f}×", f"≥ {target}×", verdict(ratio >= target)))
    suite.rows.append(Row(group, f"{what}: delivery phase only (ledger, first to last send)", phase.show(rate),
                          f"{reference} {other.show(rate)}", f"{phase.median / other.median:.2f}×"))
    # The ceiling outreachd can reach at all: the libcurl it must deliver through, doing nothing else.
    suite.rows.append(Row(group, f"{what}: libcurl alone (C, easy interface), same messages, concurrency and server", alone.show(rate),
                          f"{reference} {other.show(rate)}", f"{alone.median / other.median:.2f}×"))
    suite.rows.append(Row(group, f"{what}: outreachd ÷ libcurl alone, whole process / delivery phase",
                          f"{mine.median / alone.median:.2f}× / {phase.median / alone.median:.2f}×", f"libcurl alone {rate(alone.median)}"))
    # CPU time barely moves with the machine's load: the cost per message beside libcurl's own.
    suite.rows.append(Row(group, f"{what}: CPU (user + system) per message, whole process",
                          Stat([s.cpu / DELIVERIES * 1e6 for s in ours]).show(lambda v: f"{v:.0f} µs"),
                          "libcurl alone " + Stat([s.cpu / DELIVERIES * 1e6 for s in ceiling]).show(lambda v: f"{v:.0f} µs")))


def bench_smtp(suite: Suite):
    """run --once to postfix's smtp-sink on loopback, beside smtp-source sending as many messages of the same size."""
    store = delivery_store(suite)
    # The size to send: the median of our own messages, as a Maildir pass over the same store writes them.
    folder = suite.folder("smtp-size", tmpfs=True)
    config = suite.config(folder, store, rules=[{**DELIVERY_RULE, "channel": "spool"}])
    run(suite.outreachd("init", "--config", config))
    run(suite.outreachd("run", "--once", "--config", config))
    messages = sorted((folder / "Maildir" / "new").iterdir(), key=lambda p: p.stat().st_size)
    size = int(statistics.median(p.stat().st_size for p in messages))
    # libcurl alone sends the median message itself, as outreachd wrote it (CRLF, headers and all).
    message = suite.work / "smtp-message.eml"
    shutil.copyfile(messages[len(messages) // 2], message)
    shutil.rmtree(folder, ignore_errors=True)
    ceiling_binary = curl_ceiling(suite)

    port = free_port()
    sink_argv = [tool("smtp-sink")] + (["-u", "nobody"] if os.geteuid() == 0 else []) + [f"127.0.0.1:{port}", "1024"]
    ours, phases, theirs, ceiling = [], [], [], []
    with serving(sink_argv, port):
        channel = {"kind": "smtp", "url": f"smtp://127.0.0.1:{port}", "tls": "none", "from": "Example Care <care@example.com>",
                   "concurrency": CONCURRENCY}
        for i in range(suite.runs):
            sample, phase = delivery_run(suite, f"smtp-{i}", store, channel)
            ours.append(sample)
            phases.append(phase)
            theirs.append(run_measured([tool("smtp-source"), "-d", "-s", CONCURRENCY, "-m", DELIVERIES,
                                        "-l", max(1, size - SMTP_SOURCE_HEADER_BYTES), "-f", "care@example.com",
                                        "-t", "customer@example.com", f"127.0.0.1:{port}"]))
            ceiling.append(run_measured([ceiling_binary, "smtp", f"smtp://127.0.0.1:{port}", DELIVERIES, CONCURRENCY, message]))
    delivery_rows(suite, "SMTP", "SMTP to smtp-sink", ours, phases, "smtp-source", theirs, SMTP_RATIO, ceiling)
    suite.note("smtp", f"{DELIVERIES:,} customers of `synthesize`, each given an address and a birthday today in UTC by SQL, and one "
               f"birthday rule sending at 00:00: exactly {DELIVERIES:,} messages due. Each run is `outreachd run --once` (release) "
               f"on a new ledger on tmpfs (evaluate, render, queue with synchronous=FULL commits, deliver through libcurl with "
               f"concurrency {CONCURRENCY}, connections reused), then `status --format jsonl` must show all {DELIVERIES:,} sent. "
               f"smtp-source sends to the same `smtp-sink` in the same run: `-d -s {CONCURRENCY} -m {DELIVERIES}`, payload "
               f"{size - SMTP_SOURCE_HEADER_BYTES:,} bytes plus its own ~{SMTP_SOURCE_HEADER_BYTES} bytes of headers = {size:,} bytes, "
               f"the median size of our messages as a Maildir pass over the same store writes them. libcurl alone is "
               f"Benchmarks/curl_ceiling.c (built with `cc -O2` against pkg-config's libcurl): {CONCURRENCY} threads, each reusing one "
               f"easy handle, sending that median message itself {DELIVERIES:,} times in all to the same sink, with nothing else "
               f"(no ledger, no rendering): the ceiling of the libcurl outreachd must deliver through. Runs alternate, {suite.runs} each. "
               f"The first row is the whole `run --once` (what the issue's target is about); the second, for the delivery work "
               f"alone, divides by the time between the ledger's first and last `sent` update.")


NGINX_CONF = """worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 204; }}
    }}
}}
"""


def bench_http(suite: Suite):
    """Signed webhook POSTs by run --once to a local nginx answering 204, beside ab -k on the same nginx."""
    store = delivery_store(suite)
    folder = suite.folder("nginx")
    port = free_port()
    (folder / "nginx.conf").write_text(NGINX_CONF.format(dir=folder, port=port))
    secret = folder / "webhook.secret"
    secret.write_text("whsec_" + base64.b64encode(os.urandom(32)).decode() + "\n")
    secret.chmod(0o600)
    body = webhook_body(suite, store, folder)
    ceiling_binary = curl_ceiling(suite)
    ours, phases, theirs, ceiling = [], [], [], []
    # nginx finishes gracefully on SIGQUIT.
    with serving([tool("nginx"), "-c", folder / "nginx.conf", "-p", f"{folder}/", "-e", folder / "error.log"], port, stop=signal.SIGQUIT):
        channel = {"kind": "http", "url": f"http://127.0.0.1:{port}/hooks/outreach", "secret_file": str(secret), "concurrency": CONCURRENCY}
        for i in range(suite.runs):
            sample, phase = delivery_run(suite, f"http-{i}", store, channel)
            ours.append(sample)
            phases.append(phase)
            with open(folder / "ab.txt", "w") as out:
                theirs.append(run_measured([tool("ab"), "-q", "-k", "-n", DELIVERIES, "-c", CONCURRENCY, "-p", body, "-T", "application/json",
                                            f"http://127.0.0.1:{port}/hooks/outreach"], stdout=out))
            report = (folder / "ab.txt").read_text()
            failed = re.search(r"Failed requests:\s+(\d+)", report)
            if not failed or failed.group(1) != "0" or "Non-2xx" in report:
                raise CommandFailed(f"ab did not get {DELIVERIES:,} answers of 204:\n{report}")
            ceiling.append(run_measured([ceiling_binary, "http", f"http://127.0.0.1:{port}/hooks/outreach", DELIVERIES, CONCURRENCY, body]))
    delivery_rows(suite, "HTTP", "webhooks to nginx", ours, phases, "ab -k", theirs, HTTP_RATIO, ceiling)
    suite.note("http", f"The same {DELIVERIES:,} due messages (the store's customers all given a phone) through an `http` channel "
               f"with a `whsec_` secret: each POST carries the JSON body and the Standard Webhooks headers, signed with "
               f"HMAC-SHA256, concurrency {CONCURRENCY}. nginx 1 worker, `return 204`, loopback, keepalive, its config in a "
               f"temporary folder, stopped after the run. ab posts {body.stat().st_size:,} bytes, a body built as outreachd builds "
               f"it for the median-sized message: `ab -k -n {DELIVERIES} -c {CONCURRENCY} -p body.json -T application/json`, "
               f"unsigned and the same body every time. libcurl alone (Benchmarks/curl_ceiling.c) posts the same body with "
               f"{CONCURRENCY} threads, each reusing one easy handle, with headers of the same names and sizes as ours (fixed, "
               f"unsigned): the ceiling of the libcurl outreachd must deliver through. All are timed as whole processes; runs "
               f"alternate, {suite.runs} each.")


def webhook_body(suite: Suite, store: Path, folder: Path) -> Path:
    """The JSON body outreachd posts (HTTPChannel.body's keys) for the median-sized message of the store."""
    config = suite.config(folder, store, rules=[{**DELIVERY_RULE, "channel": "spool"}])
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    messages = [json.loads(line) for line in run(suite.outreachd("preview", "--config", config, "--format", "jsonl", "--at", now)).splitlines()]
    messages.sort(key=lambda m: len(m["body"].encode()))
    m = messages[len(messages) // 2]
    db = sqlite3.connect(store)
    name, email, phone = db.execute("SELECT name, email, phone FROM customers WHERE id = ?", (m["customer_id"],)).fetchone()
    db.close()
    customer = {"id": m["customer_id"], "name": name, "locale": m["locale"], "email": email, "phone": phone}
    payload = {"key": m["key"], "rule": m["rule"], "customer": customer, "channel": "out", "body": m["body"], "locale": m["locale"],
               "to": phone, "subject": m.get("subject")}
    path = folder / "body.json"
    path.write_text(json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
    return path


# ---------------------------------------------------------------------------------------------
# 5. Cold start

def bench_cold_start(suite: Suite, runs: int = 30):
    """`outreachd preview` on the demo (`init --demo`), whole process, many runs."""
    folder = suite.folder("cold-start")
    run(suite.outreachd("init", "--demo", "--dir", folder / "demo", "--at", FIXED_AT, "--templates", REPO / "templates"))
    argv = suite.outreachd("preview", "--config", folder / "demo" / "outreachd.toml", "--at", FIXED_AT)
    for _ in range(3):
        run_measured(argv)
    samples = [run_measured(argv) for _ in range(runs)]
    wall, rss = Stat([s.wall for s in samples]), Stat([s.rss_mb for s in samples])
    suite.rows.append(Row("Cold start", "`preview` on the demo, whole process", wall.show(millis),
                          target=f"≤ {COLD_START_MS} ms", verdict=verdict(wall.median * 1000 <= COLD_START_MS)))
    # CPU time barely moves with the machine's load, so it shows progress even when wall time on a busy machine cannot.
    suite.rows.append(Row("Cold start", "`preview` on the demo: CPU (user + system)", Stat([s.cpu for s in samples]).show(millis)))
    suite.rows.append(Row("Cold start", "`preview` on the demo: peak RSS", rss.show(mib)))
    suite.note("cold start", f"`outreachd init --demo --at {FIXED_AT}`, then `outreachd preview --at {FIXED_AT}` on it with output to "
               f"/dev/null: 3 untimed runs, then {runs} timed.")


BENCHMARKS = {
    "cold-start": bench_cold_start,
    "rendering": bench_rendering,
    "cold-tick": bench_cold_tick,
    "fixed-due": bench_fixed_due,
    "warm-tick": bench_warm_tick,
    "smtp": bench_smtp,
    "http": bench_http,
}


# ---------------------------------------------------------------------------------------------
# Reporting

def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    try:
        swift = run(["swift", "--version"]).splitlines()[0]
    except (CommandFailed, OSError):
        swift = "unknown"
    return {"CPU": cpu, "cores": str(os.cpu_count()), "RAM": f"{mem / 1024 / 1024:.1f} GiB", "kernel": platform.release(),
            "Swift": swift, "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load average at start": " ".join(f"{v:.2f}" for v in os.getloadavg())}


def table(rows: list) -> list:
    head = ["benchmark", "figure", "median (range, runs)", "reference, same run", "ratio", "target", ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join([r.benchmark, r.figure, r.value, r.reference, r.ratio, r.target,
                                         f"**{r.verdict}**" if r.verdict else ""]) + " |")
    return lines


def plain_table(rows: list) -> str:
    cells = [["benchmark", "figure", "median (range, runs)", "reference", "ratio", "target", "verdict"]]
    cells += [[r.benchmark, r.figure, r.value, r.reference, r.ratio, r.target, r.verdict] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
    return "\n".join("  ".join(c[i].ljust(widths[i]) for i in range(len(c))).rstrip() for c in cells)


def write_results(suite: Suite, info: dict, out: Path, chart: Path | None, finished_load: str):
    lines = ["# outreachd benchmark results", "",
             "Written by `make bench` (Benchmarks/bench.py); do not edit by hand. How to run one benchmark alone: "
             "Benchmarks/README.md.", "", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += [f"| load average at end | {finished_load} |", "",
              "The machine is shared: wall-clock figures are noisy. Every figure is the median of several runs with the "
              "range in brackets; each reference tool runs in the same invocation, alternating with outreachd, so the "
              "ratios are sturdier than the absolute figures.", "", "## Results", ""]
    lines += table(suite.rows)
    if chart:
        lines += ["", f"![cold tick time and peak RSS against store size]({chart.name})"]
    sections = [("cold tick", "Cold tick"), ("fixed due", "Tick time at a fixed number of due messages"),
                ("warm tick", "Warm daemon tick"), ("rendering", "Rendering"), ("smtp", "SMTP"), ("http", "HTTP"),
                ("cold start", "Cold start")]
    lines += ["", "## How each figure is measured", ""]
    for key, title in sections:
        if key in suite.notes:
            lines += [f"### {title}", ""] + [f"{n}\n" for n in suite.notes[key]]
    if suite.notes.get("rendering detail"):
        lines += ["### Rendering, per template", ""] + table(suite.notes["rendering detail"]) + [""]
    if suite.timings:
        lines += ["## Time taken", "", "| benchmark | seconds |", "|---|---|"]
        lines += [f"| {name} | {secs:.0f} |" for name, secs in suite.timings] + [""]
    out.write_text("\n".join(lines).rstrip() + "\n")


def draw_chart(suite: Suite, path: Path) -> bool:
    """Cold tick time and peak RSS against store size (matplotlib from the bench venv)."""
    series = {k: v for k, v in suite.chart.items() if len(v) > 1}
    if not series:
        return False
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, points in series.items():
        xs = [p[0] for p in points]
        for axis, index, scale in ((left, 1, 1), (right, 2, 1)):
            med = [p[index].median * scale for p in points]
            low = [m - min(p[index].values) * scale for m, p in zip(med, points)]
            high = [max(p[index].values) * scale - m for m, p in zip(med, points)]
            axis.errorbar(xs, med, yerr=[low, high], marker="o", capsize=3, label=name)
    left.axhline(COLD_TICK_SECONDS, color="red", linestyle="--", linewidth=1, label=f"target at 1M: {COLD_TICK_SECONDS} s")
    right.axhline(COLD_TICK_MB, color="red", linestyle="--", linewidth=1, label=f"target at 1M: {COLD_TICK_MB} MB")
    for axis, label in ((left, "wall time (s)"), (right, "peak RSS (MB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("customers in the store")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    left.set_title("cold tick time (median, range)")
    right.set_title("cold tick peak RSS (median, range)")
    fig.suptitle(f"outreachd preview --format jsonl at {FIXED_AT}, release build", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ---------------------------------------------------------------------------------------------
# Driver

def smoke(suite: Suite):
    """`make test`'s check that the harness still runs: small store, one run, no figures judged."""
    bench_cold_tick(suite, sizes=[2_000])
    bench_fixed_due(suite, sizes=[2_000], keep=50)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run this benchmark alone (repeatable)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (default 5)")
    parser.add_argument("--bin", type=Path, default=REPO / ".build" / "release" / "outreachd", help="the outreachd to measure")
    parser.add_argument("--work", type=Path, help="scratch folder (default .build-bench/work)")
    parser.add_argument("--out", type=Path, help="results file (default Benchmarks/RESULTS.md for the whole suite)")
    parser.add_argument("--smoke", action="store_true", help="a 2,000-customer store, one run, cold tick and fixed due only (make test)")
    args = parser.parse_args()

    if not args.bin.exists():
        print(f"{args.bin} is not built; run `make release` (make bench does)", file=sys.stderr)
        return 1
    work = args.work or CACHE / "work"
    suite = Suite(binary=args.bin.resolve(), runs=1 if args.smoke else args.runs, work=work,
                  stores=work / "stores" if args.smoke else CACHE / "stores", smoke=args.smoke)
    work.mkdir(parents=True, exist_ok=True)
    info = machine()
    names = ["smoke"] if args.smoke else (args.only or list(BENCHMARKS))
    errors = 0
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            (smoke if name == "smoke" else BENCHMARKS[name])(suite)
        except Exception as error:  # one broken benchmark must not hide the others' figures
            errors += 1
            suite.rows.append(Row(name, "could not run", str(error).splitlines()[0][:300], verdict="ERROR"))
            print(f"   {name} failed: {error}", file=sys.stderr, flush=True)
        suite.timings.append((name, time.perf_counter() - started))
    shutil.rmtree(Path("/dev/shm") / f"outreachd-bench-{os.getpid()}", ignore_errors=True)

    whole = not args.only and not args.smoke
    out = args.out or (BENCH / "RESULTS.md" if whole else work / f"RESULTS-{'-'.join(names)}.md")
    chart = out.with_name("results.png") if whole else out.with_suffix(".png")
    has_chart = not args.smoke and draw_chart(suite, chart)
    write_results(suite, info, out, chart if has_chart else None, " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print()
    print(plain_table(suite.rows))
    print(f"\nwritten: {out}" + (f", {chart}" if has_chart else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
