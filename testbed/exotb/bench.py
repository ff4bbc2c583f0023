"""Failover times of exoip and of keepalived in the same namespaces, trial after trial.

exoip: h1 (priority 10) is master, h2 (11) and h3 (12) back it up. A trial waits until everyone
agrees, sleeps a random part of one interval (so the kill falls anywhere between two adverts),
kills h1's process with -9 while its host stays up (crash: the host refuses the next adverts with
ICMP port unreachable), cuts h1's cable and kills it (host-crash: nothing answers, as when a host
dies or is cut off), or sends it SIGTERM (graceful), and reads in the stand-in's record when h2's
attach arrived and how long no live node held the address. Then h1 is started again and takes its
place back before the next trial.

keepalived: the same three hosts, VRRPv3 unicast, measured from the kill to the kernel's
notification that the virtual address appeared on the backup.
"""

import os
import platform
import random
import signal
import subprocess
import time

from . import analysis
from .bed import Bed, now
from .cluster import ELASTIC_IP, MORE_ELASTIC_IPS, wait_until
from .keepalived import AddressWatch, Keepalived
from .netns import VIRTUAL_ADDRESS, TestbedError, run

PRIORITIES = {1: 10, 2: 11, 3: 12}
RATIO = 3
# Seconds of calm before a process crash: the kernel's ICMP budget per peer (1/s, burst 6) refills.
ICMP_CALM = 3
# Rows of --only: the failover series of exoip and keepalived and the false-failover watches at
# --intervals (the classic report), and the series over the API path at -t 1 -r 3 (see PATH_ROWS).
ROWS = ("exoip", "keepalived", "watches", "several", "tls", "tls-rtt", "tls-forgotten", "tls-resolver-down",
        "op-delay")
CLASSIC_ROWS = ("exoip", "keepalived", "watches", "several")
# Row -> (label, RTT: False for none, True for --api-rtt, what happens before the kill).
PATH_ROWS = {
    "tls": ("TLS by name, no delay, warm", False, "warm"),
    "tls-rtt": ("TLS by name, RTT %s, warm", True, "warm"),
    "tls-forgotten": ("TLS by name, RTT %s, connections forgotten", True, "forgotten"),
    "tls-resolver-down": ("TLS by name, RTT %s, resolver down, connections forgotten", True, "resolver-down"),
    "op-delay": ("TLS by name, RTT %s, warm, operations take %d ms: attach completed", True, "warm"),
}
PATH_INTERVAL = 1


class Series:
    """The trials of one system, interval and kind."""

    def __init__(self, system, interval, kind, label="", row=None):
        self.system, self.interval, self.kind = system, interval, kind
        self.label = label   # the API path's conditions, for the rows over it
        self.row = row       # the --only row it belongs to
        self.arrived = []    # ns from the kill to the attach's arrival, when operations take time
        self.attach_call = []  # ns of the new master's attach call, by its own log line (API path rows)
        self.failover = []   # ns from the kill/SIGTERM to the new holder
        self.no_holder = []  # ns without a live holder
        self.failed = 0      # trials that did not end with the expected holder in time
        self.notes = []


def _fmt(nanos):
    return "-" if nanos is None else "%.0f" % (nanos / 1e6) if nanos >= 10e6 else "%.1f" % (nanos / 1e6)


def _trials(series, trials, per_trial):
    """Trial numbers 0..trials-1 while the time budget (trials x per_trial s) lasts."""
    deadline = time.monotonic() + trials * per_trial
    for trial in range(trials):
        if time.monotonic() > deadline:
            series.notes.append("stopped after %d trials: time budget spent" % trial)
            return
        yield trial


