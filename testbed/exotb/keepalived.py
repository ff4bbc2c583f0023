"""keepalived in the same namespaces, for the reference half of the bench.

VRRPv3 with unicast peers (no multicast needed on the bridge), one instance per host, the
virtual address 192.0.2.100 on eth0. The measurement watches `ip monitor address` in every
host, so "the address appears on the backup" is the kernel's own notification, stamped on
CLOCK_MONOTONIC when the line arrives here.
"""

import os
import signal
import subprocess
import tempfile
import threading
import time

from .cluster import namespaced, signal_group, spawn, tail
from .netns import VIRTUAL_ADDRESS, TestbedError, host_address

# Close priorities: the backup's skew time ((256 - priority) / 256 x advert) is then 1/16 of an
# advert, which is keepalived at its fastest; anything lower only makes it slower.
PRIORITIES = {1: 250, 2: 240, 3: 230, 4: 220, 5: 210}


def config_text(index, hosts, advert_int):
    peers = "\n".join("        %s" % host_address(i) for i in hosts if i != index)
    return """global_defs {
    router_id exotb-h%(index)d
    vrrp_version 3
    enable_script_security
}
vrrp_instance exotb {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %(priority)d
    advert_int %(advert)s
    unicast_src_ip %(src)s
    unicast_peer {
%(peers)s
    }
    virtual_ipaddress {
        %(vip)s/24 dev eth0
    }
}
""" % {"index": index, "priority": PRIORITIES[index], "advert": advert_int, "src": host_address(index),
       "peers": peers, "vip": VIRTUAL_ADDRESS}


class AddressWatch:
    """Follows `ip monitor address` in several namespaces; records (nanos, host, 'add'|'del') for the VIP."""

    def __init__(self, topology, hosts):
        self.events = []
        self.holders = set()
        self.cond = threading.Condition()
        self.procs = []
        for index in hosts:
            proc = spawn_pipe(topology.host(index), ["ip", "monitor", "address"])
            self.procs.append(proc)
            threading.Thread(target=self._read, args=(index, proc), daemon=True).start()
        # Whoever already holds the address (a previous run in this bed) counts from the start.
        for index in hosts:
            out = subprocess.run(["ip", "-n", topology.host(index), "-4", "addr", "show", "dev", "eth0"],
                                 stdout=subprocess.PIPE, text=True).stdout
            if (" %s/" % VIRTUAL_ADDRESS) in out:
                self.holders.add(index)

    def _read(self, index, proc):
        for raw in proc.stdout:
            now = time.monotonic_ns()
            line = raw.decode(errors="replace")
            if (" %s/" % VIRTUAL_ADDRESS) not in line:
                continue
            kind = "del" if line.startswith("Deleted") else "add"
            with self.cond:
                self.events.append((now, index, kind))
                if kind == "add":
                    self.holders.add(index)
                else:
                    self.holders.discard(index)
                self.cond.notify_all()

    def wait(self, predicate, timeout):
        """Waits until predicate(holders set) is true; returns whether it became so."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self.holders):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def first(self, after, kind, host=None, exclude=()):
        with self.cond:
            for t, index, k in self.events:
                if t >= after and k == kind and index not in exclude and (host is None or index == host):
                    return t
        return None

    def close(self):
        for proc in self.procs:
            signal_group(proc, signal.SIGKILL)
            proc.wait()


def spawn_pipe(namespace, argv):
    return subprocess.Popen(namespaced(namespace, argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, start_new_session=True)


class Keepalived:
    """One host's keepalived (VRRP only, not forking, logging to its file)."""

    def __init__(self, index, topology, workdir, hosts, advert_int):
        self.index = index
        self.namespace = topology.host(index)
        self.dir = os.path.join(workdir, "keepalived-h%d" % index)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "keepalived.conf")
        with open(self.conf, "w") as f:
            f.write(config_text(index, hosts, advert_int))
        self.log = os.path.join(workdir, "keepalived-h%d.log" % index)
        self.proc = None

    def start(self):
        # Fresh pid files each time: keepalived refuses to start over a file a killed one left.
        run_dir = tempfile.mkdtemp(prefix="run", dir=self.dir)
        argv = ["keepalived", "--dont-fork", "--log-console", "--log-detail", "--no-syslog", "--vrrp",
                "--use-file", self.conf, "--pid", os.path.join(run_dir, "keepalived.pid"),
                "--vrrp_pid", os.path.join(run_dir, "vrrp.pid"), "--config-id", "exotb-h%d" % self.index]
        self.proc = spawn(self.namespace, argv, self.log)
        return self

    def crash(self):
        """SIGKILL to the parent and its VRRP child at once, as a host dying would."""
        t = time.monotonic_ns()
        signal_group(self.proc, signal.SIGKILL)
        self.proc.wait()
        return t

    def stop(self):
        """SIGTERM: keepalived sends priority 0 and removes its address."""
        t = time.monotonic_ns()
        signal_group(self.proc, signal.SIGTERM)
        return t

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            signal_group(self.proc, signal.SIGKILL)
            self.proc.wait()
            raise TestbedError("keepalived on h%d did not stop within %ss; log:\n%s"
                               % (self.index, timeout, tail(self.log)))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.crash()
