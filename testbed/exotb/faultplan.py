"""The seeded fault schedule of `exoip-testbed chaos`, and the nftables rules its network faults use.

Pure: draw(seed, ...) gives the same plan for the same seed and options on any machine, so a
failing seed replays from its number. Tested in testbed/tests/test_faultplan.py.
"""

import random
from collections import namedtuple

# One fault: kind (see KINDS), target (a host index, or HOLDER: whoever holds the address when the
# fault starts, resolved by the runner), at (seconds after the first fault), duration (seconds
# until it heals; 0 for a signal that is only sent), params (per kind: groups of a split,
# percentage of loss, the API fault's flavour and delay).
Fault = namedtuple("Fault", "kind target at duration params")
Plan = namedtuple("Plan", "seed nodes priorities faults")

HOLDER = "holder"

# kind -> weight. Process faults: kill (-9, restarted after the duration), stop (SIGSTOP, SIGCONT
# after the duration, always longer than the dead time), term (SIGTERM, restarted after the
# duration), usr1, usr2, hup (a signal, nothing to heal). Network: isolate (one node's adverts
# dropped both ways on its public link, the API reachable), oneway (its adverts out, or in,
# only), split (two groups that cannot hear each other), loss (every node drops 20-50 % of the
# adverts it sends), blackhole (one node's packets to and from the API dropped). api: one node's
# API calls answered badly (see API_FLAVOURS).
KINDS = (("kill", 2.0), ("stop", 2.0), ("term", 1.0), ("usr1", 0.5), ("usr2", 0.5), ("hup", 0.5),
         ("isolate", 1.5), ("oneway", 1.0), ("split", 1.5), ("loss", 1.0), ("blackhole", 1.0), ("api", 3.0))
# Flavours of the api kind: 500, 503, 429 with Retry-After, an HTML 502 page, slow answers,
# answers that hang until healed, and ambiguous writes (done, answered 504).
API_FLAVOURS = ("500", "503", "429", "html", "slow", "hang", "ambiguous")
# Flavours under which a node's API calls all fail: it is cut off from the API.
API_CUT = ("500", "503", "429", "html", "hang")
# Kinds after which the target process must come back (restarted or continued) at the heal.
PROCESS_KINDS = ("kill", "stop", "term")
SIGNAL_KINDS = ("usr1", "usr2", "hup")

GAP = (1.5, 5.0)           # seconds between the starts of two faults
DOWN = (1.0, 4.0)          # seconds a killed or terminated node stays down
STOP_EXTRA = (0.5, 3.0)    # seconds a stop lasts beyond the dead time
NETWORK = (1.5, 6.0)       # seconds a network or API fault lasts
LOSS = (20, 50)            # percent of adverts dropped
SLOW_MS = (1000, 3000)     # delay of a slow API answer
PRIORITY_POOL = range(10, 60, 2)  # even numbers: one SIGUSR1/2 (a step of 1) makes no tie


def parse_range(text, what):
    """'1-20', '4', '1-3,7' -> sorted list of ints; ValueError naming `what` otherwise."""
    values = set()
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                if low > high:
                    raise ValueError
                values.update(range(low, high + 1))
            else:
                values.add(int(part))
    except ValueError:
        raise ValueError("%s %r is not a number or range (expected e.g. 1-20, 4 or 1-3,7)" % (what, text))
    if not values:
        raise ValueError("%s %r is empty" % (what, text))
    return sorted(values)