def exoip_series(bed, interval, trials, say):
    dead = interval * RATIO
    bed.reset()
    bed.start(PRIORITIES, interval, RATIO)
    out = []
    for kind in ("crash", "host-crash", "graceful"):
        series = Series("exoip", interval, kind)
        for trial in _trials(series, trials, 4 * dead + 30):
            bed.settle(1, timeout=30 + 10 * dead)
            if kind == "crash":
                # A host in service has refused nothing for a while. Linux answers a closed port at
                # most once a second per sender after a burst of 6, and the adverts the previous
                # trial's dead h1 refused spent that burst: let it refill, as it is before a real crash.
                time.sleep(ICMP_CALM)
            time.sleep(random.uniform(0, interval))
            h1, h2 = bed.nodes[1], bed.iid(2)
            if kind == "crash":
                t0 = h1.kill()
            elif kind == "host-crash":
                t0 = now()
                bed.topology.link(1, False)
                h1.kill()
            else:
                h1.expected_exit = True
                t0 = h1.signal(signal.SIGTERM)
            took = wait_until(lambda: bed.standin.holders() == {h2}, 4 * dead + 10)
            if kind == "graceful":
                code = h1.wait_exit(15)
                if code != 0:
                    series.notes.append("trial %d: h1 exited with %s after SIGTERM" % (trial + 1, code))
                    if code is None:
                        h1.kill()
            events = bed.standin.events()
            first = analysis.first_attach(events, t0, instance=h2)
            if not took or first is None:
                series.failed += 1
                series.notes.append("trial %d: holders %s after %.0f s" % (trial + 1, bed.names(bed.standin.holders()),
                                                                          4 * dead + 10))
            else:
                series.failover.append(first.nanos - t0)
                gap, _ = analysis.holderless(events, t0, max(first.nanos, now()),
                                             dead={bed.iid(1): t0} if kind != "graceful" else None)
                series.no_holder.append(gap)
            if kind == "host-crash":
                bed.topology.link(1, True)
            h1.expected_exit = False
            h1.start(interval, RATIO, PRIORITIES[1], peers=sorted(PRIORITIES))
        say("  exoip -t %s %-8s %d trials: failover median %s ms, no holder median %s ms%s"
            % (interval, kind, len(series.failover), _fmt(analysis.summary(series.failover)[0]),
               _fmt(analysis.summary(series.no_holder)[0]), ", %d failed" % series.failed if series.failed else ""))
        out.append(series)
    bed.stop_all()
    return out


def several_series(bed, interval, trials, say):
    """kill -9 of one host of three that keep three Elastic IPs with --spread (one each, equal
    priorities), against the same crash of a host keeping one address, on the same bed and
    interval: the failover of the killed host's address, and whether any other address moved."""
    dead = interval * RATIO
    ips = (ELASTIC_IP,) + MORE_ELASTIC_IPS
    equal = {1: 10, 2: 10, 3: 10}
    out = []
    for label, extra in (("1 Elastic IP", []), ("3 Elastic IPs, --spread", ["-xi", ",".join(MORE_ELASTIC_IPS),
                                                                            "--spread"])):
        bed.reset()
        bed.start(equal, interval, RATIO, extra=extra)
        kept = ips if extra else (ELASTIC_IP,)
        series = Series("exoip", interval, "crash", label=label, row="several")
        for trial in _trials(series, trials, 4 * dead + 30):
            def placed():
                held = bed.standin.holders_by_ip()
                owners = [next(iter(held[ip])) for ip in kept if len(held[ip]) == 1]
                return dict(zip(kept, owners)) if len(owners) == len(kept) and len(set(owners)) == len(kept) \
                    else None
            before = wait_until(placed, 30 + 10 * dead, poll=0.1)
            if not before:
                series.failed += 1
                series.notes.append("trial %d: never one address a host: %s" % (trial + 1, bed.standin.holders_by_ip()))
                continue
            time.sleep(ICMP_CALM)
            time.sleep(random.uniform(0, interval))
            lost = kept[-1]
            victim = next(i for i in equal if bed.iid(i) == before[lost])
            t0 = bed.nodes[victim].kill()
            took = wait_until(lambda: (lambda h: len(h) == 1 and bed.iid(victim) not in h)(
                bed.standin.holders_by_ip()[lost]), 4 * dead + 10, poll=0.02)
            events = bed.standin.events_of(lost)
            first = analysis.first_attach(events, t0, exclude={bed.iid(victim)})
            if not took or first is None:
                series.failed += 1
                series.notes.append("trial %d: %s held by %s after %.0f s" % (
                    trial + 1, lost, bed.names(bed.standin.holders_by_ip()[lost]), 4 * dead + 10))
            else:
                series.failover.append(first.nanos - t0)
                gap, _ = analysis.holderless(events, t0, max(first.nanos, now()), dead={bed.iid(victim): t0})
                series.no_holder.append(gap)
            time.sleep(dead)  # what a move of another address would take to show
            moved = {ip: len(analysis.window(bed.standin.events_of(ip), t0)) for ip in kept if ip != lost}
            if any(moved.values()):
                series.failed += 1
                series.notes.append("trial %d: other addresses moved: %s" % (trial + 1, moved))
            bed.nodes[victim].start(interval, RATIO, equal[victim], peers=sorted(equal), extra=extra)
        say("  exoip -t %s crash, %-24s %d trials: failover median %s ms%s"
            % (interval, label, len(series.failover), _fmt(analysis.summary(series.failover)[0]),
               ", %d failed" % series.failed if series.failed else ""))
        out.append(series)
    bed.stop_all()
    return out


