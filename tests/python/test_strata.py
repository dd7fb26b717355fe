"""The Python binding (bindings/python/strata) over libstrata.so: round trips, error classes,
handle lifetime and concurrent use. Run by ctest with STRATA_LIBRARY and PYTHONPATH set."""
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import unittest

import strata
from strata import _errors

T0 = 1_700_000_000_000_000_000
SEC = 1_000_000_000


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="strata-py-")
        self.dir = os.path.join(self.root, "db")
        # Cleanups run last-in first-out: handles opened later close before this removal.
        self.addCleanup(shutil.rmtree, self.root, True)

    def open(self, **options):
        options.setdefault("sync", "off")
        db = strata.open(self.dir, **options)
        self.addCleanup(db.close)
        return db


class RoundTripTest(TempDirCase):
    def test_write_maps_python_types_and_query_returns_them(self):
        db = self.open()
        db.write("cpu", {"host": "a", "region": "eu"},
                 {"usage": 1.5, "count": 3, "up": True, "note": "héllo", "big": -(1 << 63)},
                 time=T0)
        got = {p.field: p for p in db.query("cpu")}
        self.assertEqual(set(got), {"usage", "count", "up", "note", "big"})
        self.assertIsInstance(got["usage"].value, float)
        self.assertEqual(got["usage"].value, 1.5)
        self.assertIs(type(got["count"].value), int)
        self.assertEqual(got["count"].value, 3)
        self.assertIs(got["up"].value, True)
        self.assertEqual(got["note"].value, "héllo")
        self.assertEqual(got["big"].value, -(1 << 63))
        self.assertEqual(got["usage"].series, "cpu,host=a,region=eu#usage")
        self.assertEqual(got["usage"].time, T0)
        self.assertIsInstance(got["usage"], strata.Point)

    def test_write_without_time_uses_now(self):
        db = self.open()
        import time
        before = time.time_ns()
        db.write("m", {}, {"v": 1.0})
        (p,) = list(db.query("m"))
        self.assertGreaterEqual(p.time, before)

    def test_query_filters_by_tags_field_and_inclusive_time_range(self):
        db = self.open()
        lines = "".join("cpu,host=%s,dc=x usage=%d.5,sys=%di %d\n" % (h, i, i, T0 + i * SEC)
                        for h in ("a", "b") for i in range(10))
        db.write_lines(lines)
        self.assertEqual(len(list(db.query("cpu"))), 40)
        pts = list(db.query("cpu", tags={"host": "b"}, field="usage", start=T0 + 2 * SEC,
                            end=T0 + 4 * SEC))
        self.assertEqual([p.time for p in pts], [T0 + 2 * SEC, T0 + 3 * SEC, T0 + 4 * SEC])
        self.assertEqual([p.value for p in pts], [2.5, 3.5, 4.5])
        self.assertTrue(all(p.series == "cpu,dc=x,host=b#usage" for p in pts))
        self.assertEqual(list(db.query("cpu", tags={"host": "zz"})), [])
        self.assertEqual(list(db.query("nothing")), [])
        self.assertEqual(list(db.query("cpu", start=T0 + 100 * SEC)), [])

    def test_write_lines_with_a_precision(self):
        db = self.open()
        s = T0 // SEC
        db.write_lines("m,h=a v=1 %d\n" % s, precision="s")
        db.write_lines("m,h=a v=2 %d001\n" % s, precision="ms")
        db.write_lines("m,h=a v=3 %d000002\n" % s, precision="us")
        db.write_lines(b"m,h=a v=4 %d000000003\n" % s, precision="ns")
        self.assertEqual([(p.time, p.value) for p in db.query("m")],
                         [(T0, 1.0), (T0 + 3, 4.0), (T0 + 2000, 3.0), (T0 + 1000000, 2.0)])
        with self.assertRaises(strata.InvalidError):
            db.write_lines("m v=1 1\n", precision="h")
        with self.assertRaisesRegex(strata.InvalidError, "line 2, column 7"):
            db.write_lines("m v=5 1\nm v=1 9223372037\n", precision="s")
        self.assertEqual(len(list(db.query("m"))), 4)

    def test_schema_lists_measurements_tags_and_field_types(self):
        db = self.open()
        db.write_lines('cpu,host=a,dc=x u=1,n=2i,ok=t,s="x" 1\nmem,host=a free=3i 1\n')
        self.assertEqual(db.schema(), {"measurements": [
            {"name": "cpu", "tags": ["dc", "host"],
             "fields": [{"name": "n", "type": "integer"}, {"name": "ok", "type": "boolean"},
                        {"name": "s", "type": "string"}, {"name": "u", "type": "float"}],
             "series": 4},
            {"name": "mem", "tags": ["host"], "fields": [{"name": "free", "type": "integer"}],
             "series": 1}]})

    def test_tag_values_come_from_the_index_with_their_series(self):
        db = self.open()
        db.write_lines('cpu,host=b,dc=x u=1,n=2i 1\ncpu,host=a u=1 1\ncpu,host=\u00e9 u=1 2\n')
        self.assertEqual(list(db.tag_values("cpu", "host").items()),
                         [("a", 1), ("b", 2), ("\u00e9", 1)])
        self.assertEqual(db.tag_values("cpu", "dc"), {"x": 2})
        self.assertEqual(db.tag_values("cpu", "nope"), {})
        self.assertEqual(db.tag_values("nope", "host"), {})
        self.assertEqual(db.schema()["measurements"][0]["series"], 4)

    def test_query_crosses_block_boundaries(self):
        db = self.open()
        n = 10_000
        db.write_lines("".join("m v=%di %d\n" % (i, T0 + i) for i in range(n)))
        values = [p.value for p in db.query("m")]
        self.assertEqual(values, list(range(n)))

    def test_last_write_wins(self):
        db = self.open()
        db.write("m", {"k": "v"}, {"f": 1.0}, time=T0)
        db.write("m", {"k": "v"}, {"f": 2.0}, time=T0)
        self.assertEqual([p.value for p in db.query("m")], [2.0])

    def test_delete_removes_only_the_matching_points(self):
        db = self.open()
        db.write_lines("".join("cpu,host=%s a=%d.0,b=%d.0 %d\n" % (h, i, i, T0 + i)
                               for h in ("x", "y") for i in range(5)))
        db.delete("cpu", tags={"host": "x"}, field="a", start=T0 + 1, end=T0 + 3)
        self.assertEqual([p.time - T0 for p in db.query("cpu", tags={"host": "x"}, field="a")],
                         [0, 4])
        self.assertEqual(len(list(db.query("cpu", tags={"host": "x"}, field="b"))), 5)
        db.delete("cpu", tags={"host": "y"})
        self.assertEqual(list(db.query("cpu", tags={"host": "y"})), [])
        db.delete("cpu", end=T0)
        self.assertEqual([p.time - T0 for p in db.query("cpu", tags={"host": "x"}, field="b")],
                         [1, 2, 3, 4])

    def test_flush_compact_and_reopen_keep_data(self):
        db = self.open(memstore_bytes="1MiB")
        db.write_lines("".join("m,t=1 v=%d.25 %d\n" % (i, T0 + i) for i in range(1000)))
        db.flush()
        stats = db.stats()
        self.assertIsInstance(stats, dict)
        self.assertEqual(stats["points_written"], 1000)
        self.assertGreater(stats["segment_points"], 0)
        db.write_lines("m,t=1 v=0.5 %d\n" % T0)
        db.compact()
        db.close()
        with strata.open(self.dir) as again:
            pts = list(again.query("m"))
            self.assertEqual(len(pts), 1000)
            self.assertEqual(pts[0].value, 0.5)
            self.assertIn("series", again.stats())

    def test_version(self):
        self.assertEqual(strata.version(), "0.1.0")
        self.assertEqual(strata.abi_version(), 1)
        self.assertTrue(os.path.exists(strata.library_path()))


