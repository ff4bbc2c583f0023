"""`exoip-testbed scorecard`: for each failure class, the time without a working holder (median
and p99 over the trials) and the longest window with more than one holder (issue 21, item 4).

Every trial starts 3 nodes, h1 (P 10, the master), h2 (12) and h3 (14), at -t 0.5 -r 3 unless
told, does one thing and watches until one node alone holds the address and nothing changed for
QUIET seconds. A holder "works" unless it is out: killed, stopped or its cable cut (the API still
shows it, traffic to it is lost). The figures come from exotb.episodes.
"""

import signal
import time

from . import episodes, faultplan
from .bed import now
from .cluster import wait_until
from .netns import TestbedError

PRIORITIES = {1: 10, 2: 12, 3: 14}
QUIET = 3.0          # seconds without an event that end a trial's watch
WATCH = 30.0         # at most this long for a trial to settle after its fault
ISOLATION = 10.0     # seconds the isolated master stays cut off from its peers
API_DOWN = 5.0       # seconds the API answers 503 to everyone
API_SLOW_MS = 2000   # delay of every API answer in the api-slow class
STALL = 4.0          # seconds a backup is stopped in the own-stall class

# name, what is done (for the table)
CLASSES = (
    ("process-crash", "kill -9 of the master"),
    ("host-freeze", "SIGSTOP of the master until another node holds the address alone, + 1 s, then SIGCONT"),
    ("host-cut-off", "the master's cable cut at the switch (peers and API) until another node holds it alone, + 1 s"),
    ("isolated-master", "the master's adverts dropped both ways (the API reachable) for %g s" % ISOLATION),
    ("api-slow", "every API answer %d ms late, then kill -9 of the master" % API_SLOW_MS),
    ("api-down", "the API answers 503 to every node for %g s (no other fault)" % API_DOWN),
    ("own-stall", "a backup (P 14) SIGSTOPped %g s, past the dead time, then SIGCONT" % STALL),
)


def ms(nanos):
    return "n/a" if nanos is None else "%.0f ms" % (nanos / 1e6)


class Trial:
    def __init__(self, without, several, note=""):
        self.without, self.several, self.note = without, several, note


