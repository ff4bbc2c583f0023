"""The scorecard's table and its section in BENCHMARKS.md (no network, no root)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from exotb import scorecard  # noqa: E402


class ScorecardTest(unittest.TestCase):
    results = {"process-crash": [scorecard.Trial(300e6, 50e6), scorecard.Trial(500e6, 120e6)],
               "api-down": [scorecard.Trial(0, 0)]}

    def test_table_rows(self):
        text = scorecard.table(self.results, 2)
        self.assertIn("| process crash | kill -9 of the master | 2 of 2 | 300 ms | 500 ms | 120 ms |", text)
        self.assertIn("| API down |", text)
        self.assertIn("| 1 of 2 | 0 ms | 0 ms | 0 ms |", text)

    def test_section_keeps_the_rest_of_the_file_and_replaces_its_last_version(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "BENCHMARKS.md")
            with open(path, "w") as f:
                f.write("# Failover benchmarks\n\n## Results\n\nold figures\n\n## Fuzzing (issue 5)\n\nkept\n")
            for _ in range(2):
                scorecard.write_section(path, self.results, 2, 0.5, 3, "a machine", 12.0, "abc1234")
            with open(path) as f:
                text = f.read()
        self.assertIn("old figures", text)
        self.assertIn("kept", text)
        self.assertEqual(1, text.count("## Failover scorecard (issue 21)"))
        self.assertIn("exoip at abc1234", text)


if __name__ == "__main__":
    unittest.main()