class ErrorTest(TempDirCase):
    def assertRaisesStrata(self, cls, needle, fn, *args, **kwargs):
        with self.assertRaises(cls) as ctx:
            fn(*args, **kwargs)
        self.assertIsInstance(ctx.exception, strata.Error)
        self.assertIn(needle, str(ctx.exception))
        return ctx.exception

    def test_every_status_code_maps_to_its_class(self):
        expected = {1: strata.Error, 2: strata.InvalidError, 3: strata.IoError,
                    4: strata.CorruptError, 5: strata.LockedError, 6: strata.NotFoundError,
                    7: strata.TypeConflictError, 8: strata.NoMemError, 9: strata.ReadOnlyError}
        for code, cls in expected.items():
            err = _errors.error_for(code, "message %d" % code)
            self.assertIs(type(err), cls)
            self.assertEqual(err.code, code)
            self.assertEqual(str(err), "message %d" % code)
            self.assertTrue(issubclass(cls, strata.Error))
        odd = _errors.error_for(42, "")
        self.assertIs(type(odd), strata.Error)
        self.assertEqual(odd.code, 42)
        self.assertIsNot(strata.IoError, IOError)

    def test_invalid(self):
        self.assertRaisesStrata(strata.InvalidError, "no_such_option", strata.open, self.dir,
                                no_such_option=1)
        self.assertRaisesStrata(strata.InvalidError, "sync", strata.open, self.dir, sync="maybe")
        db = self.open()
        err = self.assertRaisesStrata(strata.InvalidError, "line 2", db.write_lines,
                                      "m v=1 1\nm v= 2\n")
        self.assertEqual(err.code, 2)
        self.assertRaisesStrata(strata.InvalidError, "NaN", db.write, "m", {}, {"v": math.nan}, 1)
        self.assertRaisesStrata(strata.InvalidError, "infinite", db.write, "m", {}, {"v": math.inf}, 1)
        self.assertRaisesStrata(strata.InvalidError, "list", db.write, "m", {}, {"v": [1]}, 1)
        self.assertRaisesStrata(strata.InvalidError, "int64", db.write, "m", {}, {"v": 1 << 63}, 1)
        self.assertRaisesStrata(strata.InvalidError, "measurement", db.write, "", {}, {"v": 1}, 1)
        self.assertRaisesStrata(strata.InvalidError, "NUL", db.write, "m\0x", {}, {"v": 1}, 1)
        self.assertRaisesStrata(strata.InvalidError, "measurement", db.query, "")
        self.assertRaisesStrata(strata.InvalidError, "start", db.query, "m", start="yesterday")
        self.assertEqual(list(db.query("m")), [])  # nothing of the failed writes landed

    def test_type_conflict(self):
        db = self.open()
        db.write("m", {"k": "v"}, {"f": 1.5}, time=1)
        # (An int for a float field is stored as a float, as SQL does: issue 20; a str is not.)
        self.assertRaisesStrata(strata.TypeConflictError, "'f'", db.write, "m", {"k": "w"},
                                {"g": 1.0, "f": "two"}, 2)
        self.assertRaisesStrata(strata.TypeConflictError, "f", db.write_lines, "m,k=v f=\"s\" 3\n")
        self.assertEqual(len(list(db.query("m"))), 1)

    def test_io(self):
        blocker = os.path.join(self.root, "file")
        with open(blocker, "w") as f:
            f.write("x")
        self.assertRaisesStrata(strata.IoError, "file", strata.open, os.path.join(blocker, "db"))

    def test_locked_by_another_process(self):
        self.open().close()
        code = ("import strata, sys\n"
                "try:\n"
                "    strata.open(sys.argv[1])\n"
                "except strata.LockedError as e:\n"
                "    print('LockedError', e)\n")
        with strata.open(self.dir):
            out = subprocess.run([sys.executable, "-c", code, self.dir], capture_output=True,
                                 text=True, env=os.environ, timeout=60)
        self.assertIn("LockedError", out.stdout, out.stderr)
        self.assertIn("locked by another process", out.stdout)

    def test_reader_in_another_process_sees_commits_and_cannot_write(self):
        code = ("import strata, sys\n"
                "with strata.open(sys.argv[1], read_only=1) as db:\n"
                "    print(sorted(p.value for p in db.query('m')))\n"
                "    try:\n"
                "        db.write_lines('m,t=1 v=3i 3000')\n"
                "    except strata.ReadOnlyError as e:\n"
                "        print('ReadOnlyError', e)\n")
        with strata.open(self.dir) as db:
            db.write_lines("m,t=1 v=1i 1000\nm,t=2 v=2i 2000\n")
            out = subprocess.run([sys.executable, "-c", code, self.dir], capture_output=True,
                                 text=True, env=os.environ, timeout=60)
        self.assertIn("[1, 2]", out.stdout, out.stderr)
        self.assertIn("ReadOnlyError", out.stdout)
        self.assertIn("read-only", out.stdout)

    def test_corrupt_segment(self):
        db = strata.open(self.dir, sync="off")
        db.write_lines("m,t=1 v=1.5 1000\nm,t=1 v=2.5 2000\n")
        db.flush()
        db.close()
        damaged = 0
        for dirpath, _, names in os.walk(os.path.join(self.dir, "shards")):
            for name in names:
                path = os.path.join(dirpath, name)
                if ".seg" not in name and ".sst" not in name:
                    continue
                data = bytearray(open(path, "rb").read())
                for i in range(0, len(data), 7):
                    data[i] ^= 0x5A
                open(path, "wb").write(bytes(data))
                damaged += 1
        self.assertGreater(damaged, 0)
        with self.assertRaises(strata.CorruptError) as ctx:
            with strata.open(self.dir) as again:
                list(again.query("m"))
        self.assertIn(self.dir, str(ctx.exception))