def path_series(bed, row, trials, say, rtt_ms, op_delay_ms):
    """Process crashes (kill -9 after the ICMP calm) at -t 1 -r 3 on a bed with the API path, in
    the state of `row` (PATH_ROWS): warm, connections forgotten by the firewall after IDLE s, or
    the resolver down past the JVM's DNS cache. Failover = the attach event, which the stand-in
    stamps at completion: with an operation delay, arrival + delay."""
    from .cluster import JVM_DNS_TTL
    from .scenarios import IDLE
    label, with_rtt, state = PATH_ROWS[row]
    if with_rtt:
        label = label % (("%g ms" % rtt_ms,) + ((op_delay_ms,) if row == "op-delay" else ()))
    interval, dead = PATH_INTERVAL, PATH_INTERVAL * RATIO
    delay = op_delay_ms if row == "op-delay" else 0
    bed.reset()
    if delay:
        bed.standin.call("PUT", "/_standin/settings", {"operation-delay-ms": delay})
    bed.start(PRIORITIES, interval, RATIO)
    series = Series("exoip", interval, "crash", label=label, row=row)
    # A stale connection waits out exoip's 15 s request timeout: room to see it, counted as late.
    limit = 4 * dead + 30
    for trial in _trials(series, trials, limit + 40):
        bed.settle(1, timeout=30 + 10 * dead)
        if state == "warm":
            time.sleep(ICMP_CALM)
        else:
            time.sleep(IDLE)  # longer than the ICMP calm
            if state == "resolver-down":
                bed.resolver_answers(False)
                time.sleep(JVM_DNS_TTL + 2)
            bed.topology.forget_connections()
        time.sleep(random.uniform(0, interval))
        h1, h2 = bed.nodes[1], bed.iid(2)
        log_offset = os.path.getsize(bed.nodes[2].log)
        t0 = h1.kill()
        took = wait_until(lambda: bed.standin.holders() == {h2}, limit)
        bed.resolver_answers(True)
        with open(bed.nodes[2].log, errors="replace") as f:
            f.seek(log_offset)
            call = analysis.attach_call_ms(f.read(), h2)
        if took and call is not None:
            series.attach_call.append(call * 1_000_000)
        events = bed.standin.events()
        first = analysis.first_attach(events, t0, instance=h2)
        if not took or first is None:
            series.failed += 1
            series.notes.append("trial %d: holders %s after %.0f s" % (trial + 1, bed.names(bed.standin.holders()),
                                                                      limit))
        else:
            series.failover.append(first.nanos - t0)
            series.arrived.append(first.nanos - delay * 1_000_000 - t0)
            gap, _ = analysis.holderless(events, t0, max(first.nanos, now()), dead={bed.iid(1): t0})
            series.no_holder.append(gap)
        h1.start(interval, RATIO, PRIORITIES[1], peers=sorted(PRIORITIES))
    extra = ", attach arrived median %s ms" % _fmt(analysis.summary(series.arrived)[0]) if delay else ""
    say("  exoip -t %s crash · %s, %d trials: failover median %s ms%s%s"
        % (interval, label, len(series.failover), _fmt(analysis.summary(series.failover)[0]), extra,
           ", %d failed" % series.failed if series.failed else ""))
    if delay:
        series.notes.append("attach arrived (completed - %d ms) median %s ms, p95 %s, max %s"
                            % ((delay,) + tuple(_fmt(x) for x in analysis.summary(series.arrived))))
    if series.attach_call:
        series.notes.append("h2's attach call by its own log (request, hedge%s) median %s ms, p95 %s, max %s, "
                            "%d trials" % ((", operation polls" if delay else "",)
                                           + tuple(_fmt(x) for x in analysis.summary(series.attach_call))
                                           + (len(series.attach_call),)))
    bed.stop_all()
    bed.standin.reset()
    return series


