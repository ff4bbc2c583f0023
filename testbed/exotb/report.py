"""Writes BENCHMARKS.md from a bench run: the table, the date, the machine, the command, how to read it."""

import os
import shlex
import sys
import time

TEMPLATE = """# Failover benchmarks

Latest run: {date}, {took:.0f} s in all.

Machine: {machine}.

Command (as root, from the repository's root):

    {command}

## Results

{table}

## Goals

{goals}
{notes}
## How to read the figures

- **Topology.** Three hosts, each a network namespace on one bridge (`testbed/exoip-testbed`), plus
  one namespace for the stand-in Exoscale API. h1 (exoip priority 10, keepalived 250) is the
  master; h2 (11 / 240) takes over; h3 (12 / 230) is a third voter. Every system runs alone:
  keepalived only after the exoip nodes are stopped.
- **Trial.** Wait until everyone agrees who is master, wait a random part of one interval (so
  the kill falls anywhere between two adverts), then `kill -9` the master's whole process group
  while its host stays up (*crash*: the host answers the backups' next adverts with ICMP port
  unreachable, which `--crash-probe` acts on), cut the master's cable at the switch and kill it
  (*host-crash*: nothing answers, as when a host dies, freezes or is cut off), or send it SIGTERM
  (*graceful*). The master is then started again and takes its place back before the next trial.
  keepalived takes no notice of ICMP, so its one *crash* row is the reference for both.
- **failover** is the time from the kill (or the SIGTERM) to:
  for exoip, the new master's attach call arriving at the stand-in API (operation delay 0, so
  arrival and completion coincide; both clocks are the machine's CLOCK_MONOTONIC); for
  keepalived, the kernel's notification that the virtual address appeared on h2
  (`ip monitor address`).
- **no holder** is how long no *live* node held the address: a crashed master's attachment,
  which the API still shows, counts as none from the kill on. For a graceful stop a correct
  handover gives 0: the old master lets go only after the new one holds it.
- **p95** is by nearest rank: with 20 trials, the 19th smallest value.
- **failover vs keepalived** divides exoip's median by keepalived's for the same interval and
  event; below 1× exoip is faster.
- A process crash is seen when a backup's next advert to the master is refused: uniformly within
  one interval of the kill (a backup adverts once an interval), plus the 5 ms probe and the API.
  It takes two refusals, and Linux sends at most one a second to each peer after a burst of six
  (`net.ipv4.icmp_ratelimit`): a host that refused many adverts in the last seconds (a process
  that crashed again soon after a restart, at short intervals) leaves the backups to the dead time.
  So the bench lets 3 s of calm pass before each process crash, as there is before a real one.
- A host crash cannot be detected before `ratio × interval` without adverts: the floor is
  `(ratio - 1) × interval` (kill right before an advert) to `ratio × interval` (right after one),
  so the median of a uniform phase sits near `(ratio - 0.5) × interval`, plus detection and API
  time. keepalived waits `3 × advert_int + skew`, skew = `(256 - priority) / 256 × advert_int`
  (1/16 of an advert here, keepalived at its fastest).
- **Zero false failovers** comes from two full-length scenarios run in the same bed (see
  testbed/README.md): 60 s with every host dropping 20 % of the adverts it sends, at
  `-t 1 -r 3`, and 30 s of `stress-ng --cpu <cores>` in the master's namespace at `-t 100ms -r 3`.
  Any attach or detach during the watch is a false failover. The loss line also gives the
  chance that some backup misses `ratio` intervals of adverts in a row, which any detector that
  waits `ratio` intervals turns into a false failover: with one advert an interval (the original,
  keepalived) and with exoip's default of two copies of each master advert (`--advert-copies`).
- **Load.** The machine is shared with whatever else runs; the load average at the start and
  the end of the run is in the machine line. Figures from a busy machine are slower, never
  faster.
- Anchors measured before on this kind of machine: keepalived 1 s advert 3.06 s median crash
  failover, 0.1 s advert 0.30 s, graceful 0.61 s; ucarp 4.21 s; the original exoip 5-7 s.
"""


def write_markdown(path, table, goals, notes, machine, args, took):
    """Writes the report; `machine` is one line on the hardware and its load."""
    report = _fill(TEMPLATE, table, goals or "(no exoip series run)", notes, machine, took)
    existing = _read(path)
    with open(path, "w") as f:
        f.write(merge(report, existing))


def _fill(template, table, goals, notes, machine, took):
    return template.format(date=time.strftime("%Y-%m-%d %H:%M %Z"), took=took, machine=machine,
                           command=_command(), table=table, goals=goals, notes=_notes(notes))


def _command():
    """This run's command line, as a reader would type it."""
    command = " ".join(["testbed/exoip-testbed"] + [shlex.quote(a) for a in sys.argv[1:]])
    if os.environ.get("EXOIP_CMD"):
        command = "EXOIP_CMD=%s %s" % (shlex.quote(os.environ["EXOIP_CMD"]), command)
    return command


