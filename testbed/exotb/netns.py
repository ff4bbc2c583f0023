"""The namespace layer: hosts as network namespaces on one bridge, with no route out.

Every name carries the run's id (the testbed's PID), so parallel runs never clash and a
leftover is known by its prefix: ``exotb<PID>-sw`` holds the bridges, ``exotb<PID>-api`` the
stand-in API, ``exotb<PID>-h<N>`` host N. Only 192.0.2.0/24 (TEST-NET-1, the "public" bridge br0)
and 10.12.0.0/24 (the private network's bridge br1, hosts only) are used, and no namespace gets a
default route, so nothing a run sends can leave the machine.
"""

import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import time

PREFIX = "exotb"
NETWORK = "192.0.2.0/24"
PRIVATE_NETWORK = "10.12.0.0/24"  # the hosts' second link (eth1, bridge br1): a managed private network
API_ADDRESS = "192.0.2.2"
RESOLVER_ADDRESS = "192.0.2.3"  # the bed's DNS server, on the bridge (API-path mode)
API_NAME = "api.exotb.test"     # the stand-in's name in that mode
API_TLS_PORT = 8443
NETNS_ETC = "/etc/netns"        # ip netns exec mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf
VIRTUAL_ADDRESS = "192.0.2.100"  # keepalived's virtual address; exoip's Elastic IP only lives in the API
WORKDIR_ROOT = "/tmp"

_NAME = re.compile(r"^" + PREFIX + r"(\d+)-[a-z0-9]+$")
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class TestbedError(Exception):
    """A step of the test bed failed; the message says which command and why."""


def run(*cmd, check=True):
    """Runs a command, returns its standard output; raises TestbedError with its stderr on failure."""
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL)
    if check and done.returncode != 0:
        raise TestbedError("`%s` exited %d: %s" % (" ".join(cmd), done.returncode, done.stderr.strip()))
    return done.stdout


def host_address(index):
    """Host N (1-based) is 192.0.2.(10+N)."""
    if not 1 <= index <= 80:
        raise ValueError("host index %d out of 1..80" % index)
    return "192.0.2.%d" % (10 + index)


def private_address(index):
    """Host N's address on the private network, 10.12.0.(10+N): its lease in the stand-in."""
    if not 1 <= index <= 80:
        raise ValueError("host index %d out of 1..80" % index)
    return "10.12.0.%d" % (10 + index)