def path_goals(all_series, rtt_ms):
    """Issue 10's goal over the API path: connections forgotten or the resolver down cost no more
    than a fresh connection (TCP and TLS handshakes: 2 RTT over a pooled one) plus one RTT."""
    by_row = {s.row: s for s in all_series if s.row}
    warm = by_row.get("tls-rtt")
    lines = []
    for row in ("tls-forgotten", "tls-resolver-down"):
        s = by_row.get(row)
        if s is None:
            continue
        median = analysis.summary(s.failover)[0]
        base = analysis.summary(warm.failover)[0] if warm else None
        if base is None:
            lines.append("- not judged: %s needs the tls-rtt row beside it" % row)
            continue
        limit = base + 3 * rtt_ms * 1e6
        ok = median is not None and median <= limit and not s.failed
        lines.append("- %s: %s median %s ms (goal ≤ warm %s ms + 3 × RTT = %s ms)%s"
                     % ("met" if ok else "NOT met", s.label, _fmt(median), _fmt(base), _fmt(limit),
                        ", %d trial(s) without failover in %d s" % (s.failed, 4 * PATH_INTERVAL * RATIO + 30)
                        if s.failed else ""))
    return "\n".join(lines)


def keepalived_series(bed, advert_int, trials, say):
    bed.reset()
    hosts = sorted(PRIORITIES)
    topo = bed.topology
    for index in hosts:
        run("ip", "-n", topo.host(index), "addr", "flush", "dev", "eth0", "to", VIRTUAL_ADDRESS + "/32", check=False)
    watch = AddressWatch(topo, hosts)
    nodes = {i: Keepalived(i, topo, bed.workdir, hosts, advert_int).start() for i in hosts}
    out = []
    try:
        for kind in ("crash", "graceful"):
            series = Series("keepalived", advert_int, kind)
            for trial in range(trials):
                if not watch.wait(lambda h: h == {1}, 10 * advert_int + 15):
                    raise TestbedError("keepalived: h1 did not hold %s (holders %s)" % (VIRTUAL_ADDRESS, watch.holders))
                # Let the backups hear a few adverts from the new master, then a random phase.
                time.sleep(2 * advert_int + random.uniform(0, advert_int))
                if kind == "crash":
                    t0 = nodes[1].crash()
                else:
                    t0 = nodes[1].stop()
                took = watch.wait(lambda h: 2 in h, 4 * RATIO * advert_int + 10)
                t_add = watch.first(t0, "add", host=2)
                if kind == "graceful":
                    nodes[1].wait_exit(15)
                if not took or t_add is None:
                    series.failed += 1
                    series.notes.append("trial %d: holders %s" % (trial + 1, sorted(watch.holders)))
                else:
                    series.failover.append(t_add - t0)
                    if kind == "crash":
                        series.no_holder.append(t_add - t0)
                    else:
                        t_del = watch.first(t0, "del", host=1)
                        series.no_holder.append(max(0, t_add - t_del) if t_del else 0)
                if kind == "crash":
                    # The crashed host comes back without its old address, as after a reboot.
                    run("ip", "-n", topo.host(1), "addr", "del", VIRTUAL_ADDRESS + "/24", "dev", "eth0", check=False)
                nodes[1].start()
            say("  keepalived advert_int %s %-8s %d trials: failover median %s ms, no holder median %s ms%s"
                % (advert_int, kind, len(series.failover), _fmt(analysis.summary(series.failover)[0]),
                   _fmt(analysis.summary(series.no_holder)[0]),
                   ", %d failed" % series.failed if series.failed else ""))
            out.append(series)
    finally:
        for node in nodes.values():
            node.kill()
        watch.close()
    return out


