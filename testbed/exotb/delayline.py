"""A user-space delay line: an Ethernet forwarder between two interfaces that holds every frame.

The kernel of this kind of machine has no sch_netem, so the API path's round-trip time is made
here: a process in the router namespace reads every frame arriving on one veth (AF_PACKET) and
sends it out of the other one `delay` later, both ways, so a round trip takes 2 x delay. It
forwards frames as they are (no TCP proxy): connections stay end to end, and a middlebox that
forgets them breaks them as a real one would. Frames keep their order (one FIFO a direction).

Run as `python3 delayline.py IFACE_A IFACE_B DELAY_MS` inside the namespace. The offloads of
every interface on the path must be off (checksums, TSO, GSO): AF_PACKET sees frames as the
kernel holds them, and a frame with a checksum left to the hardware, or one 64 KiB GSO frame,
would not survive being sent again.

DelayLine (the schedule) is pure and tested with plain numbers.
"""

import collections
import os
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
MAX_QUEUE = 10000  # frames held a direction; beyond that a frame is dropped, as a full buffer does


class DelayLine:
    """Frames held for `delay_ns` each, in arrival order. Time comes in as a parameter."""

    def __init__(self, delay_ns, limit=MAX_QUEUE):
        if delay_ns < 0:
            raise ValueError("delay of %d ns (expected: 0 or more)" % delay_ns)
        self.delay_ns = delay_ns
        self.limit = limit
        self.held = collections.deque()
        self.dropped = 0

    def push(self, frame, now_ns):
        """Takes a frame that arrived at now_ns; False when the queue is full and it was dropped."""
        if len(self.held) >= self.limit:
            self.dropped += 1
            return False
        self.held.append((now_ns + self.delay_ns, frame))
        return True

    def due(self, now_ns):
        """Removes and returns the frames whose time has come, oldest first."""
        out = []
        while self.held and self.held[0][0] <= now_ns:
            out.append(self.held.popleft()[1])
        return out

    def next_due(self):
        """When the oldest held frame is due (ns), or None when none is held."""
        return self.held[0][0] if self.held else None


def parse_rtt_ms(text):
    """A round-trip time from the command line: 30ms, 0.03s or a bare number of milliseconds."""
    value = text.strip().lower()
    scale = 1.0
    if value.endswith("ms"):
        value = value[:-2]
    elif value.endswith("s"):
        value, scale = value[:-1], 1000.0
    try:
        ms = float(value) * scale
    except ValueError:
        ms = -1
    if not 0 <= ms <= 10000 or ms != ms:
        raise ValueError("round-trip time %r (expected: 0 to 10 s, e.g. 30ms or 0.03s)" % text)
    return ms


def wait_seconds(lines, now_ns, idle=1.0):
    """How long the loop may block in select: until the first frame of any line is due."""
    dues = [d for d in (line.next_due() for line in lines) if d is not None]
    if not dues:
        return idle
    return max(0.0, (min(dues) - now_ns) / 1e9)


def _open(interface):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    sock.bind((interface, ETH_P_ALL))
    sock.setblocking(False)
    return sock


def forward(a, b, delay_ms):
    """Forwards between interfaces a and b until killed."""
    socks = {name: _open(name) for name in (a, b)}
    other = {a: b, b: a}
    lines = {a: DelayLine(int(delay_ms * 1e6)), b: DelayLine(int(delay_ms * 1e6))}  # by destination
    by_fd = {s.fileno(): name for name, s in socks.items()}
    print("delay line %s <-> %s, %.1f ms each way" % (a, b, delay_ms), flush=True)
    while True:
        now = time.monotonic_ns()
        readable, _, _ = select.select(list(socks.values()), [], [], wait_seconds(lines.values(), now))
        now = time.monotonic_ns()
        for sock in readable:
            source = by_fd[sock.fileno()]
            while True:
                try:
                    frame, address = sock.recvfrom(65535)
                except BlockingIOError:
                    break
                if address[2] == PACKET_OUTGOING:
                    continue  # our own sends, seen again on the way out
                lines[other[source]].push(frame, now)
        now = time.monotonic_ns()
        for destination, line in lines.items():
            for frame in line.due(now):
                try:
                    socks[destination].send(frame)
                except OSError:
                    pass  # a full device queue drops the frame, as a wire would


def main(argv):
    if len(argv) != 3:
        print("usage: delayline.py IFACE_A IFACE_B DELAY_MS", file=sys.stderr)
        return 2
    try:
        delay = float(argv[2])
        if delay < 0:
            raise ValueError
    except ValueError:
        print("delayline.py: delay %r (expected: milliseconds, 0 or more)" % argv[2], file=sys.stderr)
        return 2
    if os.geteuid() == 0:
        os.nice(-5)  # frames on time even while the JVMs of the bed compete for the cores
    try:
        forward(argv[0], argv[1], delay)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
