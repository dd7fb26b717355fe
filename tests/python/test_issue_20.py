"""Issue 20, the Python binding as users expect it: an int into a float field, times as
datetime (aware; naive = UTC) and ISO-8601 text, {"host": ["a", "b"]} as IN for query, delete
and rows, the rows API (one Row per tag set and time, tags as a dict), listing measurements,
tag keys and fields, and "cannot write an integer value"."""
import datetime
import os
import shutil
import tempfile
import unittest

import strata

T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
SEC = 1_000_000_000
UTC = datetime.timezone.utc


class Issue20Case(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="strata-py20-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.db = strata.open(os.path.join(self.root, "db"), sync="off")
        self.addCleanup(self.db.close)

    def points(self, measurement, **kw):
        return [(p.series, p.time, p.value) for p in self.db.query(measurement, **kw)]


class IntIntoFloatFieldTest(Issue20Case):
    def test_an_int_is_stored_as_a_float_in_a_float_field(self):
        self.db.write("m", {"h": "a"}, {"v": 1.5}, time=T0)
        self.db.write("m", {"h": "a"}, {"v": 7}, time=T0 + SEC)
        self.db.write("m", {"h": "b"}, {"v": -3}, time=T0)  # another tag set, same field
        got = self.points("m")
        self.assertEqual(got, [("m,h=a#v", T0, 1.5), ("m,h=a#v", T0 + SEC, 7.0),
                               ("m,h=b#v", T0, -3.0)])
        self.assertTrue(all(isinstance(v, float) for _, _, v in got))
        self.assertEqual(self.db.fields("m"), {"v": "float"})

    def test_a_new_field_from_an_int_is_an_integer_field(self):
        self.db.write("m", {"h": "a"}, {"n": 7}, time=T0)
        self.assertEqual(self.db.fields("m"), {"n": "integer"})
        self.assertIsInstance(next(iter(self.db.query("m"))).value, int)

    def test_an_int_a_float_cannot_hold_exactly_is_refused(self):
        self.db.write("m", {"h": "a"}, {"v": 1.5}, time=T0)
        with self.assertRaisesRegex(strata.InvalidError, "no exact float value"):
            self.db.write("m", {"h": "a"}, {"v": (1 << 53) + 1}, time=T0)
        with self.assertRaisesRegex(strata.InvalidError, "no exact float value"):
            self.db.write("m", {"h": "a"}, {"v": 10 ** 400}, time=T0)
        self.db.write("m", {"h": "a"}, {"v": 1 << 60}, time=T0)  # a power of two is exact
        self.assertEqual(self.points("m"), [("m,h=a#v", T0, float(1 << 60))])

    def test_the_type_conflict_message_reads_an_integer(self):
        self.db.write("m", {"h": "a"}, {"n": 7}, time=T0)
        with self.assertRaises(strata.TypeConflictError) as caught:
            self.db.write("m", {"h": "a"}, {"n": 1.5}, time=T0)
        self.assertIn("has type integer; cannot write a float value", str(caught.exception))
        self.db.write("m", {"h": "a"}, {"s": "x"}, time=T0)
        with self.assertRaises(strata.TypeConflictError) as caught:
            self.db.write_lines("m,h=a s=3i %d\n" % T0)
        self.assertIn("has type string; cannot write an integer value", str(caught.exception))


class TimesTest(Issue20Case):
    def test_times_as_datetime_iso_text_and_ns_are_the_same(self):
        aware = datetime.datetime(2024, 1, 1, 2, 0, 0, tzinfo=datetime.timezone(
            datetime.timedelta(hours=2)))  # 00:00 UTC
        naive = datetime.datetime(2024, 1, 1, 0, 0, 1)  # naive is UTC
        self.db.write("m", {"h": "a"}, {"v": 1.0}, time=aware)
        self.db.write("m", {"h": "a"}, {"v": 2.0}, time=naive)
        self.db.write("m", {"h": "a"}, {"v": 3.0}, time="2024-01-01T00:00:02.5Z")
        self.db.write("m", {"h": "a"}, {"v": 4.0}, time="2024-01-01 01:00:03+01:00")
        self.db.write("m", {"h": "a"}, {"v": 5.0}, time=str(T0 + 4 * SEC))
        self.assertEqual([t for _, t, _ in self.points("m")],
                         [T0, T0 + SEC, T0 + 2 * SEC + SEC // 2, T0 + 3 * SEC, T0 + 4 * SEC])
        # Bounds take the same forms, inclusive at both ends.
        self.assertEqual([v for _, _, v in self.points("m", start="2024-01-01T00:00:01Z",
                                                      end=datetime.datetime(2024, 1, 1, 0, 0, 3))],
                         [2.0, 3.0, 4.0])
        self.assertEqual(len(list(self.db.rows("m", start=naive, end=b"2024-01-01T00:00:01Z"))), 1)
        self.db.delete("m", start="2024-01-01T00:00:03Z")
        self.assertEqual([v for _, _, v in self.points("m")], [1.0, 2.0, 3.0])

    def test_times_before_1970_and_microseconds(self):
        old = datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
        self.db.write("m", {"h": "a"}, {"v": 1.0}, time=old)
        self.assertEqual(self.points("m"), [("m,h=a#v", -1000, 1.0)])

    def test_text_that_is_not_a_time_is_refused_with_the_reason(self):
        with self.assertRaisesRegex(strata.InvalidError, "time: cannot use '2016-02-30' as a "
                                                         "time: 2016-02 has no day 30"):
            self.db.write("m", {"h": "a"}, {"v": 1.0}, time="2016-02-30")
        with self.assertRaisesRegex(strata.InvalidError, "start"):
            list(self.db.query("m", start="yesterday"))
        with self.assertRaisesRegex(strata.InvalidError, "int ns, ISO-8601 text or a datetime"):
            self.db.write("m", {"h": "a"}, {"v": 1.0}, time=1.5)


class TagListsAndRowsTest(Issue20Case):
    def setUp(self):
        super().setUp()
        for i, host in enumerate(["a", "b", "c"]):
            for k in range(3):
                self.db.write("cpu", {"host": host, "region": "eu" if host != "c" else "us"},
                              {"usage": float(10 * i + k), "count": k}, time=T0 + k * SEC)
        self.db.write("cpu", {"host": "a", "region": "eu"}, {"note": "late"}, time=T0 + 9 * SEC)

    def test_a_list_of_tag_values_is_in_for_query(self):
        got = self.points("cpu", tags={"host": ["c", "a"]}, field="usage")
        self.assertEqual(got, [("cpu,host=a,region=eu#usage", T0 + k * SEC, float(k))
                               for k in range(3)] +
                         [("cpu,host=c,region=us#usage", T0 + k * SEC, 20.0 + k) for k in range(3)])
        self.assertEqual(self.points("cpu", tags={"host": ["a", "b"], "region": ["us"]}), [])
        self.assertEqual(self.points("cpu", tags={"host": []}), [])
        self.assertEqual(len(self.points("cpu", tags={"host": ["a", "b"], "region": ["eu", "us"]},
                                         field="count")), 6)
        q = self.db.query("cpu", tags={"host": ["a", "b"]})
        next(q)
        q.close()  # closing the merged query releases every cursor
        self.assertEqual(list(q), [])

    def test_a_list_of_tag_values_is_in_for_delete_atomically(self):
        self.db.delete("cpu", tags={"host": ["a", "c"]}, field="usage", end=T0 + SEC)
        self.assertEqual([(s, t) for s, t, _ in self.points("cpu", field="usage")],
                         [("cpu,host=a,region=eu#usage", T0 + 2 * SEC)] +
                         [("cpu,host=b,region=eu#usage", T0 + k * SEC) for k in range(3)] +
                         [("cpu,host=c,region=us#usage", T0 + 2 * SEC)])
        self.assertEqual(len(self.points("cpu", field="count")), 9)

    def test_rows_give_one_row_per_tag_set_and_time_with_tags_as_a_dict(self):
        rows = list(self.db.rows("cpu", tags={"host": ["a", "c"]}))
        self.assertEqual(len(rows), 7)
        self.assertEqual(rows[0], strata.Row(T0, {"host": "a", "region": "eu"},
                                             {"count": 0, "usage": 0.0}))
        self.assertEqual(rows[3], strata.Row(T0 + 9 * SEC, {"host": "a", "region": "eu"},
                                             {"note": "late"}))
        self.assertEqual(rows[6].tags, {"host": "c", "region": "us"})
        self.assertEqual(rows[6].fields, {"count": 2, "usage": 22.0})
        rows[0].tags["host"] = "changed"  # each row has its own dict
        self.assertEqual(rows[1].tags["host"], "a")

    def test_rows_read_the_fields_asked_for_in_a_time_range(self):
        with self.db.rows("cpu", fields=["usage", "note"], start=T0 + SEC,
                          end="2024-01-01T00:00:09Z") as rows:
            got = [(r.tags["host"], r.time, r.fields) for r in rows]
        self.assertEqual(got[:3], [("a", T0 + SEC, {"usage": 1.0}), ("a", T0 + 2 * SEC, {"usage": 2.0}),
                                   ("a", T0 + 9 * SEC, {"note": "late"})])
        self.assertEqual(len(got), 7)
        self.assertEqual(list(self.db.rows("cpu", fields="count", tags={"host": "b"}, end=T0)),
                         [strata.Row(T0, {"host": "b", "region": "eu"}, {"count": 0})])
        self.assertEqual(list(self.db.rows("nothing")), [])

    def test_measurements_tag_keys_and_fields_are_listed(self):
        self.db.write("mem", {"host": "a", "dc": "x"}, {"used": 3, "ok": True}, time=T0)
        self.assertEqual(self.db.measurements(), ["cpu", "mem"])
        self.assertEqual(self.db.tag_keys("cpu"), ["host", "region"])
        self.assertEqual(self.db.tag_keys("mem"), ["dc", "host"])
        self.assertEqual(self.db.fields("cpu"),
                         {"count": "integer", "note": "string", "usage": "float"})
        self.assertEqual(self.db.fields("mem"), {"ok": "boolean", "used": "integer"})
        with self.assertRaisesRegex(strata.NotFoundError, "no measurement 'disk'"):
            self.db.fields("disk")


if __name__ == "__main__":
    unittest.main()
