"""Processes of a run: the stand-in Exoscale API and one `exoip -W` per host.

Every process runs in its namespace through `ip netns exec`, in a session of its own (so a
Ctrl-C on the terminal reaches only the test bed, which then stops them in order) and with a
parent-death signal, so that a test bed killed with -9 takes them along.
"""

import http.client
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import time
import uuid

from . import analysis
from .netns import API_ADDRESS, API_NAME, API_TLS_PORT, TestbedError, host_address, private_address, socket_in

ELASTIC_IP = "198.51.100.50"  # TEST-NET-2: a value in the stand-in's records, never on an interface
API_PORT = 8080
ADVERT_PORT = 12345
GROUP = "exoip-peers"
# Two more Elastic IPs for the scenario of one watchdog keeping several (-xi ELASTIC_IP,...).
MORE_ELASTIC_IPS = ("198.51.100.51", "198.51.100.52")
PRIVATE_NETWORK_NAME = "exoip-private"  # the managed private network on br1, leasing each host its eth1 address
API_KEY = "EXOtestbed0000000000000001"
# The JVM's DNS cache in the API-path mode, seconds (30 by default): "resolver down" must outlast
# it, and with 1 s a scenario need not wait half a minute for that (see testbed/README.md).
JVM_DNS_TTL = 1

def namespaced(namespace, argv):
    """argv run inside a namespace, killed (SIGKILL) if the test bed dies.

    setpriv sets the parent-death signal in the child, so no Python runs between fork and exec
    (preexec_fn is not safe while the address-watch threads run); `ip netns exec` keeps it.
    """
    return ["setpriv", "--pdeathsig", "SIGKILL", "ip", "netns", "exec", namespace] + list(argv)


def wait_until(condition, timeout, poll=0.03):
    """Polls `condition` until it returns a true value or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(poll)


def spawn(namespace, argv, log_path, env=None):
    """Starts argv inside a namespace, output appended to log_path; returns the Popen."""
    log = open(log_path, "ab", buffering=0)
    log.write(("=== %s: %s\n" % (time.strftime("%H:%M:%S"), " ".join(argv))).encode())
    try:
        return subprocess.Popen(namespaced(namespace, argv), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, env=env)
    finally:
        log.close()


def signal_group(proc, sig):
    """Sends a signal to a process's whole session (launcher script and JVM alike)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def tail(path, lines=25):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-lines:]).decode(errors="replace")
    except OSError:
        return ""


def exoip_command(repo):
    """How to run exoip: $EXOIP_CMD, else the launcher bin/exoip, else java -jar the built jar."""
    if os.environ.get("EXOIP_CMD"):
        return os.environ["EXOIP_CMD"].split()
    launcher = os.path.join(repo, "bin", "exoip")
    if os.access(launcher, os.X_OK) and os.path.isfile(launcher):
        return [launcher]
    jar = os.path.join(repo, "app", "target", "exoip.jar")
    if os.path.isfile(jar):
        return ["java", "-jar", jar]
    raise TestbedError("no exoip to run: build it with `cd %s && mvn -B -q -DskipTests package`"
                       " (or set EXOIP_CMD)" % repo)