class LifetimeTest(TempDirCase):
    def test_close_is_idempotent_and_blocks_further_use(self):
        db = strata.open(self.dir, sync="off")
        self.assertFalse(db.closed)
        db.close()
        db.close()
        self.assertTrue(db.closed)
        with self.assertRaises(strata.InvalidError):
            db.write("m", {}, {"v": 1.0}, time=1)
        with self.assertRaises(strata.InvalidError):
            db.flush()

    def test_context_manager_closes_even_on_error(self):
        with self.assertRaises(ZeroDivisionError):
            with strata.open(self.dir, sync="off") as db:
                db.write("m", {}, {"v": 1.0}, time=1)
                1 / 0
        self.assertTrue(db.closed)
        with strata.open(self.dir) as db:  # reopens fine: the first handle released the directory
            self.assertEqual(len(list(db.query("m"))), 1)

    def test_query_outlives_close_and_can_be_closed_early(self):
        db = strata.open(self.dir, sync="off")
        db.write_lines("".join("m v=%d.0 %d\n" % (i, i + 1) for i in range(100)))
        q = db.query("m")
        first = next(q)
        db.close()
        self.assertEqual(1 + len(list(q)), 100)
        self.assertEqual(first.value, 0.0)
        with strata.open(self.dir) as db2:
            with db2.query("m") as q2:
                next(q2)
            self.assertEqual(list(q2), [])
            q2.close()

    def test_finaliser_releases_the_handle(self):
        db = strata.open(self.dir, sync="off")
        db.write("m", {}, {"v": 1.0}, time=1)
        del db
        import gc
        gc.collect()
        with strata.open(self.dir) as again:
            self.assertEqual(len(list(again.query("m"))), 1)


