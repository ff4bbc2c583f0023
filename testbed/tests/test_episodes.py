"""Tests of the chaos run's episode figures and fault plans, with plain numbers (no network, no root)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from exotb import episodes, faultplan  # noqa: E402
from exotb.analysis import Event  # noqa: E402

A, B, C = "a", "b", "c"


def ev(nanos, kind, instance, *holders):
    return Event(nanos, kind, instance, frozenset(holders))


# Issue 21's finding 2: c holds; a and b, cut off from their peers, each attach, detach each
# other and c: nobody holds it from 60 until a attaches again at 140.
ISOLATE_TWO = [ev(10, "attach", C, C), ev(40, "attach", B, B, C), ev(42, "attach", A, A, B, C),
               ev(50, "detach", B, A, C), ev(51, "detach", A, C), ev(60, "detach", C),
               ev(140, "attach", A, A)]
# Finding 1: a holds; b resumes from a stop, attaches at 30 and lets go at 95.
PAUSED_BACKUP = [ev(10, "attach", A, A), ev(30, "attach", B, A, B), ev(95, "detach", B, A)]


class TimelineTest(unittest.TestCase):
    def test_pieces_cover_the_window(self):
        pieces = episodes.timeline(PAUSED_BACKUP, 0, 100)
        self.assertEqual([(0, 10, frozenset()), (10, 30, {A}), (30, 95, {A, B}), (95, 100, {A})], pieces)

    def test_window_starting_mid_way_knows_the_holders(self):
        self.assertEqual([(15, 25, {A})], episodes.timeline(PAUSED_BACKUP, 15, 25))
        self.assertEqual([], episodes.timeline(PAUSED_BACKUP, 40, 40))


class EpisodeTest(unittest.TestCase):
    def test_no_holder_of_the_isolate_two_replay(self):
        self.assertEqual([(60, 140)], episodes.no_holder(ISOLATE_TWO, 10, 200))
        self.assertEqual(80, episodes.longest(episodes.no_holder(ISOLATE_TWO, 10, 200)))

    def test_several_holders_joined_across_changes(self):
        # {b,c} then {a,b,c} then {a,c}: one episode from 40 to 51, then c alone.
        self.assertEqual([(40, 51)], episodes.several_holders(ISOLATE_TWO, 0, 200))

    def test_paused_backup_two_holders(self):
        self.assertEqual(65, episodes.longest(episodes.several_holders(PAUSED_BACKUP, 0, 100)))
        self.assertTrue(episodes.attached_within(PAUSED_BACKUP, B, 20, 40))
        self.assertFalse(episodes.attached_within(PAUSED_BACKUP, B, 31, 100))

    def test_episode_open_at_the_end_is_cut_there(self):
        self.assertEqual([(30, 50)], episodes.several_holders(PAUSED_BACKUP, 0, 50))

    def test_make_before_break_handover_is_short(self):
        events = [ev(10, "attach", A, A), ev(50, "attach", B, A, B), ev(52, "detach", A, B)]
        self.assertEqual([(50, 52)], episodes.several_holders(events, 0, 100))
        self.assertEqual([], episodes.no_holder(events, 10, 100))

    def test_longest_of_nothing(self):
        self.assertEqual(0, episodes.longest([]))


class IntervalTest(unittest.TestCase):
    def test_merge(self):
        self.assertEqual([(1, 5), (6, 8)], episodes.merge([(3, 5), (1, 3), (6, 8), (7, 7)]))

    def test_intersect(self):
        self.assertEqual([(2, 3), (6, 7)], episodes.intersect([(1, 3), (6, 9)], [(2, 7)]))

    def test_everyone_out_only_when_all_are(self):
        self.assertEqual([(4, 5)], episodes.everyone([[(0, 5)], [(4, 10)], [(3, 6)]]))
        self.assertEqual([], episodes.everyone([[(0, 5)], [(6, 10)]]))
        self.assertEqual([], episodes.everyone([]))

    def test_subtract(self):
        self.assertEqual([(0, 2), (4, 5), (8, 10)], episodes.subtract([(0, 5), (7, 10)], [(2, 4), (6, 8)]))
        self.assertEqual([], episodes.subtract([(3, 4)], [(0, 10)]))


class ConvergenceTest(unittest.TestCase):
    def test_converged_at_the_last_change(self):
        ok, nanos, why = episodes.convergence(PAUSED_BACKUP, 20, 200, {A})
        self.assertEqual((True, 75, ""), (ok, nanos, why))

    def test_already_fine_at_the_heal(self):
        self.assertEqual((True, 0, ""), episodes.convergence(PAUSED_BACKUP, 100, 200, {A}))

    def test_wrong_or_several_holders_at_the_end(self):
        ok, nanos, why = episodes.convergence(PAUSED_BACKUP, 20, 200, {B})
        self.assertFalse(ok)
        self.assertIsNone(nanos)
        self.assertFalse(episodes.convergence(PAUSED_BACKUP, 20, 50, {A, B})[0])

    def test_a_tie_accepts_either(self):
        self.assertTrue(episodes.convergence(PAUSED_BACKUP, 20, 200, {A, B})[0])


class StackTraceTest(unittest.TestCase):
    def test_counts_each_trace_once(self):
        log = ("12:00:01 INFO fine\n"
               "java.lang.IllegalStateException: boom\n"
               "\tat org.exoip.watchdog.Watchdog.tick(Watchdog.java:120)\n"
               "\tat java.base/java.lang.Thread.run(Thread.java:840)\n"
               "12:00:02 WARN API attach failed: 504 (retrying)\n"
               "Caused by: java.io.IOException: x\n"
               "\tat org.exoip.exoscale.ExoscaleClient.send(ExoscaleClient.java:88)\n")
        self.assertEqual(2, episodes.stack_traces(log))

    def test_no_trace_in_plain_lines(self):
        self.assertEqual(0, episodes.stack_traces("at 12:00 the master was h1\nlook at this (x)\n"))


class PlanTest(unittest.TestCase):
    def test_same_seed_same_plan(self):
        self.assertEqual(faultplan.draw(7), faultplan.draw(7))
        self.assertNotEqual(faultplan.draw(7), faultplan.draw(8))

    def test_faults_never_overlap_and_stay_within_the_duration(self):
        for seed in range(1, 60):
            plan = faultplan.draw(seed, nodes=(3, 5), duration=40)
            self.assertTrue(3 <= plan.nodes <= 5)
            self.assertEqual(plan.nodes, len(set(plan.priorities.values())))
            for first, second in zip(plan.faults, plan.faults[1:]):
                self.assertGreaterEqual(second.at, first.at + first.duration)
                self.assertGreaterEqual(second.at - first.at, faultplan.GAP[0] - 1e-9)
            self.assertTrue(all(f.at < 40 for f in plan.faults))

    def test_stops_outlast_the_dead_time(self):
        stops = [f for s in range(1, 80) for f in faultplan.draw(s, interval=0.5, ratio=3).faults if f.kind == "stop"]
        self.assertTrue(stops)
        self.assertTrue(all(f.duration > 1.5 for f in stops))

    def test_every_kind_and_api_flavour_is_drawn(self):
        faults = [f for s in range(1, 80) for f in faultplan.draw(s).faults]
        self.assertEqual({k for k, _ in faultplan.KINDS}, {f.kind for f in faults})
        self.assertEqual(set(faultplan.API_FLAVOURS), {f.params["flavour"] for f in faults if f.kind == "api"})

    def test_split_groups_cover_every_node_once(self):
        for s in range(1, 80):
            plan = faultplan.draw(s)
            for f in plan.faults:
                if f.kind == "split":
                    left, right = f.params["groups"]
                    self.assertTrue(left and right)
                    self.assertEqual(list(range(1, plan.nodes + 1)), sorted(left + right))

    def test_parse_range(self):
        self.assertEqual([1, 2, 3, 7], faultplan.parse_range("1-3,7", "--seeds"))
        self.assertEqual([4], faultplan.parse_range("4", "--nodes"))
        with self.assertRaisesRegex(ValueError, "--seeds 'x' is not a number"):
            faultplan.parse_range("x", "--seeds")
        with self.assertRaises(ValueError):
            faultplan.parse_range("5-3", "--seeds")

    def test_describe(self):
        self.assertEqual("kill h2 for 2.5 s", faultplan.describe(faultplan.Fault("kill", 2, 1.0, 2.5, {})))
        self.assertEqual("split {h1}|{h2,h3} for 3.0 s", faultplan.describe(
            faultplan.Fault("split", None, 1.0, 3.0, {"groups": ([1], [2, 3])})))
        self.assertEqual("usr1 holder", faultplan.describe(faultplan.Fault("usr1", "holder", 1.0, 0.0, {})))


class RulesTest(unittest.TestCase):
    def test_isolation_spares_the_api(self):
        rules = faultplan.isolate_rules()
        self.assertIn('iifname "eth0" udp dport 12345 counter drop', rules)
        self.assertIn('oifname "eth0" udp dport 12345 counter drop', rules)
        self.assertNotIn("tcp", rules)

    def test_oneway_and_split_and_loss_and_blackhole(self):
        self.assertNotIn("iifname", faultplan.oneway_rules("out"))
        self.assertNotIn("oifname", faultplan.oneway_rules("in"))
        with self.assertRaises(ValueError):
            faultplan.oneway_rules("sideways")
        self.assertIn("ip saddr { 192.0.2.12, 192.0.2.13 }", faultplan.split_rules(["192.0.2.12", "192.0.2.13"]))
        self.assertIn("numgen random mod 100 < 30 counter drop", faultplan.loss_rules(30))
        self.assertIn("ip daddr 192.0.2.2 tcp dport 8080 counter drop", faultplan.blackhole_rules("192.0.2.2", 8080))


if __name__ == "__main__":
    unittest.main()


class WorkingHolderTest(unittest.TestCase):
    def test_a_frozen_holder_does_not_work_until_it_resumes(self):
        # a holds, is stopped 20-60; b attaches at 50, a is detached at 70.
        events = [ev(10, "attach", A, A), ev(50, "attach", B, A, B), ev(70, "detach", A, B)]
        self.assertEqual([(20, 50)], episodes.without_working_holder(events, 10, 100, {A: [(20, 60)]}))
        self.assertEqual([], episodes.without_working_holder(events, 10, 100))

    def test_no_holder_counts_too(self):
        self.assertEqual([(60, 140)], episodes.without_working_holder(ISOLATE_TWO, 10, 200))
        self.assertEqual(80, episodes.total([(60, 100), (120, 160)]))

    def test_nearest_rank(self):
        self.assertEqual(5, episodes.nearest_rank([3, 1, 5, 2, 4], 99))
        self.assertEqual(3, episodes.nearest_rank([3, 1, 5, 2, 4], 50))
        self.assertIsNone(episodes.nearest_rank([], 99))