def standin_command(exoip, repo):
    """How to run the stand-in: `exoip standin`, or its class straight from the jar while the
    subcommand is not wired into the CLI yet."""
    try:
        probe = subprocess.run(exoip + ["standin", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=60, text=True)
        if probe.returncode == 0 and "--control-from-any-address" in probe.stdout:
            return exoip + ["standin"]
    except (OSError, subprocess.TimeoutExpired):
        pass
    jar = next((a for a in exoip if a.endswith(".jar")), os.path.join(repo, "app", "target", "exoip.jar"))
    return ["java", "-cp", jar, "org.exoip.exoscale.standin.StandinCommand"]


class _NamespacedHTTP(http.client.HTTPConnection):
    """An HTTP connection whose socket lives in another network namespace."""

    def __init__(self, namespace, host, port, timeout):
        super().__init__(host, port, timeout=timeout)
        self.namespace = namespace

    def connect(self):
        self.sock = socket_in(self.namespace, socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect((self.host, self.port))


class _NamespacedHTTPS(_NamespacedHTTP):
    """The same over TLS, trusting only the stand-in's own certificate."""

    def __init__(self, namespace, host, port, timeout, context):
        super().__init__(namespace, host, port, timeout)
        self.context = context

    def connect(self):
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)


class Standin:
    """The stand-in API in the API namespace, steered through its control API on that namespace's loopback."""

    def __init__(self, topology, workdir, command, hosts, tls=False):
        """command: the stand-in's argv prefix (see standin_command); tls: serve HTTPS on
        API_TLS_PORT with a self-signed certificate for API_NAME (and 127.0.0.1, for control)."""
        self.topology = topology
        self.workdir = workdir
        self.command = command
        self.tls = tls
        self.port = API_TLS_PORT if tls else API_PORT
        self.ca_file = os.path.join(workdir, "api-ca.pem")
        self._context = None
        self.secret_file = os.path.join(workdir, "api-secret")
        self.log = os.path.join(workdir, "standin.log")
        self.elastic_ip_id = str(uuid.uuid4())
        # Every Elastic IP of the world by address: ELASTIC_IP and MORE_ELASTIC_IPS.
        self.elastic_ip_ids = {ELASTIC_IP: self.elastic_ip_id}
        self.elastic_ip_ids.update({ip: str(uuid.uuid4()) for ip in MORE_ELASTIC_IPS})
        self.instances = {i: str(uuid.uuid4()) for i in range(1, hosts + 1)}
        self.proc = None

    def write_config(self, members):
        """The world: one instance per host (members in the peers' group), one free Elastic IP, and
        the managed private network of the hosts' eth1, leasing each host its address there."""
        with open(self.secret_file, "w") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
        os.chmod(self.secret_file, 0o600)
        config = {
            "zone": "ch-gva-2",
            "operation-delay-ms": 0,
            "credentials": [{"key": API_KEY, "secret-file": self.secret_file}],
            "security-groups": [{"name": GROUP, "description": "exoip test bed peers"}],
            "instances": [{"id": iid, "name": "h%d" % i, "public-ip": host_address(i),
                           "security-groups": [GROUP] if i in members else []}
                          for i, iid in sorted(self.instances.items())],
            "elastic-ips": [{"id": eid, "ip": ip, "description": "exoip test bed", "attached-to": []}
                            for ip, eid in self.elastic_ip_ids.items()],
            "private-networks": [{"name": PRIVATE_NETWORK_NAME, "description": "exoip test bed, bridge br1",
                                  "start-ip": private_address(1), "end-ip": private_address(80),
                                  "netmask": "255.255.255.0",
                                  "leases": [{"instance": iid, "ip": private_address(i)}
                                             for i, iid in sorted(self.instances.items())]}],
        }
        path = os.path.join(self.workdir, "standin.json")
        with open(path, "w") as f:
            json.dump(config, f, indent=2)
        return path

    def start(self, members, timeout=60):
        config = self.write_config(members)
        # 0.0.0.0 inside the API namespace: the hosts reach 192.0.2.2, the control API stays on loopback.
        argv = self.command + ["--listen", "0.0.0.0:%d" % self.port, "--config", config]
        if self.tls:
            argv += ["--tls-self-signed", "--tls-name", "%s,127.0.0.1" % API_NAME, "--tls-write-ca", self.ca_file]
        self.proc = spawn(self.topology.api, argv, self.log)
        if not wait_until(lambda: self.proc.poll() is not None or self._answers(), timeout, poll=0.1) \
                or self.proc.poll() is not None:
            raise TestbedError("the stand-in did not start (exit %s); its log:\n%s" % (self.proc.poll(),
                                                                                      tail(self.log)))

    def _answers(self):
        if self.tls and self._context is None:
            if not os.path.exists(self.ca_file):
                return False
            self._context = ssl.create_default_context(cafile=self.ca_file)
        try:
            return self.request("GET", "/_standin/state", timeout=1)[0] == 200
        except OSError:
            return False

    def request(self, method, path, body=None, timeout=5):
        """One control call; returns (status, parsed JSON or None)."""
        if self.tls:
            conn = _NamespacedHTTPS(self.topology.api, "127.0.0.1", self.port, timeout, self._context)
        else:
            conn = _NamespacedHTTP(self.topology.api, "127.0.0.1", API_PORT, timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
            response = conn.getresponse()
            raw = response.read()
            try:
                return response.status, json.loads(raw) if raw else None
            except ValueError:
                return response.status, raw.decode(errors="replace")
        finally:
            conn.close()

    def call(self, method, path, body=None):
        try:
            status, doc = self.request(method, path, body)
        except (OSError, http.client.HTTPException) as e:
            # One line, not a trace: most often the stand-in is gone (its exit code says so).
            raise TestbedError("stand-in %s %s: %s (stand-in %s)" % (
                method, path, e, "running" if self.proc and self.proc.poll() is None
                else "exited with %s" % (self.proc.poll() if self.proc else "?")))
        if status >= 300:
            raise TestbedError("stand-in %s %s: %d %s" % (method, path, status, doc))
        return doc

    def events(self):
        return analysis.parse_events(self.call("GET", "/_standin/events"), self.elastic_ip_id)

    def events_of(self, ip):
        """The attach and detach events of the Elastic IP `ip` (one of elastic_ip_ids)."""
        return analysis.parse_events(self.call("GET", "/_standin/events"), self.elastic_ip_ids[ip])

    def holders_by_ip(self):
        """{address: instance ids holding it now} for every Elastic IP."""
        by_id = {eip["id"]: frozenset(h["id"] for h in eip["holders"])
                 for eip in self.call("GET", "/_standin/holders")["elastic-ips"]}
        return {ip: by_id.get(eid, frozenset()) for ip, eid in self.elastic_ip_ids.items()}

    def holders(self):
        """Instance ids holding the Elastic IP now."""
        for eip in self.call("GET", "/_standin/holders")["elastic-ips"]:
            if eip["id"] == self.elastic_ip_id:
                return frozenset(h["id"] for h in eip["holders"])
        return frozenset()

    def reset(self):
        self.call("POST", "/_standin/reset")

    def fault(self, kind, times=1, method=None, path=None, **extra):
        body = {"kind": kind, "times": times}
        if method:
            body["method"] = method
        if path:
            body["path"] = path
        body.update(extra)
        self.call("POST", "/_standin/faults", body)

    def pending_faults(self):
        return self.call("GET", "/_standin/faults")["faults"]

    def clear_faults(self):
        self.call("DELETE", "/_standin/faults")

    def join_group(self, index):
        self.call("POST", "/_standin/security-groups/%s/members" % GROUP, {"instance": self.instances[index]})

    def leave_group(self, index):
        self.call("DELETE", "/_standin/security-groups/%s/members/%s" % (GROUP, self.instances[index]))

    def request_counts(self):
        return self.call("GET", "/_standin/requests")["requests"]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            signal_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                signal_group(self.proc, signal.SIGKILL)
                self.proc.wait()


class Node:
    """One host's `exoip -W`; start, signal, query, restart."""

    def __init__(self, index, topology, standin, workdir, command):
        self.index = index
        self.name = "h%d" % index
        self.namespace = topology.host(index)
        self.address = host_address(index)
        self.private_address = private_address(index)
        # Where it listens and its peers reach it: the private address when run with --peer-network.
        self.advert_address = self.address
        self.instance = standin.instances[index]
        self.standin = standin
        self.command = command
        self.log = os.path.join(workdir, "%s.log" % self.name)
        self.proc = None
        self.argv = None
        self.env = None

    def start(self, interval, ratio, priority, peers=None, group=False, extra=(), network=False):
        """Runs exoip -W: peers is a list of host indexes (static -p), or group=True for -G;
        network=True (with group) addresses them on the private network (--peer-network), where
        this node then listens on its lease (-l :PORT)."""
        argv = self.command + [
            "-W", "-O", "-xi", ELASTIC_IP, "-xk", API_KEY, "--api-secret-file", self.standin.secret_file]
        env = None
        if self.standin.tls:
            # By name through the bed's resolver; instance and zone given, so no metadata request
            # (the URL stays by address, never used).
            argv += ["-xe", "https://%s:%d/v2" % (API_NAME, API_TLS_PORT), "--api-ca-file", self.standin.ca_file,
                     "-i", self.instance, "-xz", "ch-gva-2",
                     "--metadata-url", "https://%s:%d/latest/meta-data" % (API_ADDRESS, API_TLS_PORT)]
            env = dict(os.environ)
            env["EXOIP_JAVA_OPTS"] = (env.get("EXOIP_JAVA_OPTS", "") + " -Dsun.net.inetaddr.ttl=%d"
                                      % JVM_DNS_TTL).strip()
        else:
            argv += ["-xe", "http://%s:%d/v2" % (API_ADDRESS, API_PORT),
                     "--metadata-url", "http://%s:%d/latest/meta-data" % (API_ADDRESS, API_PORT)]
        self.advert_address = self.private_address if network else self.address
        argv += ["-l", ":%d" % ADVERT_PORT if network else "%s:%d" % (self.address, ADVERT_PORT),
                 "-t", str(interval), "-r", str(ratio), "-P", str(priority)]
        if network:
            argv += ["--peer-network", PRIVATE_NETWORK_NAME]
        if group:
            argv += ["-G", GROUP]
        else:
            argv += ["-p", ",".join(host_address(p) for p in peers if p != self.index)]
        argv += list(extra)
        self.argv, self.env = argv, env
        self.proc = spawn(self.namespace, argv, self.log, env=env)
        return self

    def restart(self):
        """Starts the process again with the command line of the last start (after a kill or a stop)."""
        self.proc = spawn(self.namespace, self.argv, self.log, env=self.env)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        """Sends a signal; returns the CLOCK_MONOTONIC nanos just before it was sent."""
        t = time.monotonic_ns()
        signal_group(self.proc, sig)
        return t

    def kill(self):
        """kill -9; returns when the process is gone, with the nanos of the kill."""
        if not self.alive():
            return time.monotonic_ns()
        t = self.signal(signal.SIGKILL)
        self.proc.wait()
        return t

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def info(self, timeout=1.0):
        """The node's answer to `info` (asked from its own namespace), or None."""
        sock = socket_in(self.namespace)
        try:
            sock.settimeout(timeout)
            sock.sendto(b"info", (self.advert_address, ADVERT_PORT))
            data, _ = sock.recvfrom(65535)
            return data.decode(errors="replace")
        except OSError:
            return None
        finally:
            sock.close()

    def state(self, timeout=1.0):
        """'MASTER', 'BACKUP', ... from the State line of info, or None."""
        return info_field(self.info(timeout), "State")

    def peers(self, timeout=1.0):
        """{address: 'alive'|'dead'} from info."""
        return info_peers(self.info(timeout))

    def priority(self, timeout=1.0):
        value = info_field(self.info(timeout), "Priority")
        return int(value) if value and value.isdigit() else None


def info_field(text, name):
    for line in (text or "").splitlines():
        if line.startswith(name + " ") or line.startswith(name + "\t"):
            return line[len(name):].strip().split()[0] if line[len(name):].strip() else None
    return None


def info_peers(text):
    """{address: 'alive'|'dead'} from the Peer lines of an info answer, or None without one."""
    if text is None:
        return None
    found = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "Peer":
            found[parts[1]] = "alive" if "alive" in parts else "dead"
    return found