def table(all_series):
    """The results as a Markdown table, with the ratio of exoip's median to keepalived's."""
    reference = {(s.interval, s.kind): analysis.summary(s.failover)[0]
                 for s in all_series if s.system == "keepalived"}
    # keepalived takes no notice of ICMP: its crash is the same whether the host is up or not.
    for (interval, kind), median in list(reference.items()):
        if kind == "crash":
            reference[(interval, "host-crash")] = median
    lines = ["| system | interval | event | trials | failover median | p95 | max | no holder median | p95 | max "
             "| failover vs keepalived |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in all_series:
        f = analysis.summary(s.failover)
        g = analysis.summary(s.no_holder)
        ref = reference.get((s.interval, s.kind))
        ratio = "%.2f×" % (f[0] / ref) if s.system == "exoip" and ref and f[0] is not None else ""
        trials = "%d" % len(s.failover) + (" (+%d failed)" % s.failed if s.failed else "")
        interval = ("-t %s -r %d" % (s.interval, RATIO)) if s.system == "exoip" else "advert_int %s" % s.interval
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                     % (s.system, interval, s.kind + (" · " + s.label if s.label else ""), trials, _fmt(f[0]), _fmt(f[1]), _fmt(f[2]),
                        _fmt(g[0]), _fmt(g[1]), _fmt(g[2]), ratio))
    return "\n".join(lines) + "\n\nTimes in milliseconds."


def goals(all_series):
    """The project's goals, each with its verdict."""
    lines = []
    for s in all_series:
        if s.system != "exoip" or s.label:
            continue
        median = analysis.summary(s.failover)[0]
        if s.kind == "crash":
            # The host refuses the next advert: within one interval, 0.8 s at -t 1, 100 ms at -t 0.1.
            limit = 0.8e9 * s.interval if s.interval >= 1 else s.interval * 1e9
            ok = median is not None and median <= limit and not s.failed
            lines.append("- %s: process crash failover median at -t %s -r %d is %s ms (goal ≤ %s ms)"
                         % ("met" if ok else "NOT met", s.interval, RATIO, _fmt(median), _fmt(limit)))
        elif s.kind == "host-crash":
            limit = (RATIO - 0.5) * s.interval * 1e9 + 100e6
            ok = median is not None and median <= limit and not s.failed
            lines.append("- %s: host crash failover median at -t %s -r %d is %s ms (goal ≤ (ratio - 0.5) × "
                         "interval + 100 ms = %s ms)"
                         % ("met" if ok else "NOT met", s.interval, RATIO, _fmt(median), _fmt(limit)))
        else:
            gaps = [g for g in s.no_holder if g > 0]
            ok = median is not None and median <= 50e6 and not gaps and not s.failed
            lines.append("- %s: graceful handover median at -t %s is %s ms (goal ≤ 50 ms) with %d trial(s) "
                         "of %d having time without a holder (goal 0)"
                         % ("met" if ok else "NOT met", s.interval, _fmt(median), len(gaps), len(s.no_holder)))
    return "\n".join(lines)


