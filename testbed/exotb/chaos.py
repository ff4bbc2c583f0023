"""`exoip-testbed chaos`: seeded random faults against 3-5 `exoip -W` nodes, judged from the
stand-in's attach/detach log (issue 21).

Per seed: the plan of faultplan.draw (nodes, priorities, faults), played one fault at a time on a
fresh cluster; then everything healed, a settle period, and the checks:
  (a) no holder at all: never, unless every node is down or cut off from the API at that moment;
  (b) more than one holder: every episode at most 3 advert intervals (1.5 s at -t 0.5);
  (c) after the last heal (and once every restarted node answers `info` with a role), exactly the
      best live node (lowest priority by `info`) holds the address within dead time + 1 s, with
      no change after;
  (d) no unexpected exit (a SIGTERM ends with 0), no stack trace in any node's log.
The figures come from exotb.episodes (pure, unit-tested); this module only plays the faults.
"""

import json
import os
import signal
import time

from . import analysis, episodes, faultplan
from .bed import now
from .cluster import API_PORT, wait_until
from .netns import API_ADDRESS, TestbedError

ROLES = ("MASTER", "BACKUP")
# How long a node may take from its restart to answering `info` with a role (a JVM start on a
# loaded 2-core machine), before the run says so.
READY_TIMEOUT = 60


def ms(nanos):
    return "n/a" if nanos is None else "%.0f ms" % (nanos / 1e6)


class Played:
    """One fault as played: when it started and healed, on whom, and who was out meanwhile."""

    def __init__(self, fault, targets):
        self.fault = fault
        self.targets = targets      # host indexes it touched
        self.start = self.heal = None
        self.down = {}              # index -> [(start, end)] process out (killed, stopped, terminated)
        self.api_cut = {}           # index -> [(start, end)] cut off from the API
        self.held_at_start = None   # for stop: whether the target held the address when stopped
        self.note = ""

    def line(self, t0):
        return "  %+8.2f s .. %+8.2f s  %s%s" % ((self.start - t0) / 1e9, ((self.heal or self.start) - t0) / 1e9,
                                                  faultplan.describe(self.fault).replace(
                                                      "holder", "holder=%s" % ",".join("h%d" % i for i in self.targets)),
                                                  "  (%s)" % self.note if self.note else "")


class SeedResult:
    def __init__(self, seed, plan):
        self.seed, self.plan = seed, plan
        self.reasons = []
        self.no_holder = self.two_holders = self.convergence = None
        self.resumes = self.stray_resumes = 0
        self.played = []

    @property
    def ok(self):
        return not self.reasons


