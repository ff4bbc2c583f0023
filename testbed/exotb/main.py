"""exoip-testbed's commands; run through the testbed/exoip-testbed wrapper (which checks root and tools)."""

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from exotb import netns  # noqa: E402
from exotb.bed import Bed  # noqa: E402
from exotb.netns import TestbedError  # noqa: E402
from exotb.bench import ROWS  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def say(text):
    print(text, flush=True)


def _terminate(signum, frame):
    # SIGTERM and SIGHUP end the run like Ctrl-C: the `with Bed` blocks remove what they made.
    raise KeyboardInterrupt("signal %d" % signum)


def cmd_up(args):
    from exotb.cluster import ELASTIC_IP
    with Bed(REPO, args.hosts, log=say, keep_logs=args.keep_logs, api_path=args.api_path == "tls",
             rtt_ms=args.api_rtt) as bed:
        priorities = {i: 9 + i for i in range(1, args.hosts + 1)}
        bed.start(priorities, args.interval, args.ratio)
        say("test bed %d: %d hosts, stand-in API in %s at 192.0.2.2:%d, logs in %s"
            % (bed.topology.run_id, args.hosts, bed.topology.api, bed.standin.port, bed.workdir))
        for i, node in sorted(bed.nodes.items()):
            say("  %s  %-18s %s  priority %d  instance %s" % (node.name, node.namespace, node.address,
                                                                priorities[i], node.instance))
        say("ask a node:  ip netns exec %s sh -c 'echo -n info | nc -4u -w1 %s 12345'"
            % (bed.nodes[1].namespace, bed.nodes[1].address))
        say("Ctrl-C stops the nodes and removes the namespaces.")
        bed.settle(1, timeout=60)
        last = None
        while True:
            holders = bed.names(bed.standin.holders())
            if holders != last:
                say("%s  %s held by %s" % (time.strftime("%H:%M:%S"), ELASTIC_IP, holders))
                last = holders
            for node in bed.exited():
                say("%s exited with %s; its log: %s" % (node.name, node.proc.returncode, node.log))
                node.expected_exit = True
            time.sleep(0.2)


def cmd_scenarios(args):
    from exotb.scenarios import API_PATH_SCENARIOS, Params, Scenarios
    started = time.monotonic()
    only = set(args.only.split(",")) if args.only else None
    results = []
    # The API-path scenarios need the path (TLS by name, delay, firewall, resolver): a bed of their
    # own unless the whole run is on it.
    on_path = args.api_path == "tls"
    plain = None if on_path else {n for n in (only or Scenarios.names()) if n not in API_PATH_SCENARIOS}
    if plain is None or plain:
        with Bed(REPO, 3, spare_hosts=1, log=say, keep_logs=args.keep_logs, api_path=on_path,
                 rtt_ms=args.api_rtt) as bed:
            results += Scenarios(bed, Params(args.quick), out=say).run(only if on_path else plain)
    path = None if on_path else [n for n in API_PATH_SCENARIOS if only is None or n in only]
    if path:
        with Bed(REPO, 3, log=say, keep_logs=args.keep_logs, api_path=True,
                 rtt_ms=args.api_rtt if args.api_rtt_given else 30.0) as bed:
            results += Scenarios(bed, Params(args.quick), out=say).run(set(path))
    failed = [r for r in results if not r.ok]
    say("%d passed, %d failed" % (len(results) - len(failed), len(failed)))
    say("scenarios%s took %.0f s" % (" --quick" if args.quick else "", time.monotonic() - started))
    return 1 if failed or not results else 0


def cmd_bench(args):
    from exotb.bench import run_bench
    return run_bench(REPO, args, say)


def cmd_chaos(args):
    from exotb.chaos import Chaos
    started = time.monotonic()
    with Bed(REPO, args.nodes[1], log=say, keep_logs=args.keep_logs) as bed:
        chaos = Chaos(bed, interval=args.interval, ratio=args.ratio, duration=args.duration, settle=args.settle,
                      nodes=args.nodes, out=say, keep_logs=args.keep_logs)
        say("chaos: seeds %s, %d-%d nodes, -t %g -r %d, faults for %g s a seed, settle %g s; limits: several "
            "holders %.1f s, convergence %.2f s" % (args.seeds_text, args.nodes[0], args.nodes[1], args.interval,
                                                   args.ratio, args.duration, args.settle, chaos.two_holder_limit,
                                                   chaos.convergence_limit))
        results = chaos.run(args.seeds)
    say(chaos.summary(results))
    failed = [r.seed for r in results if not r.ok]
    if failed:
        say("replay one: testbed/exoip-testbed%s chaos --seeds %d --nodes %d-%d --interval %g --ratio %d --duration %g"
            % (" --keep-logs DIR" if not args.keep_logs else " --keep-logs %s" % args.keep_logs, failed[0],
               args.nodes[0], args.nodes[1], args.interval, args.ratio, args.duration))
    say("chaos took %.0f s" % (time.monotonic() - started))
    return 1 if failed else 0