def _notes(notes):
    return ("\nNotes from the run:\n\n" + "\n".join("- " + n for n in notes) + "\n") if notes else ""


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def merge(report, existing):
    """The report in place of the failover part of `existing`: every section of the file that the
    template does not write (the flood, fuzzing and footprint figures) is kept, after it."""
    own = {line for line in report.splitlines() if line.startswith("## ")}
    kept = []
    keeping = False
    for line in existing.splitlines(keepends=True):
        if line.startswith("## "):
            keeping = line.rstrip("\n") not in own
        if keeping:
            kept.append(line)
    return report + ("\n" + "".join(kept) if kept else "")


PATH_TITLE = "## Failover over the API path: TLS by name, round-trip time, a middlebox, the resolver (issue 10)"

PATH_TEMPLATE = PATH_TITLE + """

Latest run: {date}, {took:.0f} s in all (with whatever else the command ran).

Machine: {machine}.

Command (as root, from the repository's root):

    {command}

{table}

### Goals

{goals}
{notes}
### Conditions and how to read them

- **The path.** exoip reaches the stand-in API as `https://api.exotb.test:8443/v2`: HTTPS (TLS 1.3,
  the stand-in's self-signed certificate, trusted with `--api-ca-file`), by a name that the bed's
  own resolver (192.0.2.3, UDP, A records) gives; the hosts' `/etc/netns/<ns>/resolv.conf` names
  it with glibc's defaults (5 s timeout, 2 attempts). The API sits behind a router namespace
  whose user-space delay line holds every frame RTT/2 each way (no `sch_netem` in this kernel;
  frames are forwarded as they are, so TCP stays end to end), and its namespace has a stateful
  firewall: packets of known flows and SYNs of new ones pass, everything else on the API port is
  dropped silently, with `nf_conntrack_tcp_loose=0`. The JVMs cache a name 1 s
  (`-Dsun.net.inetaddr.ttl=1`, 30 s by default) so that a resolver outage outlasts the cache in
  seconds, not half a minute.
- **Trial.** As in the table above: three hosts, `-t 1 -r 3`, wait until everyone agrees, then a
  process crash (`kill -9` of h1, its host up: the crash probe sees the ICMP refusals). Before the
  kill: *warm*, 3 s of calm; *connections forgotten*, 5 s idle, then `conntrack -F` in the API's
  namespace: every pooled connection is now a black hole; *resolver down*, 5 s idle, then the
  resolver drops every query, for 3 s before the kill (longer than the JVM's cache) and until the
  new master holds the address, and the connections are forgotten just before the kill too, so
  that no pooled connection spares the lookup. Then a random part of one interval.
- **failover** is the time from the kill to the attach event at the stand-in. With no operation
  delay that is the attach call's arrival. The *attach completed* row has the stand-in complete
  every operation `delay` after its request, as Exoscale's asynchronous operations do: its
  failover is when the address really moved (arrival + delay; the arrival is in the notes).
- A trial without failover within 4 × dead time + 30 s counts as failed (a stale connection
  waits out exoip's 15 s request timeout, a dead resolver glibc's 5 s a try).
- **Goal** (issue 10): with 30 ms RTT over TLS, connections forgotten by a middlebox or the
  resolver down cost no more than a fresh connection plus one round trip. A warm node sends on a
  pooled connection; a fresh one adds the TCP and TLS handshakes (2 RTT): so each median must
  stay within the warm median + 3 RTT.
- keepalived rows (same interval, plain VRRP on the bridge) are the reference of the last column.
"""


def write_path_section(path, table, goals, notes, machine, took):
    """Puts the API path's section into the file, in place of its last version or after the
    failover report; every other section stays as it is."""
    section = _fill(PATH_TEMPLATE, table, goals or "(not judged)", notes, machine, took)
    existing = _read(path)
    with open(path, "w") as f:
        f.write(put_section(existing, section))


def put_section(existing, section):
    """`existing` with `section` (whose first line is its "## " title) in place of the section of
    that title, else before the first section the failover report does not own, else at the end."""
    title = section.splitlines()[0]
    own = {line for line in TEMPLATE.splitlines() if line.startswith("## ")}
    lines = existing.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip("\n") == title), None)
    if start is not None:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    else:
        seen_own = False
        start = len(lines)
        for i, line in enumerate(lines):
            if line.startswith("## "):
                if line.rstrip("\n") in own:
                    seen_own = True
                elif seen_own:
                    start = i
                    break
        end = start
    body = section if section.endswith("\n") else section + "\n"
    before = "".join(lines[:start])
    if before and not before.endswith("\n\n"):
        before += "\n" if before.endswith("\n") else "\n\n"
    after = "".join(lines[end:])
    return before + body + ("\n" + after if after and not body.endswith("\n\n") else after)