class ThreadTest(TempDirCase):
    def test_two_threads_write_and_query_at_once(self):
        db = self.open(sync="normal")
        rows = 300
        errors = []
        seen = []

        def writer(host):
            try:
                for i in range(rows):
                    db.write("cpu", {"host": host}, {"v": float(i), "n": i}, time=T0 + i)
                    if i % 50 == 0:
                        seen.append(len(list(db.query("cpu", tags={"host": host}, field="v"))))
            except Exception as e:  # reported below
                errors.append(e)

        def reader():
            try:
                for _ in range(50):
                    pts = list(db.query("cpu", field="n"))
                    times = [p.time for p in pts if p.series == "cpu,host=a#n"]
                    if times != sorted(times):
                        errors.append(AssertionError("unsorted"))
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=writer, args=(h,)) for h in ("a", "b")]
        threads.append(threading.Thread(target=reader))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertTrue(seen)
        for host in ("a", "b"):
            pts = list(db.query("cpu", tags={"host": host}, field="n"))
            self.assertEqual([p.value for p in pts], list(range(rows)))
        self.assertEqual(db.stats()["points_written"], 2 * rows * 2)


class LoadExtensionTest(unittest.TestCase):
    def test_load_extension(self):
        conn = sqlite3.connect(":memory:")
        self.addCleanup(conn.close)
        import ctypes
        has_module = hasattr(ctypes.CDLL(strata.library_path()), "sqlite3_strata_init")
        if not has_module:
            with self.assertRaises(strata.Error) as ctx:
                strata.load_extension(conn)
            self.assertIn("SQLite module", str(ctx.exception))
            return
        strata.load_extension(conn)
        # Loading was enabled only for the call.
        with self.assertRaises(sqlite3.OperationalError):
            conn.execute("SELECT load_extension('nonexistent')")