def _commit():
    """This checkout's commit (short), with "+changes" when its tracked files differ from it."""
    import subprocess
    head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", REPO, "diff", "--quiet", "HEAD"], stderr=subprocess.DEVNULL).returncode
    return head + (" + changes" if dirty else "")


def cmd_scorecard(args):
    from exotb.bench import load_average, machine
    from exotb.scorecard import CLASSES, Scorecard, table, write_section
    started = time.monotonic()
    only = set(args.only.split(",")) if args.only else None
    with Bed(REPO, 3, log=say, keep_logs=args.keep_logs) as bed:
        say("scorecard: %d trial(s) a class, -t %g -r %d" % (args.trials, args.interval, args.ratio))
        results = Scorecard(bed, args.interval, args.ratio, out=say).run(args.trials, only)
    took = time.monotonic() - started
    say(table(results, args.trials))
    if args.markdown:
        write_section(args.markdown, results, args.trials, args.interval, args.ratio,
                      "%s; load average %s at the end" % (machine(), load_average()), took, _commit())
        say("wrote %s" % args.markdown)
    say("scorecard took %.0f s" % took)
    return 0 if results and all(len(rows) == args.trials for rows in results.values()) else 1


def cmd_cleanup(args):
    names, folders = netns.clean_leftovers(include_live=args.all, log=say)
    say("cleanup: %d namespace(s) and %d folder(s) removed" % (names, folders))
    return 0