def machine():
    cores = os.cpu_count()
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    java = subprocess.run(["java", "-version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    keepalived = subprocess.run(["keepalived", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True).stdout if os.path.exists("/usr/sbin/keepalived") else ""
    return ("%d cores (%s), %.1f GiB memory, Linux %s; %s; %s"
            % (cores, model or "unknown CPU", mem_kb / 1024 / 1024, platform.release(),
               (java.splitlines() or ["java ?"])[0], (keepalived.splitlines() or ["keepalived ?"])[0]))


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_bench(repo, args, say):
    intervals = [float(x) if "." in x else int(x) for x in args.intervals.split(",")]
    rows = set(args.only.split(",")) if args.only else set(ROWS)
    if args.no_exoip:
        rows -= {"exoip", "watches"} | set(PATH_ROWS)
    if args.no_keepalived:
        rows.discard("keepalived")
    rtt_ms = args.api_rtt if getattr(args, "api_rtt_given", False) else 30.0
    started = time.monotonic()
    load_before = load_average()
    all_series = []
    false_failovers = []
    version = []
    rtts = {}
    if rows & set(CLASSIC_ROWS):
        with Bed(repo, 3, log=say, keep_logs=args.keep_logs) as bed:
            version = _version(bed)
            if "exoip" in rows:
                for interval in intervals:
                    all_series += exoip_series(bed, interval, args.trials, say)
            if "several" in rows:
                for interval in intervals:
                    all_series += several_series(bed, interval, args.trials, say)
            if "watches" in rows:
                # The third goal: no false failover under advert loss and CPU stress (full-length scenarios).
                from .scenarios import Params, Scenarios
                watches = Scenarios(bed, Params(quick=False), out=say)
                watches.loss()
                watches.stress()
                false_failovers = watches.results
            if "keepalived" in rows:
                for interval in intervals:
                    all_series += keepalived_series(bed, interval, args.trials, say)
    path_series_ = []
    for bed_rtt, bed_rows in ((0.0, ["tls"]), (rtt_ms, ["tls-rtt", "tls-forgotten", "tls-resolver-down", "op-delay"])):
        bed_rows = [r for r in bed_rows if r in rows]
        if not bed_rows:
            continue
        with Bed(repo, 3, log=say, keep_logs=args.keep_logs, api_path=True, rtt_ms=bed_rtt) as bed:
            version = version or _version(bed)
            rtts[bed_rtt] = bed.measured_rtt
            for row in bed_rows:
                path_series_.append(path_series(bed, row, args.trials, say, bed_rtt, args.op_delay))
    classic = [s for s in all_series if s.system == "exoip"] or false_failovers or not path_series_
    text = table(all_series)
    verdicts = goals(all_series)
    for result in false_failovers:
        verdicts += "\n- %s: zero false failovers, %s: %s" % ("met" if result.ok else "NOT met", result.name,
                                                               result.figure)
    notes = [("%s %s %s: %s" % (s.system, s.interval, s.kind, n)) for s in all_series for n in s.notes]
    say("")
    if classic:
        _say_report(say, text, verdicts, notes)
    path_text = path_verdicts = None
    path_notes = []
    if path_series_:
        keepalived = [s for s in all_series if s.system == "keepalived" and s.interval == PATH_INTERVAL]
        path_text = table(path_series_ + keepalived)
        path_verdicts = path_goals(path_series_, rtt_ms)
        path_notes = ["%s: %s" % (s.label, n) for s in path_series_ for n in s.notes]
        path_notes += ["ping h1 -> API over the path with %g ms asked: rtt min/avg/max %s ms" % (
            asked, "/".join("%.1f" % x for x in got)) for asked, got in sorted(rtts.items()) if got]
        say("")
        _say_report(say, path_text, path_verdicts, path_notes)
    took = time.monotonic() - started
    say("bench took %.0f s" % took)
    if args.markdown:
        from .report import write_markdown, write_path_section
        load = "load average (1, 5, 15 min) %s at the start, %s at the end" % (load_before, load_average())
        about = "%s; %s; exoip: %s" % (machine(), load, version[0] if version else "?")
        if classic:
            write_markdown(args.markdown, text, verdicts, notes, about, args, took)
        if path_series_:
            write_path_section(args.markdown, path_text, path_verdicts, path_notes, about, took)
        say("wrote %s" % args.markdown)
    return 0


def _say_report(say, text, verdicts, notes):
    say(text)
    if verdicts:
        say("")
        say(verdicts)
    for note in notes:
        say("note: " + note)


def _version(bed):
    return subprocess.run(bed.exoip + ["-version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True).stdout.strip().splitlines()
