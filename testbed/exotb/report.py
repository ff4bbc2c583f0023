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
    command = " ".join(["testbed/exoip-testbed"] + [shlex.quote(a) for a in sys.argv[1:]])
    if os.environ.get("EXOIP_CMD"):
        command = "EXOIP_CMD=%s %s" % (shlex.quote(os.environ["EXOIP_CMD"]), command)
    notes_text = ("\nNotes from the run:\n\n" + "\n".join("- " + n for n in notes) + "\n") if notes else ""
    report = TEMPLATE.format(date=time.strftime("%Y-%m-%d %H:%M %Z"), took=took, machine=machine,
                             command=command, table=table, goals=goals or "(no exoip series run)",
                             notes=notes_text)
    try:
        with open(path) as f:
            existing = f.read()
    except FileNotFoundError:
        existing = ""
    with open(path, "w") as f:
        f.write(merge(report, existing))


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
