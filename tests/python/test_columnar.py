"""The binding's columnar paths (issue 18): read_columns into numpy, read_frame into pandas,
write_columns and write_frame, checked against the point-by-point query on data of real shapes
(aligned rows, fields written at different times, missing values, repeated and empty strings,
counters, extremes, duplicate times, many short series, several shards, MemStores and segments).
Skipped where numpy or pandas is missing; a subprocess checks that `import strata` works without
them."""
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

import strata

try:
    import numpy as np
except ImportError:  # pragma: no cover - the Debian test machine has it
    np = None
try:
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None

T0 = 1_451_606_400_000_000_000  # 2016-01-01T00:00:00Z
SEC = 1_000_000_000
DAY = 86_400 * SEC


class Case(unittest.TestCase):
    def setUp(self):
        root = tempfile.mkdtemp(prefix="strata-col-")
        self.addCleanup(shutil.rmtree, root, True)
        self.db = strata.open(os.path.join(root, "db"), sync="off")
        self.addCleanup(self.db.close)

    def expected_rows(self, measurement, fields, tags=None, start=None, end=None):
        """{(tagset key, time): {field: value}} through the point-by-point query."""
        rows = {}
        for field in fields:
            for p in self.db.query(measurement, tags=None, field=field, start=start, end=end):
                tagset = p.series.rsplit("#", 1)[0]
                rows.setdefault((tagset, p.time), {})[field] = p.value
        if tags:
            rows = {k: v for k, v in rows.items() if all(
                ("%s=%s" % (key, val)) in k[0].split(",")[1:] for key, val in tags.items())}
        return rows

    def rows_of(self, cols, measurement):
        """The same mapping, built from a Columns result."""
        out = {}
        for i in range(cols.nrows):
            ts = cols.tagsets[cols.tagset[i]]
            key = ",".join([measurement] + ["%s=%s" % (k, ts[k]) for k in sorted(ts)])
            values = {}
            for name, arr in cols.fields.items():
                if isinstance(arr, np.ma.MaskedArray):
                    if arr.mask[i]:
                        continue
                    v = arr.data[i]
                else:
                    v = arr[i]
                values[name] = v.item() if hasattr(v, "item") else v
            self.assertNotIn((key, int(cols.times[i])), out, "a row came twice")
            out[(key, int(cols.times[i]))] = values
        return out