class Chaos:
    """Plays seeds on a Bed with at least as many hosts as the largest plan needs."""

    def __init__(self, bed, interval=0.5, ratio=3, duration=60.0, settle=8.0, nodes=(3, 5), out=print,
                 keep_logs=None):
        self.bed = bed
        self.interval, self.ratio = interval, ratio
        self.duration, self.settle = duration, settle
        self.nodes = nodes
        self.out = out
        self.keep_logs = keep_logs
        self.dead = interval * ratio
        self.two_holder_limit = 3 * interval   # 1.5 s at -t 0.5
        self.convergence_limit = self.dead + 1.0

    # ---- one seed

    def run_seed(self, seed):
        plan = faultplan.draw(seed, self.nodes, self.duration, self.interval, self.ratio)
        result = SeedResult(seed, plan)
        bed = self.bed
        bed.reset()
        members = sorted(plan.priorities)
        offsets = {i: self._size(bed.nodes[i].log) for i in members}
        bed.start(plan.priorities, self.interval, self.ratio)
        best = min(members, key=lambda i: plan.priorities[i])
        bed.settle(best, timeout=60 + 10 * self.dead)
        self.unexpected = {}
        t0 = now()
        for fault in plan.faults:
            self._idle_until(t0 + int(fault.at * 1e9), members)
            played = self._apply(fault, members, seed, len(result.played))
            result.played.append(played)
            self._idle_until(played.start + int(fault.duration * 1e9), members)
            self._heal(played, members)
        t_healed = now()
        ready = wait_until(lambda: all(bed.nodes[i].state() in ROLES for i in members), READY_TIMEOUT, poll=0.1)
        if not ready:
            result.reasons.append("not every node answered info with a role %d s after the heal" % READY_TIMEOUT)
        t_heal = max(t_healed, now() if ready else t_healed)
        self._idle_until(t_heal + int(self.settle * 1e9), members)
        t_end = now()
        priorities = {i: bed.nodes[i].priority() for i in members}
        events = bed.standin.events()
        self._judge(result, events, t0, t_heal, t_end, members, priorities)
        self._logs(result, members, offsets)
        if self.keep_logs:
            self._keep(result, t0, events, members, offsets)
        bed.stop_all()
        return result

    def _judge(self, result, events, t0, t_heal, t_end, members, priorities):
        iid = self.bed.iid
        # (a) no holder, unless everyone was down or cut off from the API then
        outs = {i: [] for i in members}
        for played in result.played:
            for table in (played.down, played.api_cut):
                for i, spans in table.items():
                    outs[i] += spans
        excused = episodes.everyone(outs.values())
        bare = episodes.subtract(episodes.no_holder(events, t0, t_end), excused)
        result.no_holder = episodes.longest(bare)
        if bare:
            result.reasons.append("no holder for %s (%d episode(s))" % (ms(result.no_holder), len(bare)))
        # (b) more than one holder: each episode short
        several = episodes.several_holders(events, t0, t_end)
        result.two_holders = episodes.longest(several)
        long_ones = [e for e in several if e[1] - e[0] > self.two_holder_limit * 1e9]
        if long_ones:
            result.reasons.append("%d episode(s) with several holders over %.1f s, the longest %s at %+.1f s"
                                  % (len(long_ones), self.two_holder_limit, ms(result.two_holders),
                                     (max(long_ones, key=lambda e: e[1] - e[0])[0] - t0) / 1e9))
        # (c) the best live node alone, soon after the last heal, and no change after
        silent = [i for i, p in priorities.items() if p is None]
        if silent:
            result.reasons.append("no priority from %s's info at the end" % ",".join("h%d" % i for i in silent))
        else:
            top = min(priorities.values())
            best = {iid(i) for i, p in priorities.items() if p == top}
            ok, nanos, why = episodes.convergence(events, t_heal, t_end, best)
            result.convergence = nanos
            if not ok:
                result.reasons.append("after the heal: %s (held by %s, best %s)" % (
                    why, self.bed.names(analysis.holders_at(events, t_end)), self.bed.names(best)))
            elif nanos > self.convergence_limit * 1e9:
                result.reasons.append("converged %s after the heal (limit %.2f s)" % (ms(nanos), self.convergence_limit))
        # (d) exits
        for i, what in sorted(self.unexpected.items()):
            result.reasons.append("h%d %s" % (i, what))
        # A resumed backup that attaches (finding 1): counted, judged by (b)
        for played in result.played:
            if played.fault.kind == "stop" and played.heal and not played.held_at_start:
                result.resumes += 1
                if episodes.attached_within(events, iid(played.targets[0]), played.heal,
                                            played.heal + int(2 * self.dead * 1e9)):
                    result.stray_resumes += 1

    def _logs(self, result, members, offsets):
        for i in members:
            text = self._read(self.bed.nodes[i].log, offsets[i])
            traces = episodes.stack_traces(text)
            if traces:
                result.reasons.append("h%d's log has %d stack trace(s)" % (i, traces))

    # ---- playing faults

    def _resolve(self, fault, members, seed, number):
        if fault.kind in ("split", "loss"):
            return list(members)
        if fault.target == faultplan.HOLDER:
            held = sorted(i for i in members if self.bed.iid(i) in self.bed.standin.holders())
            # Nobody holds it: a node picked from the seed and the fault's rank, so a replay is the same.
            return [held[0]] if held else [members[(seed + number) % len(members)]]
        return [fault.target]

    def _apply(self, fault, members, seed, number):
        bed, topo, st = self.bed, self.bed.topology, self.bed.standin
        targets = self._resolve(fault, members, seed, number)
        played = Played(fault, targets)
        kind = fault.kind
        node = bed.nodes[targets[0]]
        if kind == "term" or kind in faultplan.SIGNAL_KINDS:
            # A signal goes to a node that has started: until the JVM reaches main, it takes a
            # signal's default action (exit 143 on SIGTERM), which no program can change.
            waited = now()
            wait_until(lambda: node.state() in ROLES, READY_TIMEOUT, poll=0.05)
            if now() - waited > 2e8:
                played.note = "sent once it answered info, %s later" % ms(now() - waited)
        played.start = now()
        if kind == "kill":
            node.expected_exit = True
            played.start = node.kill()
        elif kind == "stop":
            played.held_at_start = node.instance in st.holders()
            played.start = node.signal(signal.SIGSTOP)
        elif kind == "term":
            node.expected_exit = True
            played.start = node.signal(signal.SIGTERM)
        elif kind in faultplan.SIGNAL_KINDS:
            sig = {"usr1": signal.SIGUSR1, "usr2": signal.SIGUSR2, "hup": signal.SIGHUP}[kind]
            played.start = node.signal(sig)
        elif kind == "isolate":
            topo.chaos(node.index, faultplan.isolate_rules())
        elif kind == "oneway":
            topo.chaos(node.index, faultplan.oneway_rules(fault.params["direction"]))
        elif kind == "split":
            left, right = fault.params["groups"]
            for side, other in ((left, right), (right, left)):
                for i in side:
                    topo.chaos(i, faultplan.split_rules([bed.nodes[j].address for j in other]))
        elif kind == "loss":
            for i in members:
                topo.chaos(i, faultplan.loss_rules(fault.params["percent"]))
        elif kind == "blackhole":
            topo.chaos(node.index, faultplan.blackhole_rules(API_ADDRESS, API_PORT))
        elif kind == "api":
            self._api_fault(node, fault.params)
        else:
            raise TestbedError("unknown fault kind %r" % kind)
        return played

    def _api_fault(self, node, params):
        flavour = params["flavour"]
        many = 1000000
        where = {"path": "^/v2/", "client": node.address}
        st = self.bed.standin
        if flavour == "500":
            st.fault("unavailable", times=many, **where)
        elif flavour == "503":
            st.fault("status", times=many, status=503, message="Service Unavailable", **where)
        elif flavour == "429":
            st.fault("rate-limited", times=many, **dict(where, **{"retry-after-seconds": 1}))
        elif flavour == "html":
            st.fault("proxy-error", times=many, **where)
        elif flavour == "slow":
            st.fault("slow", times=many, **dict(where, **{"delay-ms": params["delay_ms"]}))
        elif flavour == "hang":
            # Held until the heal clears the faults (the stand-in then answers them).
            st.fault("slow", times=many, **dict(where, **{"delay-ms": 3600 * 1000}))
        elif flavour == "ambiguous":
            st.fault("ambiguous", times=many, method="PUT", **where)
        else:
            raise TestbedError("unknown API fault flavour %r" % flavour)

    def _heal(self, played, members):
        bed, topo = self.bed, self.bed.topology
        kind = played.fault.kind
        node = bed.nodes[played.targets[0]]
        if kind == "kill":
            played.heal = now()
            node.restart()
            node.expected_exit = False
            played.down[node.index] = [(played.start, played.heal)]
        elif kind == "stop":
            played.heal = node.signal(signal.SIGCONT)
            played.down[node.index] = [(played.start, played.heal)]
        elif kind == "term":
            code = node.wait_exit(15)
            if code is None:
                self.unexpected[node.index] = "still running 15 s after SIGTERM"
                node.kill()
            elif code != 0:
                self.unexpected[node.index] = "exited %s after SIGTERM (expected 0)" % code
            played.note = ("%s; " % played.note if played.note else "") + "exit %s" % code
            played.heal = now()
            node.restart()
            node.expected_exit = False
            played.down[node.index] = [(played.start, played.heal)]
        elif kind in faultplan.SIGNAL_KINDS:
            played.heal = played.start
        elif kind in ("isolate", "oneway", "split", "loss", "blackhole"):
            for i in (members if kind in ("split", "loss") else played.targets):
                topo.chaos(i, None)
            played.heal = now()
            if kind == "blackhole":
                played.api_cut[node.index] = [(played.start, played.heal)]
        elif kind == "api":
            bed.standin.clear_faults()
            played.heal = now()
            if played.fault.params["flavour"] in faultplan.API_CUT:
                played.api_cut[node.index] = [(played.start, played.heal)]

    def _idle_until(self, deadline, members):
        """Sleeps until the monotonic nanos `deadline`, noting nodes that exit on their own."""
        while True:
            for i in members:
                node = self.bed.nodes[i]
                if node.proc is not None and node.proc.poll() is not None and not getattr(node, "expected_exit", False) \
                        and i not in self.unexpected:
                    self.unexpected[i] = "exited on its own with %s" % node.proc.returncode
            left = deadline - now()
            if left <= 0:
                return
            time.sleep(min(left / 1e9, 0.05))

    # ---- logs

    @staticmethod
    def _size(path):
        try:
            return os.path.getsize(path)
        except OSError:
            return 0

    @staticmethod
    def _read(path, offset):
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def _keep(self, result, t0, events, members, offsets):
        folder = os.path.join(self.keep_logs, "seed-%d" % result.seed)
        os.makedirs(folder, exist_ok=True)
        for i in members:
            with open(os.path.join(folder, "h%d.log" % i), "w") as f:
                f.write(self._read(self.bed.nodes[i].log, offsets[i]))
        with open(os.path.join(folder, "schedule.txt"), "w") as f:
            f.write(self.schedule_text(result, t0, events))
        with open(os.path.join(folder, "events.json"), "w") as f:
            json.dump([e._asdict() | {"holders": sorted(e.holders), "t": (e.nanos - t0) / 1e9} for e in events],
                      f, indent=1)

    def schedule_text(self, result, t0, events):
        """The faults as played and the attach/detach log, in seconds from the first fault."""
        names = self.bed.name_of
        lines = ["seed %d: %d nodes, priorities %s" % (result.seed, result.plan.nodes, " ".join(
            "h%d=%d" % kv for kv in sorted(result.plan.priorities.items())))]
        lines += [p.line(t0) for p in result.played]
        lines.append("events:")
        lines += ["  %+8.2f s  %-6s %-4s -> {%s}" % ((e.nanos - t0) / 1e9, e.kind, names(e.instance),
                                                     ",".join(sorted(names(h) for h in e.holders))) for e in events]
        return "\n".join(lines) + "\n"

    # ---- many seeds

    def run(self, seeds):
        results = []
        for seed in seeds:
            started = time.monotonic()
            try:
                result = self.run_seed(seed)
            except TestbedError as e:
                result = SeedResult(seed, None)
                result.reasons.append("could not run: %s" % e)
                self.bed.stop_all()
            results.append(result)
            self.out(self.line(result) + "  (%.0f s)" % (time.monotonic() - started))
        return results

    def line(self, r):
        if r.plan is None:
            return "seed %3d  FAIL  %s" % (r.seed, "; ".join(r.reasons))
        return ("seed %3d  %d nodes  %2d faults  no-holder %7s  two-holder %7s  converged %7s  "
                "resumed backups attached %d/%d  %s%s"
                % (r.seed, r.plan.nodes, len(r.played), ms(r.no_holder), ms(r.two_holders), ms(r.convergence),
                   r.stray_resumes, r.resumes, "PASS" if r.ok else "FAIL: ", "; ".join(r.reasons)))

    def summary(self, results):
        ran = [r for r in results if r.plan is not None]
        failed = [r for r in results if not r.ok]
        faults = sum(len(r.played) for r in ran)
        seconds = sum(sum(p.fault.duration for p in r.played) for r in ran)
        worst = lambda attr: max((getattr(r, attr) or 0 for r in ran), default=0)  # noqa: E731
        kinds = {}
        for r in ran:
            for p in r.played:
                kinds[p.fault.kind] = kinds.get(p.fault.kind, 0) + 1
        return ("chaos: %d seed(s), %d passed, %d failed%s; %d faults (%s), %.0f s of faults; worst no-holder %s, "
                "worst two-holder %s (limit %.1f s), slowest convergence %s (limit %.2f s); resumed backups that "
                "attached %d of %d"
                % (len(results), len(results) - len(failed), len(failed),
                   " (seeds %s)" % ",".join(str(r.seed) for r in failed) if failed else "", faults,
                   ", ".join("%s %d" % kv for kv in sorted(kinds.items())), seconds, ms(worst("no_holder")),
                   ms(worst("two_holders")), self.two_holder_limit, ms(worst("convergence")), self.convergence_limit,
                   sum(r.stray_resumes for r in ran), sum(r.resumes for r in ran)))
