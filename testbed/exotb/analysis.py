"""Figures from the stand-in's record of attach and detach events (GET /_standin/events).

Pure functions on a list of events, so they are tested with plain numbers. Times are
CLOCK_MONOTONIC nanoseconds: the stand-in stamps events with Java's System.nanoTime(), which on
Linux reads the same clock as Python's time.monotonic_ns(), so a kill stamped here and an attach
stamped there can be subtracted.
"""

import re
import statistics
from collections import namedtuple

Event = namedtuple("Event", "nanos kind instance holders")
"""One change: kind is 'attach' or 'detach', holders the set of instance ids right after it."""


def parse_events(doc, elastic_ip_id=None):
    """Events of one Elastic IP (or of all) from the control API's JSON, oldest first."""
    events = []
    for e in doc.get("events", []):
        if elastic_ip_id is not None and e.get("elastic-ip") != elastic_ip_id:
            continue
        events.append(Event(int(e["nanos"]), e["kind"], e["instance"], frozenset(e.get("holders", []))))
    events.sort(key=lambda e: e.nanos)
    return events


def holders_at(events, t, initial=frozenset()):
    """Who held the address at time t (events at exactly t count as done)."""
    held = frozenset(initial)
    for e in events:
        if e.nanos > t:
            break
        held = e.holders
    return held


def window(events, start, end=None):
    """Events with start <= nanos (< end when given)."""
    return [e for e in events if e.nanos >= start and (end is None or e.nanos < end)]


def first_attach(events, after, instance=None, exclude=()):
    """The first attach at or after `after`, by `instance` if given, never by one in `exclude`."""
    for e in events:
        if e.nanos >= after and e.kind == "attach" and e.instance not in exclude \
                and (instance is None or e.instance == instance):
            return e
    return None


def holderless(events, start, end, initial=frozenset(), dead=None):
    """Time in [start, end) with no live holder: (total ns, longest stretch ns).

    `dead` maps an instance to the moment it died (kill -9, SIGSTOP): from then on its
    attachment, which the API still shows, serves no one.
    """
    dead = dict(dead or {})
    points = sorted({start, end} | {e.nanos for e in events if start < e.nanos < end}
                    | {t for t in dead.values() if start < t < end})
    total = longest = stretch = 0
    for a, b in zip(points, points[1:]):
        live = [h for h in holders_at(events, a, initial) if not (h in dead and dead[h] <= a)]
        if live:
            longest, stretch = max(longest, stretch), 0
        else:
            total += b - a
            stretch += b - a
    return total, max(longest, stretch)


def attaches(events, start, end=None):
    """Attach events in the window: each one is a node taking the address (a change of master)."""
    return [e for e in window(events, start, end) if e.kind == "attach"]


def last_change(events, start):
    """Time of the last event at or after start, or None."""
    w = window(events, start)
    return w[-1].nanos if w else None


def summary(values):
    """(median, p95, max) of a list of numbers; p95 by nearest rank."""
    if not values:
        return None, None, None
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 n)
    return statistics.median(ordered), ordered[rank - 1], ordered[-1]


def run_probability(n, k, p):
    """Chance that n independent trials, each a success with probability p, hold a run of k
    successes in a row: how likely k adverts in a row get lost somewhere in a watch."""
    # state[j]: no run of k so far, and the last j trials were successes
    state = [1.0] + [0.0] * (k - 1)
    hit = 0.0
    for _ in range(n):
        nxt = [0.0] * k
        for j, prob in enumerate(state):
            nxt[0] += prob * (1 - p)
            if j + 1 == k:
                hit += prob * p
            else:
                nxt[j + 1] += prob * p
        state = nxt
    return hit


def attach_call_ms(log_text, instance):
    """How long exoip's last successful attach call of `instance` took by its own log line
    ("API attach <id>: success in N ms": request, hedge and operation polls), or None."""
    found = re.findall(r"API attach %s: success in (\d+) ms" % re.escape(instance), log_text)
    return int(found[-1]) if found else None