def rtt_option(text):
    from exotb.delayline import parse_rtt_ms
    try:
        return parse_rtt_ms(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def add_api_path(parser, what):
    parser.add_argument("--api-path", choices=("plain", "tls"), default="plain",
                        help="plain: HTTP to 192.0.2.2:8080 on the bridge (default); tls: HTTPS to "
                             "api.exotb.test:8443 by the bed's resolver, behind a router with a delay line "
                             "and a stateful firewall" + what)
    parser.add_argument("--api-rtt", type=rtt_option, default=None, metavar="RTT",
                        help="round-trip time the delay line adds on the API path, e.g. 30ms (default 0; "
                             "30ms for the API-path scenarios)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="exoip-testbed", description="Multi-host test bed for exoip "
                                     "in network namespaces (see testbed/README.md).")
    parser.add_argument("--keep-logs", metavar="DIR", help="copy every process's log to DIR before removal")
    sub = parser.add_subparsers(dest="command")
    up = sub.add_parser("up", help="build N hosts, run exoip -W in each until Ctrl-C (the default)")
    up.add_argument("-n", "--hosts", type=int, default=3)
    up.add_argument("-t", "--interval", default="1")
    up.add_argument("-r", "--ratio", type=int, default=3)
    add_api_path(up, "")
    sc = sub.add_parser("scenarios", help="failure scenarios, PASS/FAIL each; exit 1 if any fails")
    sc.add_argument("--quick", action="store_true", help="shorter watches and -t 0.5, for CI")
    sc.add_argument("--only", metavar="NAMES", help="comma-separated scenario names")
    add_api_path(sc, " (idle-forgotten and resolver-down always run on it, in a bed of their own)")
    be = sub.add_parser("bench", help="failover times of exoip and keepalived")
    be.add_argument("--trials", type=int, default=20)
    be.add_argument("--intervals", default="1,0.1", help="advert intervals to measure (default 1,0.1)")
    be.add_argument("--no-keepalived", action="store_true")
    be.add_argument("--no-exoip", action="store_true")
    be.add_argument("--markdown", metavar="FILE", help="also write the report (BENCHMARKS.md) to FILE")
    be.add_argument("--only", metavar="ROWS", help="comma-separated rows: %s (default: all)"
                    % ",".join(ROWS))
    be.add_argument("--api-rtt", type=rtt_option, default=None, metavar="RTT",
                    help="round-trip time of the API path's rows but tls (default 30ms)")
    be.add_argument("--op-delay", type=int, default=1000, metavar="MS",
                    help="the stand-in's operation delay of the op-delay row (default 1000)")
    be.add_argument("--command-line", default=None, help=argparse.SUPPRESS)
    ch = sub.add_parser("chaos", help="seeded random faults against 3-5 nodes, judged from the stand-in's "
                        "attach/detach log; exit 1 if a seed fails")
    ch.add_argument("--seeds", default=None, metavar="RANGE", help="seeds to play, e.g. 1-20 or 1-3,7 (default 1-20; "
                    "--quick: 1-3); a seed replays the same schedule")
    ch.add_argument("--nodes", default="3-5", metavar="RANGE", help="how many nodes a seed draws from (default 3-5)")
    ch.add_argument("-t", "--interval", type=float, default=0.5, help="advert interval, seconds (default 0.5)")
    ch.add_argument("-r", "--ratio", type=int, default=3, help="dead ratio (default 3)")
    ch.add_argument("--duration", type=float, default=None, metavar="S",
                    help="seconds of faults a seed (default 60; --quick: 30)")
    ch.add_argument("--settle", type=float, default=8.0, metavar="S",
                    help="seconds watched after the last heal (default 8)")
    ch.add_argument("--quick", action="store_true", help="a few short seeds, for CI: --seeds 1-3 --duration 30 "
                    "unless given")
    sco = sub.add_parser("scorecard", help="per failure class: time without a working holder (median, p99) and "
                         "the longest two-holder window")
    sco.add_argument("--trials", type=int, default=5, help="trials a class (default 5)")
    sco.add_argument("-t", "--interval", type=float, default=0.5, help="advert interval, seconds (default 0.5)")
    sco.add_argument("-r", "--ratio", type=int, default=3, help="dead ratio (default 3)")
    sco.add_argument("--only", metavar="CLASSES", help="comma-separated failure classes (default: all)")
    sco.add_argument("--markdown", metavar="FILE", help="also write the scorecard's section into FILE (BENCHMARKS.md)")
    cl = sub.add_parser("cleanup", help="remove what killed runs left (namespaces, processes, folders)")
    cl.add_argument("--all", action="store_true", help="also the namespaces of runs still alive")
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["up"] + (argv if argv is not None else sys.argv[1:]))
    for keep in (args.keep_logs,):
        if keep:
            args.keep_logs = os.path.abspath(keep)
    if hasattr(args, "api_rtt"):
        args.api_rtt_given = args.api_rtt is not None
        args.api_rtt = args.api_rtt if args.api_rtt is not None else 0.0
    if getattr(args, "command", None) == "bench" and args.only:
        unknown = sorted(set(args.only.split(",")) - set(ROWS))
        if unknown:
            parser.error("--only: unknown row(s) %s (expected some of: %s)" % (",".join(unknown), ",".join(ROWS)))
    if getattr(args, "command", None) == "scenarios" and args.only:
        from exotb.scenarios import Scenarios
        unknown = sorted(set(args.only.split(",")) - set(Scenarios.names()))
        if unknown:
            parser.error("--only: unknown scenario(s) %s (expected some of: %s)"
                         % (",".join(unknown), ",".join(Scenarios.names())))

    if getattr(args, "command", None) == "chaos":
        from exotb import faultplan
        args.seeds_text = args.seeds or ("1-3" if args.quick else "1-20")
        args.duration = args.duration if args.duration is not None else (30.0 if args.quick else 60.0)
        try:
            args.seeds = faultplan.parse_range(args.seeds_text, "--seeds")
            nodes = faultplan.parse_range(args.nodes, "--nodes")
        except ValueError as e:
            parser.error(str(e))
        args.nodes = (nodes[0], nodes[-1])
        if args.nodes[0] < 2 or args.nodes[1] > 9:
            parser.error("--nodes: from 2 to 9 nodes (expected e.g. 3-5)")
        if args.interval <= 0 or args.ratio < 1 or args.duration <= 0 or args.settle < 0:
            parser.error("chaos: -t, --duration must be above 0, -r at least 1, --settle not negative")

    # Also when started in the background, where the shell leaves SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    if getattr(args, "command", None) == "scorecard":
        from exotb.scorecard import CLASSES
        known = [name for name, _ in CLASSES]
        unknown = sorted(set(args.only.split(",")) - set(known)) if args.only else []
        if unknown:
            parser.error("--only: unknown class(es) %s (expected some of: %s)" % (",".join(unknown), ",".join(known)))
        if args.trials < 1:
            parser.error("--trials %d: at least 1" % args.trials)
    handlers = {"up": cmd_up, "scenarios": cmd_scenarios, "bench": cmd_bench, "chaos": cmd_chaos,
                "scorecard": cmd_scorecard,
                "cleanup": cmd_cleanup}
    try:
        return handlers[args.command](args) or 0
    except KeyboardInterrupt:
        say("exoip-testbed: interrupted; everything it created is removed")
        return 130
    except TestbedError as e:
        say("exoip-testbed: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
