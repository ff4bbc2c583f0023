"""The namespace layer's pure parts: addresses and the public-link drop rule (no network, no root)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from exotb import netns  # noqa: E402


class AddressesTest(unittest.TestCase):

    def test_a_host_has_a_public_and_a_private_address_of_the_same_number(self):
        self.assertEqual("192.0.2.11", netns.host_address(1))
        self.assertEqual("10.12.0.11", netns.private_address(1))
        self.assertEqual("10.12.0.90", netns.private_address(80))
        self.assertRaises(ValueError, netns.private_address, 81)


class PublicDropRulesTest(unittest.TestCase):

    def test_advert_traffic_is_dropped_both_ways_on_the_public_link_only(self):
        rules = netns.public_drop_rules(12345)
        self.assertIn('oifname "eth0" udp dport 12345 counter drop', rules)
        self.assertIn('iifname "eth0" udp dport 12345 counter drop', rules)
        self.assertNotIn("eth1", rules)
        self.assertIn("table inet exotb_pub {", rules)


if __name__ == "__main__":
    unittest.main()