class FfiTest(unittest.TestCase):
    def test_every_exported_function_has_a_signature(self):
        # ctypes assumes int for undeclared functions and truncates pointers: declare them all.
        from strata import _ffi
        symbols = os.path.join(os.path.dirname(__file__), "..", "..", "abi", "strata.symbols")
        with open(symbols) as f:
            names = {line.strip() for line in f if line.strip() and not line.startswith("#")}
        names.discard("sqlite3_strata_init")  # the SQLite entry point, not for ctypes
        self.assertEqual(sorted(names - set(_ffi._SIGNATURES)), [])

    def test_rules_shared_with_clients_are_declared_right(self):
        import ctypes
        from strata import _ffi
        lib = _ffi.lib()
        out = ctypes.c_int64()
        self.assertEqual(lib.strata_parse_time(b"2016-01-01T00:00:00Z", 20, ctypes.byref(out)), 0)
        self.assertEqual(out.value, 1451606400000000000)
        self.assertEqual(lib.strata_parse_time(b"2016-02-30", 10, ctypes.byref(out)), 2)
        self.assertIn("2016-02 has no day 30", _ffi.errmsg())
        self.assertEqual(lib.strata_status_name(2), b"STRATA_INVALID")
        buf = ctypes.create_string_buffer(_ffi.TIME_TEXT_BYTES)
        self.assertEqual(lib.strata_format_time(-1, buf, len(buf)), 0)
        self.assertEqual(buf.value, b"1969-12-31T23:59:59.999999999Z")
        tags, ntags = _ffi.tag_array({"region": "eu", "host": "a b"})
        length = ctypes.c_size_t()
        key = ctypes.create_string_buffer(64)
        self.assertEqual(lib.strata_series_key(b"cpu", tags, ntags, b"usage", key, len(key),
                                               ctypes.byref(length)), 0)
        self.assertEqual(key.value, b"cpu,host=a\\ b,region=eu#usage")
        parts = ctypes.POINTER(_ffi.SeriesKeyParts)()
        self.assertEqual(lib.strata_parse_series_key(key.value, length.value,
                                                     ctypes.byref(parts)), 0)
        try:
            p = parts.contents
            self.assertEqual((p.measurement, p.ntags, p.field, p.tagset_len),
                             (b"cpu", 2, b"usage", len(b"cpu,host=a\\ b,region=eu")))
            self.assertEqual((p.tags[0].key, p.tags[0].value), (b"host", b"a b"))
        finally:
            lib.strata_free(parts)
        self.assertEqual(lib.strata_valid_utf8(b"\xc3\xa9", 2), 1)
        self.assertEqual(lib.strata_valid_utf8(b"\xc3", 1), 0)
        path = ctypes.c_void_p()
        self.assertEqual(lib.strata_canonical_dir(b"/tmp/./x/", ctypes.byref(path)), 0)
        try:
            self.assertTrue(ctypes.string_at(path.value).endswith(b"/x"))
        finally:
            lib.strata_free(path)
        is_data = ctypes.c_int(7)
        self.assertEqual(lib.strata_is_data_directory(b"/nonexistent/dir", ctypes.byref(is_data)), 0)
        self.assertEqual(is_data.value, 0)


if __name__ == "__main__":
    unittest.main()

