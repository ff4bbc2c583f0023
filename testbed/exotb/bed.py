"""One run of the test bed: namespaces, stand-in and nodes, and their removal whatever happens."""

import os
import re
import shutil
import signal
import socket
import sys
import time

from . import netns
from .cluster import (Node, Standin, exoip_command, info_field, info_peers, signal_group, spawn, standin_command,
                      tail, wait_until)
from .dns import Resolver
from .netns import API_ADDRESS, API_NAME, RESOLVER_ADDRESS, TestbedError


class Bed:
    """Use as a context manager: everything created inside is removed on exit, also on errors."""

    def __init__(self, repo, hosts, spare_hosts=0, log=print, keep_logs=None, api_path=False, rtt_ms=0.0):
        """api_path: the stand-in over HTTPS by name, behind a router namespace whose delay line
        gives the path a round-trip time of rtt_ms, with a stateful firewall and the bed's resolver."""
        self.repo = repo
        self.host_count = hosts
        self.spare = spare_hosts
        self.log = log
        self.keep_logs = keep_logs
        self.api_path = api_path
        self.rtt_ms = rtt_ms
        self.delay_line = None
        self.resolver = None
        self.measured_rtt = None
        self.topology = netns.Topology(api_path=api_path)
        self.workdir = os.path.join(netns.WORKDIR_ROOT, "exoip-testbed.%d" % self.topology.run_id)
        self.exoip = None
        self.standin = None
        self.nodes = {}
        self.links_down = set()

    # ---- lifecycle

    def __enter__(self):
        removed = netns.clean_leftovers(log=self.log)
        if any(removed):
            self.log("cleanup: removed %d namespace(s) and %d folder(s) of earlier runs" % removed)
        os.makedirs(self.workdir, mode=0o700, exist_ok=True)
        try:
            self.exoip = exoip_command(self.repo)
            self.topology.create(self.host_count + self.spare)
            if self.api_path:
                self._start_api_path()
            self.standin = Standin(self.topology, self.workdir, standin_command(self.exoip, self.repo),
                                   self.host_count + self.spare, tls=self.api_path)
            self.standin.start(members=set(range(1, self.host_count + 1)))
            self.nodes = {i: Node(i, self.topology, self.standin, self.workdir, self.exoip)
                          for i in range(1, self.host_count + self.spare + 1)}
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        # A second Ctrl-C must not cut the removal short.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for node in self.nodes.values():
                if node.alive():
                    node.kill()
            if self.standin:
                self.standin.stop()
            if self.delay_line and self.delay_line.poll() is None:
                signal_group(self.delay_line, signal.SIGKILL)
                self.delay_line.wait()
            if self.resolver:
                self.resolver.close()
            self.topology.destroy()
            if self.keep_logs:
                os.makedirs(self.keep_logs, exist_ok=True)
                for name in os.listdir(self.workdir) if os.path.isdir(self.workdir) else []:
                    if name.endswith(".log"):
                        shutil.copy(os.path.join(self.workdir, name), self.keep_logs)
            shutil.rmtree(self.workdir, ignore_errors=True)
        finally:
            signal.signal(signal.SIGINT, previous)

    # ---- the API path

    def _start_api_path(self):
        """The delay line in the router namespace, the resolver on the bridge; checks both."""
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "delayline.py")
        self.delay_line = spawn(self.topology.router, [sys.executable, script, "lan", "wan", "%g" % (self.rtt_ms / 2)],
                                os.path.join(self.workdir, "delayline.log"))
        if not wait_until(lambda: "delay line" in tail(os.path.join(self.workdir, "delayline.log"))
                          or self.delay_line.poll() is not None, 20, poll=0.05) or self.delay_line.poll() is not None:
            raise TestbedError("the delay line did not start (exit %s); its log:\n%s"
                               % (self.delay_line.poll(), tail(os.path.join(self.workdir, "delayline.log"))))
        sock = netns.socket_in(self.topology.switch, socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((RESOLVER_ADDRESS, 53))
        self.resolver = Resolver(sock, "exotb.test", {API_NAME: [API_ADDRESS]}).start()
        self.measured_rtt = self.ping(1)
        if self.measured_rtt is None:
            raise TestbedError("h1 gets no ping answer from the API at %s through the delay line; its log:\n%s"
                               % (API_ADDRESS, tail(os.path.join(self.workdir, "delayline.log"))))
        self.log("API path: https://%s:%d by the bed's resolver at %s; ping h1 -> API rtt min/avg/max %s ms "
                 "(asked for %g ms); stateful firewall in %s"
                 % (API_NAME, netns.API_TLS_PORT, RESOLVER_ADDRESS, "/".join("%.1f" % x for x in self.measured_rtt),
                    self.rtt_ms, self.topology.api))

    def ping(self, index, count=10):
        """(min, avg, max) round-trip ms of `count` pings from host N to the API, or None; after
        one ping that is not counted (it also waits for ARP through the delay line)."""
        netns.run("ip", "netns", "exec", self.topology.host(index), "ping", "-n", "-q", "-c", "1", "-W", "2",
                  API_ADDRESS, check=False)
        out = netns.run("ip", "netns", "exec", self.topology.host(index), "ping", "-n", "-q", "-c", str(count),
                        "-i", "0.05", "-W", "2", API_ADDRESS, check=False)
        m = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/", out)
        return tuple(float(x) for x in m.groups()) if m else None

    def resolver_answers(self, on):
        """Starts (True) or stops (False) the resolver's answers; a stopped one drops queries."""
        self.resolver.answering = on

    # ---- nodes

    def iid(self, index):
        return self.standin.instances[index]

    def name_of(self, instance_id):
        for index, iid in self.standin.instances.items():
            if iid == instance_id:
                return "h%d" % index
        return instance_id[:8]

    def names(self, instance_ids):
        return "{%s}" % ",".join(sorted(self.name_of(i) for i in instance_ids))

    def start(self, priorities, interval, ratio, group=False, extra=(), network=False):
        """Starts exoip on the hosts of `priorities` ({index: priority}), each knowing the others;
        network: over the private network (with group), see Node.start."""
        peers = sorted(priorities)
        for index, priority in sorted(priorities.items()):
            self.nodes[index].start(interval, ratio, priority, peers=peers, group=group, extra=extra, network=network)

    def running(self):
        return [n for n in self.nodes.values() if n.alive()]

    def settle(self, master, timeout):
        """Waits until `master` alone holds the Elastic IP, says MASTER, and every other running
        node says BACKUP and sees it alive. Raises TestbedError with the logs if not."""
        def settled():
            if self.standin.holders() != {self.iid(master)}:
                return False
            for node in self.running():
                if node.index == master:
                    if node.state() != "MASTER":
                        return False
                else:
                    # One query a node and round: a node answers at most 20 info queries a second.
                    text = node.info()
                    peers = info_peers(text)
                    if info_field(text, "State") != "BACKUP" or not peers \
                            or peers.get(self.nodes[master].advert_address) != "alive":
                        return False
            return True

        if not wait_until(lambda: settled() or self.exited(), timeout, poll=0.1) or self.exited():
            raise TestbedError("the nodes did not settle with h%d as master within %ss; holders %s\n%s"
                               % (master, timeout, self.names(self.standin.holders()), self.logs()))

    def roles(self):
        """{node: state from info} of the running nodes; None for one that did not answer twice."""
        roles = {}
        for node in self.running():
            roles[node] = node.state()
            if roles[node] is None:
                roles[node] = node.state()
        return roles

    def agreement(self):
        """(ok, text): exactly one running node says MASTER and it alone holds the Elastic IP."""
        roles = self.roles()
        masters = [n for n, role in roles.items() if role == "MASTER"]
        silent = [n.name for n, role in roles.items() if role is None]
        holders = self.standin.holders()
        ok = len(masters) == 1 and holders == {masters[0].instance}
        return ok, "master by info %s, holders by API %s%s" % (
            "{%s}" % ",".join(n.name for n in masters), self.names(holders),
            ", no info answer from %s" % ",".join(silent) if silent else "")

    def exited(self):
        """Nodes that were started and died on their own (not killed by us)."""
        return [n for n in self.nodes.values() if n.proc is not None and n.proc.poll() is not None
                and not getattr(n, "expected_exit", False)]

    def stop_all(self):
        for node in self.nodes.values():
            if node.alive():
                node.kill()
            node.expected_exit = False
            # Not started, as far as exited() goes: a node this reset killed and the next scenario
            # does not start again (h4 after group-join) did not die on its own.
            node.proc = None

    def reset(self):
        """Back to a clean world between scenarios: nodes stopped, cables in, no loss, no faults."""
        self.stop_all()
        for index in list(self.links_down):
            self.topology.link(index, True)
        self.links_down.clear()
        self.topology.clear_loss()
        if self.resolver:
            self.resolver_answers(True)
        self.standin.reset()

    def logs(self, lines=20):
        parts = []
        for node in self.nodes.values():
            if node.proc is not None:
                parts.append("--- %s (%s)\n%s" % (node.name, node.log, tail(node.log, lines)))
        parts.append("--- stand-in\n%s" % tail(self.standin.log, 10))
        return "\n".join(parts)


def now():
    return time.monotonic_ns()
