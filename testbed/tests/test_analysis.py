"""Tests of the figures computed from stand-in events, with plain numbers (no network, no root)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from exotb import analysis  # noqa: E402
from exotb.analysis import Event  # noqa: E402

A, B = "a", "b"


def ev(nanos, kind, instance, *holders):
    return Event(nanos, kind, instance, frozenset(holders))


class ParseTest(unittest.TestCase):
    def test_sorts_and_filters_by_elastic_ip(self):
        doc = {"events": [
            {"nanos": 20, "kind": "detach", "instance": A, "elastic-ip": "e1", "holders": []},
            {"nanos": 10, "kind": "attach", "instance": A, "elastic-ip": "e1", "holders": [A]},
            {"nanos": 15, "kind": "attach", "instance": B, "elastic-ip": "e2", "holders": [B]},
        ]}
        events = analysis.parse_events(doc, "e1")
        self.assertEqual([10, 20], [e.nanos for e in events])
        self.assertEqual(frozenset({A}), events[0].holders)
        self.assertEqual(3, len(analysis.parse_events(doc)))


class HoldersTest(unittest.TestCase):
    events = [ev(10, "attach", A, A), ev(50, "attach", B, A, B), ev(60, "detach", A, B)]

    def test_holders_at(self):
        self.assertEqual(frozenset(), analysis.holders_at(self.events, 5))
        self.assertEqual({A}, analysis.holders_at(self.events, 10))
        self.assertEqual({A, B}, analysis.holders_at(self.events, 55))
        self.assertEqual({B}, analysis.holders_at(self.events, 100))

    def test_first_attach_skips_excluded(self):
        self.assertEqual(50, analysis.first_attach(self.events, 0, exclude={A}).nanos)
        self.assertIsNone(analysis.first_attach(self.events, 51))


class HolderlessTest(unittest.TestCase):
    def test_crash_counts_a_dead_holder_as_no_holder(self):
        # A dies at 20 while still attached; B attaches at 50; A is detached at 60.
        events = [ev(10, "attach", A, A), ev(50, "attach", B, A, B), ev(60, "detach", A, B)]
        total, longest = analysis.holderless(events, 20, 100, dead={A: 20})
        self.assertEqual(30, total)
        self.assertEqual(30, longest)

    def test_make_before_break_has_no_gap(self):
        events = [ev(10, "attach", A, A), ev(50, "attach", B, A, B), ev(60, "detach", A, B)]
        self.assertEqual((0, 0), analysis.holderless(events, 20, 100))

    def test_break_before_make_gap(self):
        events = [ev(10, "attach", A, A), ev(40, "detach", A), ev(45, "attach", B, B),
                  ev(70, "detach", B), ev(90, "attach", A, A)]
        self.assertEqual((25, 20), analysis.holderless(events, 20, 100))

    def test_gap_open_at_the_end(self):
        events = [ev(10, "attach", A, A), ev(40, "detach", A)]
        self.assertEqual((70, 60), analysis.holderless(events, 0, 100))  # 0-10 and 40-100


class SummaryTest(unittest.TestCase):
    def test_median_p95_max(self):
        median, p95, top = analysis.summary(list(range(1, 21)))
        self.assertEqual(10.5, median)
        self.assertEqual(19, p95)
        self.assertEqual(20, top)

    def test_empty(self):
        self.assertEqual((None, None, None), analysis.summary([]))

    def test_attaches_and_last_change(self):
        events = [ev(10, "attach", A, A), ev(50, "attach", B, A, B), ev(60, "detach", A, B)]
        self.assertEqual([50], [e.nanos for e in analysis.attaches(events, 20)])
        self.assertEqual(60, analysis.last_change(events, 20))
        self.assertIsNone(analysis.last_change(events, 61))


class RunProbabilityTest(unittest.TestCase):
    def test_small_cases_by_hand(self):
        self.assertAlmostEqual(0.0, analysis.run_probability(2, 3, 0.5))
        self.assertAlmostEqual(0.125, analysis.run_probability(3, 3, 0.5))
        # 4 trials: SSSx (1/8) or FSSS (1/16)
        self.assertAlmostEqual(0.1875, analysis.run_probability(4, 3, 0.5))

    def test_certain_and_impossible(self):
        self.assertAlmostEqual(1.0, analysis.run_probability(5, 2, 1.0))
        self.assertAlmostEqual(0.0, analysis.run_probability(50, 1, 0.0))



class AttachCallTest(unittest.TestCase):
    LOG = ("... ObservedElasticIpProvider: API attach a: failure in 15023 ms\n"
           "... ObservedElasticIpProvider: API attach a: success in 52 ms\n"
           "... ObservedElasticIpProvider: API attach b: success in 7 ms\n"
           "... ObservedElasticIpProvider: API attach a: success in 48 ms\n")

    def test_the_last_success_of_that_instance(self):
        self.assertEqual(48, analysis.attach_call_ms(self.LOG, A))
        self.assertEqual(7, analysis.attach_call_ms(self.LOG, B))
        self.assertIsNone(analysis.attach_call_ms(self.LOG.replace("success", "failure"), A))


if __name__ == "__main__":
    unittest.main()
