"""The bed's DNS codec, with byte fixtures (no network, no root); and the resolver on loopback."""

import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from exotb import dns  # noqa: E402

RECORDS = {"api.exotb.test": ["192.0.2.2"]}


def query(name, qtype=dns.TYPE_A, ident=0x1234, flags=0x0100, extra=b""):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", ident, flags, 1, 0, 0, 1 if extra else 0) + labels \
        + struct.pack("!HH", qtype, dns.CLASS_IN) + extra


def rcode(reply):
    return struct.unpack_from("!H", reply, 2)[0] & 0xF


def counts(reply):
    return struct.unpack_from("!HHHH", reply, 4)


class CodecTest(unittest.TestCase):

    def test_a_record_of_a_known_name(self):
        reply = dns.answer(dns.parse_query(query("API.exotb.test")), "exotb.test", RECORDS)
        ident, flags = struct.unpack_from("!HH", reply)
        self.assertEqual(0x1234, ident)
        self.assertTrue(flags & 0x8000, "a response")
        self.assertTrue(flags & 0x0100, "RD echoed")
        self.assertEqual(dns.RCODE_OK, rcode(reply))
        self.assertEqual((1, 1, 0, 0), counts(reply))
        self.assertEqual(bytes([192, 0, 2, 2]), reply[-4:])
        # The answer points at the question's name and says A, IN, 4 bytes.
        self.assertEqual(struct.pack("!HHHIH", 0xC00C, 1, 1, dns.TTL, 4), reply[-16:-4])

    def test_edns_option_after_the_question_is_ignored(self):
        opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
        reply = dns.answer(dns.parse_query(query("api.exotb.test", extra=opt)), "exotb.test", RECORDS)
        self.assertEqual((1, 1, 0, 0), counts(reply))

    def test_other_type_of_a_known_name_is_no_data_not_nxdomain(self):
        # glibc asks A and AAAA together: NXDOMAIN for AAAA would make it doubt the A answer.
        reply = dns.answer(dns.parse_query(query("api.exotb.test", qtype=28)), "exotb.test", RECORDS)
        self.assertEqual(dns.RCODE_OK, rcode(reply))
        self.assertEqual((1, 0, 0, 0), counts(reply))

    def test_unknown_name_of_the_zone_is_nxdomain(self):
        reply = dns.answer(dns.parse_query(query("nope.exotb.test")), "exotb.test", RECORDS)
        self.assertEqual(dns.RCODE_NXDOMAIN, rcode(reply))

    def test_name_outside_the_zone_is_refused(self):
        reply = dns.answer(dns.parse_query(query("api.exoscale.com")), "exotb.test", RECORDS)
        self.assertEqual(dns.RCODE_REFUSED, rcode(reply))

    def test_bad_datagrams_say_what_was_expected(self):
        cases = {
            b"\0\1\2": "datagram of 3 bytes (expected: at least 12)",
            query("a.test", flags=0x8100): "a response, not a query",
            query("a.test", flags=0x2800): "opcode 5 (expected: 0, a standard query)",
            query("a.test")[:-3]: "question ends before its type and class",
            query("a.test")[:13]: "label of 1 bytes runs past the end of the datagram",
            query("a.test")[:14]: "name runs past the end of the datagram",
        }
        for data, message in cases.items():
            with self.assertRaises(dns.DnsError) as raised:
                dns.parse_query(data)
            self.assertEqual(message, str(raised.exception))

    def test_refusal_keeps_the_id_and_none_without_one(self):
        reply = dns.refusal(query("a.test", flags=0x2800))
        self.assertEqual(0x1234, struct.unpack_from("!H", reply)[0])
        self.assertEqual(dns.RCODE_FORMERR, rcode(reply))
        self.assertIsNone(dns.refusal(b"\0"))


class ResolverTest(unittest.TestCase):
    """The server on a loopback socket: answers, then drops while down, and survives garbage."""

    def setUp(self):
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("127.0.0.1", 0))
        self.address = server.getsockname()
        self.resolver = dns.Resolver(server, "exotb.test", RECORDS).start()
        self.client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.client.settimeout(2)

    def tearDown(self):
        self.client.close()
        self.resolver.close()

    def ask(self, data):
        self.client.sendto(data, self.address)
        return self.client.recvfrom(4096)[0]

    def test_answers_drops_while_down_and_answers_again(self):
        self.assertEqual(b"\xc0\x00\x02\x02", self.ask(query("api.exotb.test"))[-4:])
        self.assertEqual(dns.RCODE_FORMERR, rcode(self.ask(b"\x00\x07garbage!!!!!")))
        self.resolver.answering = False
        self.client.sendto(query("api.exotb.test", ident=7), self.address)
        deadline = time.monotonic() + 5
        while self.resolver.dropped == 0 and time.monotonic() < deadline:
            time.sleep(0.001)  # a condition with a deadline: the server thread has read query 7
        self.resolver.answering = True
        # The first answer that comes is to query 9: query 7 got none.
        self.assertEqual(9, struct.unpack_from("!H", self.ask(query("api.exotb.test", ident=9)))[0])
        self.assertEqual((2, 1, 1), (self.resolver.answered, self.resolver.dropped, self.resolver.bad))


if __name__ == "__main__":
    unittest.main()
