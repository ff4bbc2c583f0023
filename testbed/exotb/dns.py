"""The bed's resolver: a small DNS server (UDP, A records only) that can stop answering.

exoip reaches the stand-in API by a host name (api.exotb.test) in the API-path mode. The names
come from this server, which listens in the switch namespace at 192.0.2.3:53; every host's
/etc/netns/<namespace>/resolv.conf (which `ip netns exec` mounts over /etc/resolv.conf) names it.
"Resolver down" is the server reading and dropping every query: what a dead resolver looks like
to glibc (it waits for its timeout, then tries again), unlike a refusal, which it takes at once.

The codec (parse_query, answer) is pure and tested without a network.
"""

import struct
import threading

TYPE_A = 1
CLASS_IN = 1
RCODE_OK, RCODE_FORMERR, RCODE_NXDOMAIN, RCODE_REFUSED = 0, 1, 3, 5
_HEADER = struct.Struct("!HHHHHH")
TTL = 5


class DnsError(ValueError):
    """A datagram that is not a DNS query this server can answer; the message says why."""


class Query:
    """One question of a standard query: id, flags, name (lower case, no final dot), type, class,
    and the raw question section to echo."""

    def __init__(self, ident, flags, name, qtype, qclass, question):
        self.ident, self.flags, self.name, self.qtype, self.qclass, self.question = \
            ident, flags, name, qtype, qclass, question


def parse_query(data):
    """Decodes a query of exactly one question; raises DnsError naming what is wrong."""
    if len(data) < _HEADER.size:
        raise DnsError("datagram of %d bytes (expected: at least %d)" % (len(data), _HEADER.size))
    ident, flags, qd, an, ns, _ar = _HEADER.unpack_from(data)
    if flags & 0x8000:
        raise DnsError("a response, not a query")
    if (flags >> 11) & 0xF != 0:
        raise DnsError("opcode %d (expected: 0, a standard query)" % ((flags >> 11) & 0xF))
    if qd != 1 or an or ns:
        raise DnsError("%d questions, %d answers, %d authority records (expected: 1, 0, 0)" % (qd, an, ns))
    labels, pos = [], _HEADER.size
    while True:
        if pos >= len(data):
            raise DnsError("name runs past the end of the datagram")
        length = data[pos]
        if length & 0xC0:
            raise DnsError("compressed or extended label in the question (expected: plain labels)")
        pos += 1
        if length == 0:
            break
        if pos + length > len(data):
            raise DnsError("label of %d bytes runs past the end of the datagram" % length)
        labels.append(data[pos:pos + length].decode("ascii", errors="replace").lower())
        pos += length
    if pos + 4 > len(data):
        raise DnsError("question ends before its type and class")
    qtype, qclass = struct.unpack_from("!HH", data, pos)
    return Query(ident, flags, ".".join(labels), qtype, qclass, data[_HEADER.size:pos + 4])


def answer(query, zone, records):
    """The response to a query: A records of `records` ({name: [IPv4 addresses]}) for names in
    `zone`; NOERROR with no answer for another type of a known name, NXDOMAIN for an unknown name
    of the zone, REFUSED for names outside it (this server does no recursion)."""
    rd = query.flags & 0x0100
    known = records.get(query.name)
    in_zone = query.name == zone or query.name.endswith("." + zone)
    answers = []
    if not in_zone or query.qclass != CLASS_IN:
        rcode = RCODE_REFUSED
    elif known is None:
        rcode = RCODE_NXDOMAIN
    else:
        rcode = RCODE_OK
        if query.qtype == TYPE_A:
            for address in known:
                octets = bytes(int(x) for x in address.split("."))
                # 0xC00C: a pointer to the name in the question, right after the header.
                answers.append(struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, TTL, 4) + octets)
    # QR, the query's opcode and RD, AA (we own the zone), RA off.
    flags = 0x8000 | (query.flags & 0x7800) | 0x0400 | rd | rcode
    return _HEADER.pack(query.ident, flags, 1, len(answers), 0, 0) + query.question + b"".join(answers)


def refusal(data, rcode=RCODE_FORMERR):
    """A bare error response to a datagram that could not be parsed, or None when it has no id."""
    if len(data) < 4 or data[2] & 0x80:
        return None
    ident, flags = struct.unpack_from("!HH", data)
    return _HEADER.pack(ident, 0x8000 | (flags & 0x7900) | rcode, 0, 0, 0, 0)


class Resolver:
    """The server: a thread reading one UDP socket (made in the bed's namespace by the caller).

    answering=False drops every query unanswered. Counters say what it did, for the scenarios.
    """

    def __init__(self, sock, zone, records, log=None):
        self.sock = sock
        self.zone = zone
        self.records = records
        self.log = log
        self.answering = True
        self.answered = 0
        self.dropped = 0
        self.bad = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, name="exotb-dns", daemon=True)

    def start(self):
        self.sock.settimeout(0.2)
        self._thread.start()
        return self

    def _serve(self):
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                continue
            if not self.answering:
                self.dropped += 1
                continue
            try:
                reply = answer(parse_query(data), self.zone, self.records)
                self.answered += 1
            except DnsError:
                # A bad datagram never stops the server: one refusal, counted.
                self.bad += 1
                reply = refusal(data)
            if reply is not None:
                try:
                    self.sock.sendto(reply, peer)
                except OSError:
                    pass

    def close(self):
        self._stop = True
        if self._thread.is_alive():
            self._thread.join(2)
        self.sock.close()