@unittest.skipIf(np is None, "numpy is not installed")
class ReadColumnsTest(Case):
    def test_aligned_rows_come_as_typed_arrays(self):
        lines = []
        for h in range(3):
            for i in range(1000):
                lines.append('cpu,host=h%d,dc=eu u=%d.25,n=%di,ok=%s,s="v%d" %d\n' % (
                    h, i, (1 << 62) + i, "true" if i % 3 else "false", i % 4, T0 + i * SEC))
        self.db.write_lines("".join(lines))
        cols = self.db.read_columns("cpu")
        self.assertEqual(cols.nrows, 3000)
        self.assertEqual(list(cols), ["time", "dc", "host", "n", "ok", "s", "u"])
        self.assertEqual(cols["time"].dtype, np.dtype("datetime64[ns]"))
        self.assertEqual(cols["time"][0], np.datetime64("2016-01-01T00:00:00", "ns"))
        self.assertEqual(cols["u"].dtype, np.float64)
        self.assertEqual(cols["n"].dtype, np.int64)
        self.assertEqual(cols["ok"].dtype, np.bool_)
        self.assertEqual(cols["s"].dtype, object)
        self.assertNotIsInstance(cols["u"], np.ma.MaskedArray)
        np.testing.assert_array_equal(cols["n"][:1000], (1 << 62) + np.arange(1000))
        self.assertEqual(cols["s"][:5].tolist(), ["v0", "v1", "v2", "v3", "v0"])
        self.assertEqual(cols["host"][999], "h0")
        self.assertEqual(cols["host"][1000], "h1")
        self.assertEqual(len(cols.tagsets), 3)
        self.assertEqual(cols.field_types, {"n": 2, "ok": 3, "s": 4, "u": 1})
        self.assertEqual(self.rows_of(cols, "cpu"),
                         self.expected_rows("cpu", ["u", "n", "ok", "s"]))

    def test_fields_written_apart_and_missing_values_are_masked(self):
        # a: every second, b: every third second, c: only on host y; jittered duplicate times.
        rnd = random.Random(7)
        lines = []
        for host in ("x", "y"):
            for i in range(300):
                t = T0 + i * SEC + rnd.randrange(3)
                if i % 1 == 0:
                    lines.append("m,host=%s a=%d.5 %d\n" % (host, i, t))
                if i % 3 == 0:
                    lines.append("m,host=%s b=%di %d\n" % (host, -i, t + 1))
                if host == "y" and i % 7 == 0:
                    lines.append("m,host=%s c=true %d\n" % (host, t))
        self.db.write_lines("".join(lines))
        self.db.flush()
        self.db.write_lines("m,host=x a=0.25 %d\n" % (T0 + 5 * SEC))  # overwrite over a segment
        cols = self.db.read_columns("m", fields=["a", "b", "c"])
        self.assertIsInstance(cols["b"], np.ma.MaskedArray)
        self.assertIsInstance(cols["c"], np.ma.MaskedArray)
        self.assertTrue(np.isnan(cols["a"].data[cols["a"].mask]).all())
        self.assertEqual(self.rows_of(cols, "m"), self.expected_rows("m", ["a", "b", "c"]))
        # Rows come by tag set, then time.
        for code in range(len(cols.tagsets)):
            t = cols.times[cols.tagset == code]
            self.assertTrue((np.diff(t) > 0).all())

    def test_filters_ranges_and_in_lists(self):
        self.db.write_lines("".join("cpu,host=h%d,rack=r%d v=%d %d\n" % (h, h % 2, i, T0 + i * SEC)
                                    for h in range(5) for i in range(50)))
        cols = self.db.read_columns("cpu", fields="v", tags={"host": ["h1", "h3", "nope"]},
                                    start=T0 + 10 * SEC, end=np.datetime64(T0 + 19 * SEC, "ns"))
        self.assertEqual(cols.nrows, 20)
        self.assertEqual(sorted(set(cols["host"])), ["h1", "h3"])
        self.assertEqual(int(cols.times.min()), T0 + 10 * SEC)
        self.assertEqual(int(cols.times.max()), T0 + 19 * SEC)
        cols = self.db.read_columns("cpu", fields=["v"], tags={"rack": "r0", "host": "h2"})
        self.assertEqual(set(cols["host"]), {"h2"})
        self.assertEqual(cols.nrows, 50)
        empty = self.db.read_columns("cpu", fields=["v"], tags={"host": "zz"})
        self.assertEqual(empty.nrows, 0)
        self.assertEqual(empty["v"].dtype, np.float64)
        self.assertEqual(empty["time"].dtype, np.dtype("datetime64[ns]"))
        nothing = self.db.read_columns("nothing")
        self.assertEqual((nothing.nrows, list(nothing)), (0, ["time"]))

    def test_many_rows_of_fields_written_apart_are_joined_as_the_row_view_gives_them(self):
        # Past a few thousand one-row blocks, read_columns reads field by field and joins them.
        from strata import _columns
        rnd = random.Random(5)
        lines = []
        for host in ("x", "y", "z"):
            for i in range(4000):
                t = T0 + i * SEC
                lines.append("m,host=%s a=%d.5 %d\n" % (host, i, t + rnd.randrange(2)))
                if i % 3 == 0:
                    lines.append("m,host=%s b=%di %d\n" % (host, -i, t + 1))
                if host == "y" and i % 5 == 0:
                    lines.append('m,host=%s c="s%d",d=true %d\n' % (host, i % 4, t + 2))
        self.db.write_lines("".join(lines))
        self.db.flush()
        self.db.write_lines("m,host=x a=0.25 %d\n" % (T0 + 7 * SEC + 5))  # a MemStore row too
        for fields, tags, start in ((["a", "b", "c", "d"], None, None), (None, None, None),
                                    (["b", "a"], {"host": ["z", "y"]}, T0 + 100 * SEC)):
            with self.subTest(fields=fields, tags=tags):
                got = self.db.read_columns("m", fields=fields, tags=tags, start=start)
                query = _columns.RowQuery(self.db._lib, self.db._db, "m", tags, start, None)
                want = query.read(fields).result  # the row view, one row per block
                with self.assertRaises(_columns.Unaligned):  # so read_columns joined fields
                    query.read(fields, give_up_when_unaligned=True)
                self.assertGreater(got.nrows, 4096)
                np.testing.assert_array_equal(got.times, want.times)
                self.assertEqual([got.tagsets[c] for c in got.tagset[::97]],
                                 [want.tagsets[c] for c in want.tagset[::97]])
                self.assertEqual(list(got.fields), list(want.fields))
                for name in want.fields:
                    g, w = got[name], want[name]
                    np.testing.assert_array_equal(np.ma.getmaskarray(g), np.ma.getmaskarray(w))
                    np.testing.assert_array_equal(np.ma.getdata(g)[~np.ma.getmaskarray(g)],
                                                  np.ma.getdata(w)[~np.ma.getmaskarray(w)])
                    self.assertEqual(got.field_types[name], want.field_types[name])

    def test_every_field_of_tag_sets_with_different_fields(self):
        # Many short series: each tag set has its own subset of fields.
        lines = []
        for s in range(200):
            names = ["f%d" % (s % 4), "g"] if s % 5 else ["only"]
            for i in range(3):
                lines.append("m,id=%03d %s %d\n" % (s, ",".join("%s=%di" % (n, s * 10 + i)
                                                                 for n in names), T0 + i))
        self.db.write_lines("".join(lines))
        cols = self.db.read_columns("m")
        names = ["f0", "f1", "f2", "f3", "g", "only"]
        self.assertEqual(sorted(cols.fields), names)
        self.assertEqual(cols.nrows, 600)
        self.assertEqual(self.rows_of(cols, "m"), self.expected_rows("m", names))

    def test_rows_over_several_shards_memstores_and_segments(self):
        self.db.write_lines("".join("m,k=a v=%d.5 %d\n" % (i, T0 + i * DAY // 4) for i in range(12)))
        self.db.flush()
        self.db.write_lines("".join("m,k=a v=%d.5 %d\n" % (i, T0 + i * DAY // 4 + 1)
                                    for i in range(12)))
        cols = self.db.read_columns("m", fields=["v"])
        self.assertEqual(cols.nrows, 24)
        self.assertTrue((np.diff(cols.times) > 0).all())

    def test_large_read_matches_query_and_grows_buffers(self):
        n = 200_000
        times = T0 + np.arange(n, dtype=np.int64) * 10 * SEC
        counter = np.cumsum(np.arange(n, dtype=np.int64) % 17)
        self.db.write_columns("big", {"host": "a"}, times,
                              {"c": counter, "v": np.sin(np.arange(n)) * 1e6})
        cols = self.db.read_columns("big", fields=["c", "v"])
        np.testing.assert_array_equal(cols.times, times)
        np.testing.assert_array_equal(cols["c"], counter)
        np.testing.assert_array_equal(cols["v"], np.sin(np.arange(n)) * 1e6)

    def test_strings_with_nul_bytes_and_unicode(self):
        self.db.write("m", {"k": "v"}, {"s": "a\0b"}, time=T0)
        self.db.write("m", {"k": "v"}, {"s": "héllo"}, time=T0 + 1)
        self.db.write("m", {"k": "v"}, {"s": ""}, time=T0 + 2)
        self.assertEqual(self.db.read_columns("m")["s"].tolist(), ["a\0b", "héllo", ""])

    def test_errors(self):
        self.db.write_lines("m v=1 1\n")
        with self.assertRaises(strata.InvalidError):
            self.db.read_columns("")
        with self.assertRaises(strata.InvalidError):
            self.db.read_columns("m", fields=[])
        with self.assertRaises(strata.InvalidError):
            self.db.read_columns("m", fields=["v", "v"])
        with self.assertRaises(strata.InvalidError):
            self.db.read_columns("m", start="yesterday")
        self.db.close()
        with self.assertRaises(strata.InvalidError):
            self.db.read_columns("m")


@unittest.skipIf(np is None, "numpy is not installed")
class WriteColumnsTest(Case):
    def test_types_missing_values_and_extremes_round_trip(self):
        n = 6
        times = np.array([T0 + i for i in range(n)], dtype="datetime64[ns]")
        ints = np.array([0, -1, np.iinfo(np.int64).min, np.iinfo(np.int64).max, 5, 5])
        floats = np.array([1.5, np.nan, -0.0, 1e308, 5e-324, 3.0])
        bools = np.ma.MaskedArray([True, False, True, True, False, False],
                                  mask=[0, 0, 1, 0, 0, 0])
        texts = np.array(["a", None, "", "a", "ü", "a"], dtype=object)
        written = self.db.write_columns("m", {"host": "h"}, times,
                                        {"i": ints, "f": floats, "b": bools, "s": texts})
        self.assertEqual(written, 6 + 5 + 5 + 5)
        cols = self.db.read_columns("m", fields=["i", "f", "b", "s"])
        np.testing.assert_array_equal(cols["i"], ints)
        self.assertEqual(cols["f"].mask.tolist(), [False, True, False, False, False, False])
        self.assertEqual(cols["f"].compressed().tolist(), [1.5, -0.0, 1e308, 5e-324, 3.0])
        self.assertEqual(cols["b"].mask.tolist(), [False, False, True, False, False, False])
        self.assertEqual(cols["s"].mask.tolist(), [False, True, False, False, False, False])
        self.assertEqual(cols["s"].compressed().tolist(), ["a", "", "a", "ü", "a"])

    def test_unsorted_and_duplicate_times_keep_the_last_value(self):
        self.db.write_columns("m", {}, [T0 + 2, T0, T0 + 2, T0 + 1], {"v": [1.0, 2.0, 3.0, 4.0]})
        cols = self.db.read_columns("m")
        self.assertEqual(cols.times.tolist(), [T0, T0 + 1, T0 + 2])
        self.assertEqual(cols["v"].tolist(), [2.0, 4.0, 3.0])

    def test_bad_input_is_refused_and_writes_nothing(self):
        self.db.write_columns("m", {"k": "v"}, [T0], {"v": [1.0]})
        bad = [
            ({"v": [1.0, 2.0]}, [T0], "values for 1 times"),
            ({"v": [math.inf]}, [T0 + 1], "infinite"),
            ({"v": np.array([1, 2], dtype="datetime64[s]")}, [T0, T0 + 1], "dtype"),
            ({"v": np.array([1, 2 ** 64 - 1], dtype=np.uint64)}, [T0, T0 + 1], "int64 range"),
            ({"v": np.array([object(), "x"], dtype=object)}, [T0, T0 + 1], "holds a object"),
            ({"v": [1.0]}, np.array(["NaT"], dtype="datetime64[ns]"), "NaT"),
            ({"v": [1.0]}, [1.5], "int ns or datetime64"),
            ({}, [T0], "at least one field"),
            ({"v": np.array([1, 2])}, [T0, T0 + 1], "float"),  # type conflict with the stored field
            ({"w": [1.0, 2.0], "v": ["a", "b"]}, [T0, T0 + 1], ""),  # the second field conflicts
        ]
        for fields, times, needle in bad:
            with self.subTest(needle=needle, fields=list(fields)):
                with self.assertRaises(strata.Error) as ctx:
                    self.db.write_columns("m", {"k": "v"}, times, fields)
                self.assertIn(needle, str(ctx.exception))
        cols = self.db.read_columns("m")
        self.assertEqual((cols.nrows, list(cols.fields)), (1, ["v"]))
        self.assertEqual(cols["v"].tolist(), [1.0])


@unittest.skipIf(pd is None, "pandas is not installed")
class FrameTest(Case):
    def sample_frame(self, rows=2000, hosts=7):
        rnd = np.random.default_rng(3)
        host = np.array(["host_%d" % (i % hosts) for i in range(rows)], dtype=object)
        region = np.where(np.arange(rows) % hosts < 3, "eu", "us").astype(object)
        times = T0 + (np.arange(rows) // hosts) * 10 * SEC + rnd.integers(0, 5, rows)
        usage = np.round(rnd.uniform(0, 100, rows), 2)
        usage[::13] = np.nan
        return pd.DataFrame({
            "time": pd.to_datetime(times),
            "hostname": host,
            "region": region,
            "usage": usage,
            "constant": np.full(rows, 42.0),
            "requests": np.cumsum(rnd.integers(0, 10, rows)),
            "up": pd.array(np.arange(rows) % 5 != 0, dtype="boolean"),
            "status": ["ok" if i % 9 else "degraded" for i in range(rows)],
        })

    def test_write_frame_then_read_frame_round_trips(self):
        df = self.sample_frame()
        df.loc[df.index[::11], "up"] = pd.NA
        written = self.db.write_frame("cpu", df, tags=["hostname", "region"])
        self.assertEqual(written, int(df[["usage", "constant", "requests", "up", "status"]]
                                      .notna().to_numpy().sum()))
        got = self.db.read_frame("cpu")
        self.assertEqual(list(got.columns), ["time", "hostname", "region", "constant", "requests",
                                             "status", "up", "usage"])
        self.assertIsInstance(got["hostname"].dtype, pd.CategoricalDtype)
        self.assertEqual(str(got["up"].dtype), "boolean")
        self.assertEqual(got["requests"].dtype, np.int64)
        want = (df.astype({"hostname": "category", "region": "category"})
                .sort_values(["hostname", "time"], kind="stable").reset_index(drop=True))
        want = want[got.columns]
        pd.testing.assert_frame_equal(got, want, check_categorical=False)

    def test_categorical_tags_are_the_default_and_missing_tags_are_absent(self):
        df = pd.DataFrame({
            "time": [T0, T0, T0 + 1, T0 + 1],
            "host": pd.Categorical(["a", "b", "a", "b"]),
            "rack": pd.Categorical(["r1", None, "r1", None]),
            "v": [1.0, 2.0, 3.0, 4.0],
            "n": pd.array([1, None, 3, None], dtype="Int64"),
        })
        self.assertEqual(self.db.write_frame("m", df), 6)
        got = self.db.read_frame("m")
        self.assertEqual(got["rack"].isna().tolist(), [False, False, True, True])
        self.assertEqual(str(got["n"].dtype), "Int64")
        self.assertEqual(got["n"].isna().tolist(), [False, False, True, True])
        self.assertEqual(got["v"].tolist(), [1.0, 3.0, 2.0, 4.0])
        self.assertEqual(self.db.read_columns("m").tagsets,
                         [{"host": "a", "rack": "r1"}, {"host": "b"}])

    def test_datetime_index_and_timezones(self):
        idx = pd.date_range("2016-01-01 01:00", periods=3, freq="1s", tz="Europe/Berlin")
        df = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=idx)
        self.db.write_frame("m", df)
        got = self.db.read_frame("m", start=pd.Timestamp("2016-01-01T00:00:01Z"))
        self.assertEqual(got["time"].tolist(), [pd.Timestamp("2016-01-01 00:00:01"),
                                                pd.Timestamp("2016-01-01 00:00:02")])

    def test_benchmark_shaped_frame_matches_the_line_protocol_path(self):
        lines = []
        rnd = random.Random(11)
        for step in range(50):
            for h in range(20):
                vals = ",".join("f%d=%s" % (f, round(rnd.uniform(0, 100), 2)) for f in range(4))
                lines.append("cpu,hostname=host_%d,region=r%d,rack=%d %s %d\n"
                             % (h, h % 3, h % 5, vals, T0 + step * 10 * SEC))
        self.db.write_lines("".join(lines))
        expected = self.db.read_frame("cpu")
        self.db.write_frame("cpu2", expected)
        pd.testing.assert_frame_equal(self.db.read_frame("cpu2"), expected)

    def test_batches_of_any_size_write_the_same_rows(self):
        df = self.sample_frame(rows=500, hosts=3)
        total = self.db.write_frame("one", df, tags=["hostname", "region"], batch_points=None)
        expected = self.db.read_frame("one")
        for size in (1, 7, 100, 10_000):
            with self.subTest(batch_points=size):
                n = self.db.write_frame("m%d" % size, df, tags=["hostname", "region"],
                                        batch_points=size)
                self.assertEqual(n, total)
                pd.testing.assert_frame_equal(self.db.read_frame("m%d" % size), expected)

    def test_conflicts_and_old_times_are_refused_before_any_batch_is_written(self):
        self.db.write_lines("m,host=a v=1i %d\n" % T0)  # v is an integer field
        df = pd.DataFrame({"time": [T0 + i for i in range(10)],
                           "host": pd.Categorical(["b"] * 10),
                           "w": [float(i) for i in range(10)], "v": [1.5] * 10})
        with self.assertRaisesRegex(strata.TypeConflictError, "'v'.*integer.*float"):
            self.db.write_frame("m", df, batch_points=2)
        self.assertEqual(self.db.read_columns("m").nrows, 1)
        root = tempfile.mkdtemp(prefix="strata-col-")
        self.addCleanup(shutil.rmtree, root, True)
        with strata.open(os.path.join(root, "db"), sync="off", retention="1d") as db:
            now = pd.Timestamp.now(tz="UTC").value
            recent = pd.DataFrame({"time": [now - 5, now - 4, T0], "v": [1.0, 2.0, 3.0]})
            with self.assertRaisesRegex(strata.InvalidError, r"\(row 2\) is older"):
                db.write_frame("m", recent, batch_points=1)
            self.assertEqual(db.read_columns("m").nrows, 0)

    def test_bad_frames_are_refused(self):
        df = pd.DataFrame({"time": [T0], "host": [3], "v": [1.0]})
        with self.assertRaisesRegex(strata.InvalidError, "tag values are text"):
            self.db.write_frame("m", df, tags=["host"])
        with self.assertRaisesRegex(strata.InvalidError, "no column 'nope'"):
            self.db.write_frame("m", df, tags=["nope"])
        with self.assertRaisesRegex(strata.InvalidError, "no time column"):
            self.db.write_frame("m", df.drop(columns="time"))
        with self.assertRaisesRegex(strata.InvalidError, "DataFrame"):
            self.db.write_frame("m", {"v": [1.0]})
        with self.assertRaisesRegex(strata.InvalidError, "non-empty"):
            self.db.write_frame("m", df.astype({"host": str}).assign(host=[""]), tags=["host"])
        with self.assertRaisesRegex(strata.InvalidError, "batch_points"):
            self.db.write_frame("m", df, batch_points=0)
        self.assertEqual(self.db.read_columns("m").nrows, 0)
        self.db.write_lines("m,v=x v=1 %d\n" % T0)  # a tag named as a field
        with self.assertRaisesRegex(strata.InvalidError, "read_columns"):
            self.db.read_frame("m")
        cols = self.db.read_columns("m")
        self.assertEqual((cols.tag("v")[0], cols["v"][0]), ("x", 1.0))


class OptionalDependenciesTest(unittest.TestCase):
    def test_import_and_plain_calls_work_without_numpy_and_pandas(self):
        code = (
            "import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('numpy', 'pandas'):\n"
            "            raise ImportError('blocked ' + name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "import strata, tempfile, os\n"
            "d = tempfile.mkdtemp()\n"
            "with strata.open(os.path.join(d, 'db'), sync='off') as db:\n"
            "    db.write('m', {}, {'v': 1.0}, time=5)\n"
            "    assert [p.value for p in db.query('m')] == [1.0]\n"
            "    try:\n"
            "        db.read_columns('m')\n"
            "    except ImportError as e:\n"
            "        assert 'python3-numpy' in str(e), e\n"
            "    else:\n"
            "        raise AssertionError('read_columns worked without numpy')\n"
            "assert 'numpy' not in sys.modules and 'pandas' not in sys.modules\n"
            "print('ok')\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=os.environ.copy(), timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "ok")


if __name__ == "__main__":
    unittest.main()
