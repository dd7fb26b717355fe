"""Issue 13: the shaped test data of tests/shapes (constant, empty, alternating, repeated and
unicode strings, runs, counters, extremes; regular, jittered, dense, descending and duplicate
times; lengths around the block boundary) through the C ABI from Python (line protocol and the
per-point batch calls), SQL and `strata import`, read back exactly after the MemStore, a flush, a
compaction and a reopen. `shape_gen` (tests/shapes/shape_gen.cc) prints the data and what a store
must hold afterwards, so every language tests the same points."""
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import unittest

import strata

SHAPE_GEN = os.environ.get("STRATA_SHAPE_GEN")
STRATA_CLI = os.environ.get("STRATA_CLI")


def gen(mode):
    return subprocess.run([SHAPE_GEN, mode], check=True, capture_output=True).stdout


def canonical(value):
    """A read value in shape_gen's canonical text."""
    if isinstance(value, bool):
        return "b:1" if value else "b:0"
    if isinstance(value, int):
        return "i:%d" % value
    if isinstance(value, float):
        return "f:%016x" % struct.unpack("<Q", struct.pack("<d", value))[0]
    return "s:" + value.encode("utf-8", "surrogateescape").hex()


def decode(text):
    """shape_gen's canonical text as the Python value a write takes."""
    kind, body = text[0], text[2:]
    if kind == "f":
        return struct.unpack("<d", struct.pack("<Q", int(body, 16)))[0]
    if kind == "i":
        return int(body)
    if kind == "b":
        return body == "1"
    return bytes.fromhex(body).decode("utf-8")


@unittest.skipUnless(SHAPE_GEN and STRATA_CLI, "STRATA_SHAPE_GEN and STRATA_CLI are set by ctest")
class ShapesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lp = gen("lp")
        cls.rows = [line.split("\t") for line in gen("rows").decode().splitlines()]
        cls.expected = {}
        for line in gen("expected").decode().splitlines():
            key, t, value = line.split("\t")
            cls.expected[(key, int(t))] = value

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="strata-shapes-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.dir = os.path.join(self.root, "db")

    def read_all(self, db):
        return {(p.series, p.time): canonical(p.value) for p in db.query("shapes")}

    def assert_holds_the_shapes(self, db, when):
        got = self.read_all(db)
        missing = [k for k in self.expected if k not in got]
        self.assertFalse(missing, "%s: %d points missing, e.g. %s" % (when, len(missing), missing[:3]))
        wrong = [(k, got[k], v) for k, v in self.expected.items() if got[k] != v]
        self.assertFalse(wrong, "%s: %d points differ, e.g. %s" % (when, len(wrong), wrong[:3]))
        self.assertEqual(len(got), len(self.expected), when)

    def check_through_flush_compaction_reopen(self):
        with strata.open(self.dir, sync="off") as db:
            self.assert_holds_the_shapes(db, "written")
        with strata.open(self.dir, sync="off") as db:
            self.assert_holds_the_shapes(db, "reopened, replayed")
            db.flush()
            self.assert_holds_the_shapes(db, "flushed")
            db.compact()
            self.assert_holds_the_shapes(db, "compacted")
        with strata.open(self.dir, sync="off") as db:
            self.assert_holds_the_shapes(db, "reopened from segments")

    def test_line_protocol_through_the_c_abi(self):
        with strata.open(self.dir, sync="off") as db:
            db.write_lines(self.lp)
        self.check_through_flush_compaction_reopen()

    def test_per_point_batch_calls(self):
        with strata.open(self.dir, sync="off") as db:
            for type_name, shape, t, value in self.rows:
                db.write("shapes", {"shape": shape}, {"f_" + type_name: decode(value)}, time=int(t))
        self.check_through_flush_compaction_reopen()

    def test_strata_import(self):
        path = os.path.join(self.root, "shapes.lp")
        with open(path, "wb") as f:
            f.write(self.lp)
        out = subprocess.run([STRATA_CLI, "import", "--options", "sync=off", self.dir, path],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.check_through_flush_compaction_reopen()
        out = subprocess.run([STRATA_CLI, "verify", self.dir], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_sql(self):
        db_path = os.path.join(self.root, "shapes.db")
        conn = sqlite3.connect(db_path)
        strata.load_extension(conn)
        sql_type = {"float": "REAL", "integer": "INTEGER", "boolean": "BOOLEAN", "string": "TEXT"}
        for type_name, decl in sql_type.items():
            conn.execute("CREATE VIRTUAL TABLE t_%s USING strata(shape TAG, v %s, dir='%s', "
                         "sync='off')" % (type_name, decl, self.dir))
        with conn:
            for type_name, shape, t, value in self.rows:
                conn.execute("INSERT INTO t_%s(time, shape, v) VALUES (?, ?, ?)" % type_name,
                             (int(t), shape, decode(value)))
        # The tables' fields are named v: map them to shape_gen's keys.
        def sql_points():
            got = {}
            for type_name in sql_type:
                for shape, t, v in conn.execute("SELECT shape, time, v FROM t_%s" % type_name):
                    key = "shapes,shape=%s#f_%s" % (shape, type_name)
                    if type_name == "boolean":
                        v = bool(v)
                    got[(key, t)] = canonical(v)
            return got

        def expect(when):
            got = sql_points()
            self.assertEqual(len(got), len(self.expected), when)
            wrong = [k for k, v in self.expected.items() if got.get(k) != v]
            self.assertFalse(wrong, "%s: %d points differ, e.g. %s" % (when, len(wrong), wrong[:3]))

        expect("inserted")
        conn.execute("SELECT strata_flush()")
        expect("flushed")
        conn.execute("SELECT strata_compact()")
        expect("compacted")
        conn.close()
        conn = sqlite3.connect(db_path)
        strata.load_extension(conn)
        expect("reopened")
        conn.close()


if __name__ == "__main__":
    unittest.main()
