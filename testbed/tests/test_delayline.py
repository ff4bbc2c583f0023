"""The delay line's schedule and the RTT option, with plain numbers (no network, no root)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from exotb import delayline  # noqa: E402
from exotb.delayline import DelayLine  # noqa: E402

MS = 1_000_000


class DelayLineTest(unittest.TestCase):

    def test_a_frame_is_held_exactly_the_delay(self):
        line = DelayLine(15 * MS)
        line.push(b"a", 100 * MS)
        self.assertEqual([], line.due(115 * MS - 1))
        self.assertEqual(115 * MS, line.next_due())
        self.assertEqual([b"a"], line.due(115 * MS))
        self.assertIsNone(line.next_due())

    def test_frames_keep_their_order_and_leave_together_when_late(self):
        line = DelayLine(10 * MS)
        for i, t in enumerate((0, 1 * MS, 1 * MS, 5 * MS)):
            line.push(bytes([i]), t)
        self.assertEqual([b"\0", b"\1", b"\2"], line.due(11 * MS))
        self.assertEqual([b"\3"], line.due(40 * MS))

    def test_zero_delay_sends_at_once(self):
        line = DelayLine(0)
        line.push(b"x", 7)
        self.assertEqual([b"x"], line.due(7))

    def test_a_full_line_drops_and_counts(self):
        line = DelayLine(MS, limit=2)
        self.assertTrue(line.push(b"1", 0))
        self.assertTrue(line.push(b"2", 0))
        self.assertFalse(line.push(b"3", 0))
        self.assertEqual(1, line.dropped)
        self.assertEqual([b"1", b"2"], line.due(MS))

    def test_negative_delay_is_refused(self):
        with self.assertRaises(ValueError):
            DelayLine(-1)

    def test_the_loop_blocks_until_the_first_due_frame_of_any_line(self):
        a, b = DelayLine(10 * MS), DelayLine(10 * MS)
        self.assertEqual(1.0, delayline.wait_seconds([a, b], 0))
        a.push(b"a", 5 * MS)
        b.push(b"b", 2 * MS)
        self.assertAlmostEqual(0.012, delayline.wait_seconds([a, b], 0))
        self.assertEqual(0.0, delayline.wait_seconds([a, b], 50 * MS))


class RttOptionTest(unittest.TestCase):

    def test_units(self):
        self.assertEqual(30.0, delayline.parse_rtt_ms("30ms"))
        self.assertEqual(30.0, delayline.parse_rtt_ms("0.03s"))
        self.assertEqual(12.5, delayline.parse_rtt_ms("12.5"))
        self.assertEqual(0.0, delayline.parse_rtt_ms("0"))

    def test_bad_values_say_what_was_expected(self):
        for text in ("fast", "-3ms", "11s", "nan", ""):
            with self.assertRaises(ValueError) as raised:
                delayline.parse_rtt_ms(text)
            self.assertIn("(expected: 0 to 10 s, e.g. 30ms or 0.03s)", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
