"""Episodes of ownership from the stand-in's attach/detach log: stretches with no holder, with
more than one, and whether one holder came back after a heal.

Pure functions on the events of analysis.parse_events and on (start, end) intervals in
CLOCK_MONOTONIC nanoseconds, tested with plain numbers (testbed/tests/test_episodes.py).
"""

import re

from . import analysis


def timeline(events, start, end, initial=frozenset()):
    """[(t0, t1, holders)] covering [start, end): who held the address in each stretch."""
    if end <= start:
        return []
    held = analysis.holders_at(events, start, initial)
    pieces = []
    t = start
    for e in events:
        if e.nanos <= start:
            continue
        if e.nanos >= end:
            break
        if e.nanos > t:
            pieces.append((t, e.nanos, held))
            t = e.nanos
        held = e.holders
    pieces.append((t, end, held))
    return pieces


def episodes(events, start, end, predicate, initial=frozenset()):
    """Maximal intervals in [start, end) during which predicate(holders) holds: [(t0, t1)]."""
    found = []
    for t0, t1, held in timeline(events, start, end, initial):
        if not predicate(held):
            continue
        if found and found[-1][1] == t0:
            found[-1] = (found[-1][0], t1)
        else:
            found.append((t0, t1))
    return found


def no_holder(events, start, end, initial=frozenset()):
    """Intervals with no holder at all, by the API."""
    return episodes(events, start, end, lambda held: not held, initial)


def several_holders(events, start, end, initial=frozenset()):
    """Intervals with more than one holder, by the API."""
    return episodes(events, start, end, lambda held: len(held) > 1, initial)


def longest(intervals):
    """Length of the longest interval, 0 without any."""
    return max((b - a for a, b in intervals), default=0)


def merge(intervals):
    """Sorted, overlapping or touching intervals joined."""
    out = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def intersect(first, second):
    """Intervals covered by both lists."""
    first, second = merge(first), merge(second)
    out = []
    i = j = 0
    while i < len(first) and j < len(second):
        a, b = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if a < b:
            out.append((a, b))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return out


def everyone(per_node):
    """Intervals during which every list of per_node (one list per node) covers: when all nodes
    are out at once. No nodes: nothing."""
    lists = list(per_node)
    if not lists:
        return []
    common = merge(lists[0])
    for other in lists[1:]:
        common = intersect(common, other)
    return common


def subtract(intervals, excused):
    """The parts of intervals not covered by excused."""
    out = []
    excused = merge(excused)
    for a, b in intervals:
        t = a
        for x, y in excused:
            if y <= t or x >= b:
                continue
            if x > t:
                out.append((t, x))
            t = max(t, y)
        if t < b:
            out.append((t, b))
    return out


def convergence(events, heal, end, acceptable, initial=frozenset()):
    """After the last heal: (ok, nanos, why). ok when the holders became one node of `acceptable`
    (the best live nodes, several when their priorities tie) and stayed so until `end`; nanos is
    how long after `heal` that happened (0 when it already was so), or None; why says what was
    wrong, '' when ok."""
    final = analysis.holders_at(events, end, initial)
    if len(final) != 1 or not final <= frozenset(acceptable):
        return False, None, "held by %d instance(s) at the end, not one best node" % len(final)
    last = analysis.last_change(analysis.window(events, heal, end + 1), heal)
    return True, 0 if last is None else last - heal, ""


def attached_within(events, instance, start, end):
    """Whether `instance` attached the address in [start, end)."""
    return any(e.kind == "attach" and e.instance == instance for e in analysis.window(events, start, end))


_TRACE = re.compile(r"^\s+at [\w$.]+\(.*\)\s*$", re.M)


def stack_traces(log_text):
    """How many Java stack traces a log holds: runs of '\\tat pkg.Class.method(File.java:N)' lines."""
    count = 0
    previous_was_frame = False
    for line in log_text.splitlines():
        frame = bool(_TRACE.match(line))
        if frame and not previous_was_frame:
            count += 1
        previous_was_frame = frame
    return count


def without_working_holder(events, start, end, out=None, initial=frozenset()):
    """Intervals in [start, end) where no holder works: every instance the API shows as a holder
    is out then (out maps an instance to [(t0, t1)]: killed, stopped, cut off from the network),
    or there is no holder at all."""
    out = {k: merge(v) for k, v in (out or {}).items()}
    points = sorted({start, end} | {e.nanos for e in events if start < e.nanos < end}
                    | {t for spans in out.values() for span in spans for t in span if start < t < end})
    found = []
    for a, b in zip(points, points[1:]):
        held = analysis.holders_at(events, a, initial)
        working = [h for h in held if not any(x <= a < y for x, y in out.get(h, ()))]
        if working:
            continue
        if found and found[-1][1] == a:
            found[-1] = (found[-1][0], b)
        else:
            found.append((a, b))
    return found


def total(intervals):
    """Summed length of intervals."""
    return sum(b - a for a, b in intervals)


def nearest_rank(values, percent):
    """The value at this percentile by nearest rank (p99 of 5 values is the largest), None if none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]