class Scorecard:
    def __init__(self, bed, interval=0.5, ratio=3, out=print):
        self.bed, self.interval, self.ratio, self.out = bed, interval, ratio, out
        self.dead = interval * ratio

    def _start(self):
        self.bed.reset()
        self.bed.start(PRIORITIES, self.interval, self.ratio)
        self.bed.settle(1, timeout=60 + 10 * self.dead)

    def _alone(self, exclude):
        st = self.bed.standin
        return wait_until(lambda: len(st.holders()) == 1 and not (st.holders() & exclude), WATCH, poll=0.05)

    def _quiet(self, since):
        st = self.bed.standin

        def calm():
            events = st.events()
            last = events[-1].nanos if events and events[-1].nanos >= since else since
            return len(st.holders()) == 1 and now() - last >= QUIET * 1e9
        wait_until(calm, WATCH, poll=0.1)

    def trial(self, name):
        bed, st, topo = self.bed, self.bed.standin, self.bed.topology
        self._start()
        master, backup = bed.nodes[1], bed.nodes[3]
        out = {}
        if name == "process-crash":
            t0 = master.kill()
            out[master.instance] = [(t0, now() + int(1e15))]
            self._alone({master.instance})
        elif name == "host-freeze":
            t0 = master.signal(signal.SIGSTOP)
            self._alone({master.instance})
            time.sleep(1)
            out[master.instance] = [(t0, master.signal(signal.SIGCONT))]
        elif name == "host-cut-off":
            t0 = now()
            topo.link(1, False)
            bed.links_down.add(1)
            self._alone({master.instance})
            time.sleep(1)
            topo.link(1, True)
            bed.links_down.discard(1)
            out[master.instance] = [(t0, now())]
        elif name == "isolated-master":
            t0 = now()
            topo.chaos(1, faultplan.isolate_rules())
            time.sleep(ISOLATION)
            topo.chaos(1, None)
        elif name == "api-slow":
            st.fault("slow", times=1000000, path="^/v2/", **{"delay-ms": API_SLOW_MS})
            t0 = master.kill()
            out[master.instance] = [(t0, now() + int(1e15))]
            self._alone({master.instance})
            st.clear_faults()
        elif name == "api-down":
            t0 = now()
            st.fault("status", times=1000000, path="^/v2/", status=503, message="Service Unavailable")
            time.sleep(API_DOWN)
            st.clear_faults()
        elif name == "own-stall":
            t0 = backup.signal(signal.SIGSTOP)
            time.sleep(STALL)
            backup.signal(signal.SIGCONT)
        else:
            raise TestbedError("unknown failure class %r" % name)
        self._quiet(now())
        end = now()
        events = st.events()
        without = episodes.total(episodes.without_working_holder(events, t0, end, out))
        several = episodes.longest(episodes.several_holders(events, t0, end))
        held = st.holders()
        note = "" if len(held) == 1 else "ended with %d holders" % len(held)
        return Trial(without, several, note)

    def run(self, trials, only=None):
        """{class: [Trial]}; prints one line a trial."""
        results = {}
        for name, _ in CLASSES:
            if only and name not in only:
                continue
            results[name] = []
            for n in range(1, trials + 1):
                try:
                    t = self.trial(name)
                except TestbedError as e:
                    self.out("  %-16s trial %d: could not run: %s" % (name, n, e))
                    continue
                results[name].append(t)
                self.out("  %-16s trial %d: without a working holder %s, two holders at most %s%s"
                         % (name, n, ms(t.without), ms(t.several), "; " + t.note if t.note else ""))
        self.bed.reset()
        return results


def table(results, trials):
    """The scorecard as a Markdown table."""
    what = dict(CLASSES)
    lines = ["| failure class | what is done | trials | without a working holder: median | p99 | "
             "longest window with two or more holders |",
             "|---|---|---:|---:|---:|---:|"]
    for name, rows in results.items():
        withouts = [t.without for t in rows]
        lines.append("| %s | %s | %d of %d | %s | %s | %s |" % (
            name.replace("-", " ").replace("api ", "API "), what[name], len(rows), trials, ms(episodes.nearest_rank(withouts, 50)),
            ms(episodes.nearest_rank(withouts, 99)), ms(max((t.several for t in rows), default=None))))
    return "\n".join(lines)


SECTION = """## Failover scorecard (issue 21)

Run: %(date)s, %(took).0f s, exoip at %(commit)s. Machine: %(machine)s.

Command (as root, from the repository's root):

    testbed/exoip-testbed scorecard --trials %(trials)d --markdown BENCHMARKS.md

3 nodes, h1 (priority 10, the master), h2 (12), h3 (14), at `-t %(interval)g -r %(ratio)d` (dead
time %(dead).2f s); each trial starts them afresh, does one thing and watches until one node alone
holds the address and nothing changed for %(quiet)g s. **Without a working holder**: the time from
the fault on during which every holder the API shows is out (killed, stopped, cable cut) or
nobody holds the address; median and p99 by nearest rank over the trials (with few trials p99 is
the worst one). **Two or more holders**: the longest stretch with more than one holder in the
API, whatever the cause (a hand-over, a stray attach), over all trials.

%(table)s
"""


def write_section(path, results, trials, interval, ratio, machine, took, commit):
    from .report import _read, put_section
    section = SECTION % {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "took": took,
                         "machine": machine, "trials": trials, "interval": interval, "ratio": ratio,
                         "dead": interval * ratio, "quiet": QUIET, "commit": commit, "table": table(results, trials)}
    text = put_section(_read(path), section)  # read before open(..., "w") empties it
    with open(path, "w") as f:
        f.write(text)
