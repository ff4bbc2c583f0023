"""The BENCHMARKS.md writer replaces its own sections and keeps everyone else's."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from exotb import report  # noqa: E402

NEW = "# Failover benchmarks\n\nLatest run: today.\n\n## Results\n\nnew table\n\n## Goals\n\nnew goals\n"
OLD = ("# Failover benchmarks\n\nLatest run: yesterday.\n\n## Results\n\nold table\n\n## Goals\n\nold goals\n\n"
       "## Start-up and footprint (issue 6)\n\nkept figures\n")


class MergeTest(unittest.TestCase):

    def test_other_sections_are_kept_after_the_new_report(self):
        merged = report.merge(NEW, OLD)
        self.assertTrue(merged.startswith(NEW))
        self.assertIn("## Start-up and footprint (issue 6)\n\nkept figures\n", merged)
        self.assertNotIn("old table", merged)
        self.assertNotIn("yesterday", merged)

    def test_a_new_file_is_the_report_alone(self):
        self.assertEqual(NEW, report.merge(NEW, ""))

    def test_write_markdown_keeps_the_file_s_other_sections(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "BENCHMARKS.md")
            with open(path, "w") as f:
                f.write(OLD)
            report.write_markdown(path, "the table", "the goals", [], "a machine", None, 1.0)
            with open(path) as f:
                text = f.read()
        self.assertIn("the table", text)
        self.assertIn("kept figures", text)
        self.assertEqual(1, text.count("## Results"))



class PathSectionTest(unittest.TestCase):
    """The API path's section goes after the failover report, and replaces only itself."""

    FILE = ("# Failover benchmarks\n\n## Results\n\nt\n\n## How to read the figures\n\nr\n\n"
            "## Start-up and footprint (issue 6)\n\nkept figures\n")

    def section(self, body):
        return report.PATH_TITLE + "\n\n" + body + "\n"

    def titles(self, text):
        return [line for line in text.splitlines() if line.startswith("## ")]

    def test_inserted_after_the_failover_report_then_replaced_in_place(self):
        once = report.put_section(self.FILE, self.section("first"))
        self.assertEqual(["## Results", "## How to read the figures", report.PATH_TITLE,
                          "## Start-up and footprint (issue 6)"], self.titles(once))
        twice = report.put_section(once, self.section("second"))
        self.assertEqual(self.titles(once), self.titles(twice))
        self.assertNotIn("first", twice)
        self.assertIn("second", twice)
        self.assertIn("kept figures", twice)
        self.assertIn("\nr\n\n" + report.PATH_TITLE, twice)

    def test_kept_when_the_failover_report_is_rewritten(self):
        with_path = report.put_section(self.FILE, self.section("path figures"))
        merged = report.merge(NEW, with_path)
        self.assertIn("path figures", merged)
        self.assertIn("new table", merged)
        self.assertEqual(1, merged.count(report.PATH_TITLE))

    def test_a_new_file_is_the_section_alone(self):
        self.assertEqual(self.section("x"), report.put_section("", self.section("x")))


if __name__ == "__main__":
    unittest.main()