def socket_in(namespace, family=socket.AF_INET, kind=socket.SOCK_DGRAM, proto=0):
    """A socket that lives in another network namespace (setns on this thread, then back)."""
    with open("/run/netns/" + namespace) as target, open("/proc/thread-self/ns/net") as home:
        if _libc.setns(target.fileno(), _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise TestbedError("setns %s: %s" % (namespace, os.strerror(err)))
        try:
            return socket.socket(family, kind, proto)
        finally:
            if _libc.setns(home.fileno(), _CLONE_NEWNET) != 0:
                # This thread would keep talking from inside the test bed: stop at once.
                os._exit(70)


def _owner_alive(pid):
    """Whether a process with this PID runs and is a test bed (a reused PID is not)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmdline = f.read()
        return b"exotb" in cmdline or b"exoip-testbed" in cmdline
    except OSError:
        return False


def _kill_namespace(namespace):
    """SIGKILLs every process in a namespace, waits for them to go, then deletes it."""
    deadline = time.monotonic() + 5
    while True:
        pids = [int(p) for p in run("ip", "netns", "pids", namespace, check=False).split()]
        pids = [p for p in pids if p != os.getpid()]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    run("ip", "netns", "delete", namespace, check=False)
    # The resolv.conf of the API-path mode; /etc/netns itself too once no run uses it.
    shutil.rmtree(os.path.join(NETNS_ETC, namespace), ignore_errors=True)
    try:
        os.rmdir(NETNS_ETC)
    except OSError:
        pass


def leftovers(include_live=False):
    """Namespaces and work folders of test bed runs whose process is gone (or all, include_live)."""
    names = []
    for line in run("ip", "netns", "list", check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        m = _NAME.match(name)
        if m and (include_live or not _owner_alive(int(m.group(1)))) and int(m.group(1)) != os.getpid():
            names.append(name)
    folders = []
    for entry in os.listdir(WORKDIR_ROOT):
        m = re.match(r"^exoip-testbed\.(\d+)$", entry)
        if m and (include_live or not _owner_alive(int(m.group(1)))) and int(m.group(1)) != os.getpid():
            folders.append(os.path.join(WORKDIR_ROOT, entry))
    return names, folders


def clean_leftovers(include_live=False, log=print):
    """Removes what killed runs left behind; returns how many namespaces and folders went."""
    names, folders = leftovers(include_live)
    for name in names:
        log("cleanup: removing namespace %s and its processes" % name)
        _kill_namespace(name)
    for folder in folders:
        log("cleanup: removing %s" % folder)
        shutil.rmtree(folder, ignore_errors=True)
    return len(names), len(folders)


class Topology:
    """One run's namespaces: a switch, the API and N hosts. Not thread-safe; one owner thread."""

    def __init__(self, run_id=None, api_path=False):
        """api_path: the API behind a router namespace (delay line, stateful firewall, reached by
        name through the bed's resolver) instead of on the bridge; see create."""
        self.run_id = run_id if run_id is not None else os.getpid()
        self.switch = "%s%d-sw" % (PREFIX, self.run_id)
        self.api = "%s%d-api" % (PREFIX, self.run_id)
        self.router = "%s%d-rt" % (PREFIX, self.run_id)
        self.api_path = api_path
        self.hosts = {}  # index -> namespace
        self.created = []
        self._loss = set()
        self._public_drop = set()
        self._chaos = set()

    def host(self, index):
        return "%s%d-h%d" % (PREFIX, self.run_id, index)

    def create(self, hosts):
        """Creates the switch, the API namespace and hosts 1..hosts.

        With api_path the API hangs off a router namespace: bridge port papi - router `lan`,
        router `wan` - the API's eth0, the same /24 on both sides (the router forwards frames,
        see delayline.py); the bridge itself gets the resolver's address; the API's namespace
        gets the stateful firewall (see firewall).
        """
        self._add_namespace(self.switch)
        run("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge", "stp_state", "0",
            "forward_delay", "0", "mcast_snooping", "0")
        run("ip", "-n", self.switch, "link", "set", "br0", "up")
        # The private network: a second bridge that only the hosts are on (their eth1).
        run("ip", "-n", self.switch, "link", "add", "br1", "type", "bridge", "stp_state", "0",
            "forward_delay", "0", "mcast_snooping", "0")
        run("ip", "-n", self.switch, "link", "set", "br1", "up")
        if self.api_path:
            run("ip", "-n", self.switch, "addr", "add", RESOLVER_ADDRESS + "/24", "dev", "br0")
            self._add_namespace(self.router)
            run("ip", "-n", self.switch, "link", "add", "papi", "type", "veth", "peer", "name", "lan",
                "netns", self.router)
            run("ip", "-n", self.switch, "link", "set", "papi", "master", "br0", "up")
            self._add_namespace(self.api)
            run("ip", "-n", self.router, "link", "add", "wan", "type", "veth", "peer", "name", "eth0",
                "netns", self.api)
            for port in ("lan", "wan"):
                run("ip", "-n", self.router, "link", "set", port, "promisc", "on", "up")
                self._offloads_off(self.router, port)
            run("ip", "-n", self.api, "addr", "add", API_ADDRESS + "/24", "dev", "eth0")
            run("ip", "-n", self.api, "link", "set", "eth0", "up")
            self._offloads_off(self.api, "eth0")
            self.firewall()
        else:
            self._attach(self.api, "papi", API_ADDRESS)
        for index in range(1, hosts + 1):
            self.add_host(index)

    def add_host(self, index):
        """Creates host N's namespace, wired to the bridge with its address; returns its name."""
        namespace = self.host(index)
        self._attach(namespace, "p%d" % index, host_address(index))
        self._attach_private(namespace, index)
        self.hosts[index] = namespace
        if self.api_path:
            self._offloads_off(namespace, "eth0")
            folder = os.path.join(NETNS_ETC, namespace)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "resolv.conf"), "w") as f:
                # glibc's defaults otherwise (timeout 5 s, 2 attempts): a dead resolver costs what it costs.
                f.write("# exoip test bed %d\nnameserver %s\n" % (self.run_id, RESOLVER_ADDRESS))
        return namespace

    @staticmethod
    def _offloads_off(namespace, device):
        """Checksums, segmentation and GRO done in software before a frame reaches the delay line
        (which sends frames again as it got them); some features are fixed on veth, hence no check."""
        run("ip", "netns", "exec", namespace, "ethtool", "-K", device, "tx", "off", "sg", "off", "tso", "off",
            "gso", "off", "gro", "off", check=False)
        out = run("ip", "netns", "exec", namespace, "ethtool", "-k", device)
        if re.search(r"^tx-checksumming: on", out, re.M) or re.search(r"^generic-segmentation-offload: on", out, re.M):
            raise TestbedError("could not turn checksum and segmentation offloads off on %s in %s" % (device, namespace))

    def firewall(self):
        """A stateful firewall on the API's port, as a middlebox on the way to a cloud API: packets
        of known flows and the SYN of a new one pass, everything else is dropped silently. Loose
        tracking off, else conntrack would adopt a mid-stream packet of a forgotten flow."""
        run("ip", "netns", "exec", self.api, "sysctl", "-q", "-w", "net.netfilter.nf_conntrack_tcp_loose=0")
        rules = ("table inet exotb_fw {\n"
                 " chain in {\n  type filter hook input priority 0; policy accept;\n  iif \"lo\" accept\n"
                 "  tcp dport %(p)d ct state established,related accept\n"
                 "  tcp dport %(p)d tcp flags & (fin|syn|rst|ack) == syn ct state new accept\n"
                 "  tcp dport %(p)d counter drop\n }\n"
                 " chain out {\n  type filter hook output priority 0; policy accept;\n  oif \"lo\" accept\n"
                 "  tcp sport %(p)d ct state established,related accept\n"
                 "  tcp sport %(p)d counter drop\n }\n}\n" % {"p": API_TLS_PORT})
        done = subprocess.run(["ip", "netns", "exec", self.api, "nft", "-f", "-"], input=rules, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise TestbedError("nft in %s: %s" % (self.api, done.stderr.strip()))

    def forget_connections(self):
        """The firewall forgets every connection it tracks (`conntrack -F`); returns how many
        connections from the hosts to the API's port it tracked just before (-F does not say)."""
        listed = run("ip", "netns", "exec", self.api, "conntrack", "-L", "-p", "tcp", "--dport", str(API_TLS_PORT),
                     check=False)
        run("ip", "netns", "exec", self.api, "conntrack", "-F")
        return sum(1 for line in listed.splitlines() if "src=127." not in line and "ESTABLISHED" in line)

    def firewall_drops(self):
        """Packets the firewall dropped so far (both directions)."""
        out = run("ip", "netns", "exec", self.api, "nft", "list", "table", "inet", "exotb_fw", check=False)
        return sum(int(n) for n in re.findall(r"counter packets (\d+)", out))

    def _add_namespace(self, namespace):
        run("ip", "netns", "add", namespace)
        self.created.append(namespace)
        run("ip", "-n", namespace, "link", "set", "lo", "up")
        # IPv4 only: no router solicitations or DAD chatter in the measurements.
        run("ip", "netns", "exec", namespace, "sysctl", "-q", "-w",
            "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")

    def _attach(self, namespace, port, address):
        self._add_namespace(namespace)
        run("ip", "-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0",
            "netns", namespace)
        run("ip", "-n", self.switch, "link", "set", port, "master", "br0", "up")
        run("ip", "-n", namespace, "addr", "add", address + "/24", "dev", "eth0")
        run("ip", "-n", namespace, "link", "set", "eth0", "up")
        routes = run("ip", "-n", namespace, "-4", "route", "show", "default")
        if routes.strip():
            raise TestbedError("namespace %s has a default route: %s" % (namespace, routes.strip()))

    def _attach_private(self, namespace, index):
        """Host N's second link, eth1 on bridge br1 (port qN), with its private address."""
        port = "q%d" % index
        run("ip", "-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth1", "netns", namespace)
        run("ip", "-n", self.switch, "link", "set", port, "master", "br1", "up")
        run("ip", "-n", namespace, "addr", "add", private_address(index) + "/24", "dev", "eth1")
        run("ip", "-n", namespace, "link", "set", "eth1", "up")

    def link(self, index, up):
        """Cuts (up=False) or restores host N's cable at the switch."""
        run("ip", "-n", self.switch, "link", "set", "p%d" % index, "up" if up else "down")

    def advert_loss(self, index, percent, port=12345):
        """Drops this share of the UDP datagrams host N sends to `port` (0 removes the rule).

        tc netem is not in every kernel (not in this machine's), so the drop is an nftables rule
        with a random number per packet; it touches adverts only, never the API traffic.
        """
        namespace = self.host(index)
        if index in self._loss:
            subprocess.run(["ip", "netns", "exec", namespace, "nft", "delete", "table", "inet", "exotb"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._loss.discard(index)
        if percent <= 0:
            return
        rules = ("table inet exotb {\n chain out {\n  type filter hook output priority 0; policy accept;\n"
                 "  udp dport %d numgen random mod 100 < %d counter drop\n }\n}\n" % (port, int(percent)))
        done = subprocess.run(["ip", "netns", "exec", namespace, "nft", "-f", "-"], input=rules, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise TestbedError("nft in %s: %s" % (namespace, done.stderr.strip()))
        self._loss.add(index)

    def public_advert_drop(self, index, on, port=12345):
        """Host N's public link (eth0) drops every UDP datagram to or from the advert port, both
        ways (on=False removes the rule); the private link, the API and info are untouched."""
        namespace = self.host(index)
        if index in self._public_drop:
            subprocess.run(["ip", "netns", "exec", namespace, "nft", "delete", "table", "inet", "exotb_pub"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._public_drop.discard(index)
        if not on:
            return
        done = subprocess.run(["ip", "netns", "exec", namespace, "nft", "-f", "-"],
                              input=public_drop_rules(port), text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise TestbedError("nft in %s: %s" % (namespace, done.stderr.strip()))
        self._public_drop.add(index)

    def public_dropped(self, index):
        """Datagrams the public-link rule of host N dropped so far."""
        out = run("ip", "netns", "exec", self.host(index), "nft", "list", "table", "inet", "exotb_pub", check=False)
        return sum(int(n) for n in re.findall(r"counter packets (\d+)", out))

    def chaos(self, index, rules):
        """Installs the nftables table `exotb_chaos` of the chaos run in host N (rules: its text,
        from faultplan), replacing the one there; rules=None removes it."""
        namespace = self.host(index)
        if index in self._chaos:
            subprocess.run(["ip", "netns", "exec", namespace, "nft", "delete", "table", "inet", "exotb_chaos"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._chaos.discard(index)
        if rules is None:
            return
        done = subprocess.run(["ip", "netns", "exec", namespace, "nft", "-f", "-"], input=rules, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise TestbedError("nft in %s: %s" % (namespace, done.stderr.strip()))
        self._chaos.add(index)

    def clear_loss(self):
        """Removes every loss, public-link drop and chaos rule this run added."""
        for index in list(self._loss):
            self.advert_loss(index, 0)
        for index in list(self._public_drop):
            self.public_advert_drop(index, False)
        for index in list(self._chaos):
            self.chaos(index, None)

    def dropped(self, index):
        """Packets the loss rule of host N dropped so far."""
        out = run("ip", "netns", "exec", self.host(index), "nft", "list", "table", "inet", "exotb", check=False)
        m = re.search(r"counter packets (\d+)", out)
        return int(m.group(1)) if m else 0

    def destroy(self):
        """Kills every process left in this run's namespaces and deletes them, newest first."""
        for namespace in reversed(self.created):
            _kill_namespace(namespace)
        self.created.clear()
        self.hosts.clear()


def public_drop_rules(port):
    """The nftables table that makes a host's public link (eth0) drop advert traffic, both ways:
    UDP to the advert port (adverts, info) out of eth0, and into it."""
    return ("table inet exotb_pub {\n"
            " chain out {\n  type filter hook output priority 0; policy accept;\n"
            "  oifname \"eth0\" udp dport %(p)d counter drop\n }\n"
            " chain in {\n  type filter hook input priority 0; policy accept;\n"
            "  iifname \"eth0\" udp dport %(p)d counter drop\n }\n}\n" % {"p": port})