def draw(seed, nodes=(3, 5), duration=60.0, interval=0.5, ratio=3):
    """The plan of one seed: how many nodes (from the inclusive range `nodes`), their priorities
    (lower is better), and faults whose starts are GAP apart, never overlapping (a fault still in
    force delays the next one until it heals), the last starting before `duration` seconds."""
    rng = random.Random(seed)
    count = rng.randint(nodes[0], nodes[1])
    priorities = dict(zip(range(1, count + 1), rng.sample(list(PRIORITY_POOL), count)))
    dead = interval * ratio
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    faults = []
    at = rng.uniform(*GAP)
    while at < duration:
        kind = rng.choices(kinds, weights)[0]
        target = HOLDER if rng.random() < 0.4 else rng.randint(1, count)
        params = {}
        if kind in ("kill", "term"):
            length = rng.uniform(*DOWN)
        elif kind == "stop":
            length = dead + rng.uniform(*STOP_EXTRA)
        elif kind in SIGNAL_KINDS:
            length = 0.0
        else:
            length = rng.uniform(*NETWORK)
            if kind == "oneway":
                params["direction"] = rng.choice(("out", "in"))
            elif kind == "split":
                size = rng.randint(1, count // 2)
                side = sorted(rng.sample(range(1, count + 1), size))
                params["groups"] = (side, [i for i in range(1, count + 1) if i not in side])
                target = None
            elif kind == "loss":
                params["percent"] = rng.randint(*LOSS)
                target = None
            elif kind == "api":
                params["flavour"] = rng.choice(API_FLAVOURS)
                if params["flavour"] == "slow":
                    params["delay_ms"] = rng.randint(*SLOW_MS)
        faults.append(Fault(kind, target, round(at, 3), round(length, 3), params))
        at = max(at + rng.uniform(*GAP), at + length + 0.5)
    return Plan(seed, count, priorities, faults)


def describe(fault):
    """One short line: 'kill h2 for 2.3 s', 'split {h1}|{h2,h3} for 4.0 s', 'api 503 holder for 2.1 s'."""
    who = "holder" if fault.target == HOLDER else ("h%d" % fault.target if fault.target else "")
    what = fault.kind
    if fault.kind == "split":
        who = "|".join("{%s}" % ",".join("h%d" % i for i in g) for g in fault.params["groups"])
    elif fault.kind == "loss":
        what = "loss %d %%" % fault.params["percent"]
    elif fault.kind == "oneway":
        what = "oneway-%s" % fault.params["direction"]
    elif fault.kind == "api":
        what = "api-%s" % fault.params["flavour"]
    text = ("%s %s" % (what, who)).strip()
    return text + (" for %.1f s" % fault.duration if fault.duration else "")


# ---- nftables rules (one table a host, exotb_chaos, chains in and out on the public link)

ADVERT_PORT = 12345


def _table(inbound, outbound):
    return ("table inet exotb_chaos {\n"
            " chain in {\n  type filter hook input priority 0; policy accept;\n%s }\n"
            " chain out {\n  type filter hook output priority 0; policy accept;\n%s }\n}\n"
            % ("".join("  %s counter drop\n" % r for r in inbound), "".join("  %s counter drop\n" % r for r in outbound)))


def isolate_rules(port=ADVERT_PORT):
    """The host hears no advert and sends none on its public link; the API (TCP) is untouched."""
    rule = 'udp dport %d' % port
    return _table(['iifname "eth0" ' + rule], ['oifname "eth0" ' + rule])


def oneway_rules(direction, port=ADVERT_PORT):
    """Adverts dropped one way only: 'out' (the others stop hearing it) or 'in' (it stops hearing them)."""
    rule = 'udp dport %d' % port
    if direction == "out":
        return _table([], ['oifname "eth0" ' + rule])
    if direction == "in":
        return _table(['iifname "eth0" ' + rule], [])
    raise ValueError("direction %r (expected: in or out)" % direction)


def split_rules(others, port=ADVERT_PORT):
    """Adverts to and from the addresses of the other side dropped."""
    addresses = ", ".join(others)
    return _table(['iifname "eth0" ip saddr { %s } udp dport %d' % (addresses, port)],
                  ['oifname "eth0" ip daddr { %s } udp dport %d' % (addresses, port)])


def loss_rules(percent, port=ADVERT_PORT):
    """This share of the adverts the host sends dropped at random (no netem in this kernel)."""
    return _table([], ['udp dport %d numgen random mod 100 < %d' % (port, int(percent))])


def blackhole_rules(api_address, api_port):
    """Every packet between the host and the API dropped, both ways: connections hang, new ones time out."""
    return _table(['ip saddr %s tcp sport %d' % (api_address, api_port)],
                  ['ip daddr %s tcp dport %d' % (api_address, api_port)])
