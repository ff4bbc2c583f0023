"""The API path's bound and goal, with plain numbers (no network, no root)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from exotb import bench, scenarios  # noqa: E402
from exotb.bench import Series  # noqa: E402

MS = 1_000_000


def series(row, *failover_ms, failed=0):
    s = Series("exoip", 1, "crash", label=row + " label", row=row)
    s.failover = [m * MS for m in failover_ms]
    s.failed = failed
    return s


class PathBoundTest(unittest.TestCase):

    def test_dead_time_plus_probe_slack_plus_four_round_trips(self):
        self.assertAlmostEqual(1.87, scenarios.path_bound(1.5, 30))
        self.assertAlmostEqual(3.25, scenarios.path_bound(3.0, 0))


class PathGoalsTest(unittest.TestCase):

    def test_within_warm_plus_three_round_trips_is_met(self):
        text = bench.path_goals([series("tls-rtt", 400, 500, 600), series("tls-forgotten", 580, 590, 600)], 30)
        self.assertIn("- met: tls-forgotten label median 590 ms (goal ≤ warm 500 ms + 3 × RTT = 590 ms)", text)

    def test_slower_or_with_a_failed_trial_is_not_met(self):
        slow = bench.path_goals([series("tls-rtt", 500), series("tls-forgotten", 591)], 30)
        self.assertIn("- NOT met: tls-forgotten", slow)
        failed = bench.path_goals([series("tls-rtt", 500), series("tls-resolver-down", 100, failed=1)], 30)
        self.assertIn("- NOT met: tls-resolver-down label median 100 ms", failed)
        self.assertIn("1 trial(s) without failover in 42 s", failed)

    def test_not_judged_without_the_warm_row(self):
        self.assertEqual("- not judged: tls-forgotten needs the tls-rtt row beside it",
                         bench.path_goals([series("tls-forgotten", 100)], 30))


if __name__ == "__main__":
    unittest.main()
