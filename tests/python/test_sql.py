"""The SQLite module from Python's sqlite3 (Debian /usr/bin/python3), loaded with
strata.load_extension(conn): create/reconnect/drop, writes, errors, pushdown, the aggregate view and
transactions."""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import strata

CPU = ("CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, region TAG, usage_user REAL, "
       "load INTEGER, status TEXT, up BOOLEAN)")


class SqlModuleTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="strata_sql_py_")
        self.path = os.path.join(self.dir, "test.db")
        self.conns = []

    def tearDown(self):
        for c in self.conns:
            c.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def connect(self, path=None, autocommit=True):
        conn = sqlite3.connect(path or self.path, isolation_level=None if autocommit else "DEFERRED",
                               timeout=0)
        strata.load_extension(conn)
        self.conns.append(conn)
        return conn

    def rows(self, conn, sql="SELECT * FROM cpu ORDER BY hostname, region, time", args=()):
        return conn.execute(sql, args).fetchall()

    def test_a_second_process_reads_while_this_one_writes(self):
        w = self.connect()
        w.execute("CREATE VIRTUAL TABLE m USING strata(host TAG, v INTEGER)")
        w.execute("INSERT INTO m VALUES(1, 'a', 1)")
        reader = (
            "import sqlite3, sys, strata\n"
            "for uri in ('file:' + sys.argv[1], 'file:' + sys.argv[1] + '?mode=ro'):\n"
            "    r = sqlite3.connect(uri, uri=True, isolation_level=None)\n"
            "    strata.load_extension(r)\n"
            "    print(r.execute('SELECT time, host, v FROM m').fetchall())\n"
            "    try:\n"
            "        r.execute(\"INSERT INTO m VALUES(2, 'b', 2)\")\n"
            "    except sqlite3.Error as e:\n"
            "        print('refused:', e)\n"
            "    r.close()\n")
        out = subprocess.run([sys.executable, "-c", reader, self.path], capture_output=True,
                             text=True, env=os.environ, timeout=60)
        self.assertEqual(out.stdout.count("[(1, 'a', 1)]"), 2, out.stdout + out.stderr)
        # The default (read_only=auto) reads, refusing writes with the engine's message; with
        # the connection read-only SQLite itself refuses them.
        self.assertIn("is open read-only in this process", out.stdout)
        self.assertEqual(out.stdout.count("refused:"), 2)
        w.execute("INSERT INTO m VALUES(3, 'c', 3)")
        out = subprocess.run([sys.executable, "-c", reader, self.path], capture_output=True,
                             text=True, env=os.environ, timeout=60)
        self.assertIn("[(1, 'a', 1), (3, 'c', 3)]", out.stdout, out.stderr)
        self.assertEqual(self.rows(w, "SELECT count(*) FROM m"), [(2,)])

    def test_create_insert_select_reconnect_drop(self):
        c = self.connect()
        c.execute(CPU)
        c.executemany("INSERT INTO cpu VALUES(?,?,?,?,?,?,?)",
                      [(1, "a", "eu", 1.5, 3, "ok", True), (2, "b", "us", None, 4, None, False)])
        want = [(1, "a", "eu", 1.5, 3, "ok", 1), (2, "b", "us", None, 4, None, 0)]
        self.assertEqual(self.rows(c), want)
        c.close()
        self.conns.remove(c)
        c = self.connect()
        self.assertEqual(self.rows(c), want)
        self.assertTrue(os.path.exists(self.path + ".strata/STRATA"))
        c.execute("DROP TABLE cpu")
        c.execute(CPU)
        self.assertEqual(self.rows(c), [])

    def test_insert_or_ignore_keeps_and_replace_replaces_an_existing_row(self):
        c = self.connect()
        c.execute(CPU)
        c.execute("INSERT INTO cpu VALUES(1, 'a', 'eu', 1.5, 3, 'ok', 1)")
        c.execute("INSERT INTO cpu(time, hostname, region, load) VALUES(1, 'a', 'eu', 4)")
        self.assertEqual(self.rows(c), [(1, "a", "eu", 1.5, 4, "ok", 1)])  # the fields given
        c.execute("INSERT OR IGNORE INTO cpu(time, hostname, region, load) VALUES(1, 'a', 'eu', 5)")
        self.assertEqual(self.rows(c), [(1, "a", "eu", 1.5, 4, "ok", 1)])
        c.execute("REPLACE INTO cpu(time, hostname, region, load) VALUES(1, 'a', 'eu', 6)")
        self.assertEqual(self.rows(c), [(1, "a", "eu", None, 6, None, None)])

    def test_errors_name_table_column_and_value(self):
        c = self.connect()
        c.execute(CPU)
        c.execute("INSERT INTO cpu(time, hostname, region, load) VALUES(1, 'a', 'eu', 1)")
        cases = [
            ("INSERT INTO cpu(time, hostname, region, usage_user) VALUES(2, 'a', 'eu', 'abc')",
             "strata: cpu.usage_user: cannot store 'abc' in a REAL field"),
            ("INSERT INTO cpu(time, hostname, region, load) VALUES(2, 'a', 'eu', 1.5)",
             "strata: cpu.load: cannot store 1.5 in an INTEGER field"),
            ("INSERT INTO cpu(time, hostname, region, load) VALUES(2, NULL, 'eu', 1)",
             "strata: cpu.hostname: a tag cannot be NULL"),
            ("INSERT INTO cpu(time, hostname, region, load) VALUES('yesterday', 'a', 'eu', 1)",
             "strata: cpu.time: cannot use 'yesterday' as a time"),
            ("INSERT INTO cpu(time, hostname, region, load) VALUES(2, '%s', 'eu', 1)"
             % ("x" * 65537),
             "strata: cpu.hostname: cannot use a tag value of 65537 bytes: longer than 65536"),
            # Each value within its limit, the series key over the 65,536 bytes segments hold.
            ("INSERT INTO cpu(time, hostname, region, load) VALUES(2, '%s', '%s', 1)"
             % ("x" * 32768, "y" * 32768),
             "strata: cpu: the tags of this row and field 'usage_user' make a series key of "
             "65568 bytes, longer than 65536"),
        ]
        for sql, message in cases:
            with self.assertRaises(sqlite3.Error) as cm:
                c.execute(sql)
            self.assertIn(message, str(cm.exception))
        self.assertEqual(self.rows(c), [(1, "a", "eu", None, 1, None, None)])
        c.execute("SELECT strata_flush()")
        self.assertEqual(self.rows(c), [(1, "a", "eu", None, 1, None, None)])
        with self.assertRaises(sqlite3.Error) as cm:
            c.execute("CREATE VIRTUAL TABLE t USING strata(h TAG, v REAL, colour='red')")
        self.assertIn("unknown option 'colour'", str(cm.exception))
        mem = self.connect(":memory:")
        with self.assertRaises(sqlite3.Error) as cm:
            mem.execute(CPU)
        self.assertIn("needs the dir=", str(cm.exception))

    def test_iso_time_and_functions(self):
        c = self.connect()
        c.execute(CPU)
        c.execute("INSERT INTO cpu(time, hostname, region, usage_user) VALUES "
                  "('2016-01-01T00:00:00Z', 'a', 'eu', 1), ('2016-01-01T00:30:00.25+00:00', 'a', 'eu', 3)")
        self.assertEqual(self.rows(c, "SELECT time FROM cpu"),
                         [(1451606400000000000,), (1451608200250000000,)])
        self.assertEqual(self.rows(c, "SELECT time_bucket('1h', time), avg(usage_user) FROM cpu "
                                      "GROUP BY 1"), [(1451606400000000000, 2.0)])
        self.assertEqual(self.rows(c, "SELECT count(*) FROM cpu WHERE time >= "
                                      "strata_time('2016-01-01T00:10:00Z')"), [(1,)])
        self.assertIsNone(c.execute("SELECT strata_flush()").fetchone()[0])
        self.assertIn('"series"', c.execute("SELECT strata_stats()").fetchone()[0])

    def test_tags_written_by_line_protocol_that_the_table_lacks_tell_rows_apart(self):
        c = self.connect()
        c.execute("CREATE VIRTUAL TABLE m USING strata(host TAG, v REAL)")
        c.execute("INSERT INTO m VALUES (10, 'a', 1)")
        # The same directory in this process: strata.open shares the table's engine.
        with strata.open(self.path + ".strata") as db:
            db.write_lines("m,host=a,dc=x v=2 10\nm,host=a,dc=y v=3 10\n")
        self.assertEqual(self.rows(c, "SELECT host, time, v, _strata_tags FROM m ORDER BY v"),
                         [("a", 10, 1.0, '{"host":"a"}'), ("a", 10, 2.0, '{"dc":"x","host":"a"}'),
                          ("a", 10, 3.0, '{"dc":"y","host":"a"}')])
        self.assertEqual(self.rows(c, "SELECT v FROM m WHERE json_extract(_strata_tags, '$.dc') "
                                      "IS NULL"), [(1.0,)])

    def test_pushdown_matches_plain_table(self):
        c = self.connect()
        c.execute(CPU)
        c.execute("CREATE TABLE ref(time INTEGER, hostname TEXT, region TEXT, usage_user REAL, "
                  "load INTEGER, status TEXT, up BOOLEAN, PRIMARY KEY(hostname, region, time))")
        c.execute("BEGIN")
        for i in range(300):
            row = (i * 7 % 40 * 3600 * 10**9, "h%d" % (i % 4), ("eu", "us")[i % 3 == 0], i * 0.5, i)
            c.execute("INSERT INTO cpu(time, hostname, region, usage_user, load) VALUES(?,?,?,?,?)", row)
            c.execute("INSERT OR REPLACE INTO ref(time, hostname, region, usage_user, load) "
                      "VALUES(?,?,?,?,?)", row)
        c.execute("COMMIT")
        for where in ["", "WHERE hostname = 'h1'", "WHERE hostname IN ('h0', 'h2') AND time > 36000000000000",
                      "WHERE time BETWEEN 0 AND 72000000000000 AND region = 'us'", "WHERE load % 3 = 0"]:
            q = " %s ORDER BY hostname, region, time" % where
            self.assertEqual(self.rows(c, "SELECT * FROM cpu" + q), self.rows(c, "SELECT * FROM ref" + q), where)
        plan = self.rows(c, "EXPLAIN QUERY PLAN SELECT * FROM cpu WHERE hostname = 'h1' AND time >= 5")
        self.assertIn("INDEX 0:T0]", plan[0][3])
        # The aggregate view against GROUP BY over the plain table.
        for where in ["", "WHERE hostname IN ('h0', 'h2') AND time >= 36000000000000"]:
            got = self.rows(c, "SELECT hostname, region, time, usage_user, load FROM cpu('mean', ?) %s "
                               "ORDER BY 1, 2, 3" % where, ("2h",))
            want = self.rows(c, "SELECT hostname, region, time_bucket('2h', time) AS t, avg(usage_user), "
                                "avg(load) FROM ref %s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" % where)
            self.assertEqual(got, want, where)

    def test_transactions(self):
        c = self.connect()
        c.execute(CPU)
        c.execute("CREATE VIRTUAL TABLE mem USING strata(host TAG, used INTEGER)")
        other = self.connect()
        c.execute("BEGIN")
        c.execute("INSERT INTO cpu(time, hostname, region, load) VALUES(1, 'a', 'eu', 1)")
        c.execute("INSERT INTO mem VALUES(1, 'a', 5)")
        self.assertEqual(len(self.rows(c)), 1)          # read-your-writes
        self.assertEqual(self.rows(other), [])          # not visible before COMMIT
        c.execute("COMMIT")
        self.assertEqual(len(self.rows(other)), 1)
        self.assertEqual(self.rows(other, "SELECT * FROM mem"), [(1, "a", 5)])
        c.execute("BEGIN")
        c.execute("DELETE FROM cpu")
        c.execute("INSERT INTO mem VALUES(2, 'a', 6)")
        c.execute("ROLLBACK")
        self.assertEqual(len(self.rows(c)), 1)
        self.assertEqual(len(self.rows(c, "SELECT * FROM mem")), 1)
        # A failing statement inside a transaction discards only its own rows.
        c.execute("BEGIN")
        c.execute("INSERT INTO mem VALUES(3, 'a', 7)")
        with self.assertRaises(sqlite3.Error):
            c.execute("INSERT INTO mem VALUES(4, 'a', 8), (5, 'a', 'x')")
        c.execute("COMMIT")
        self.assertEqual(self.rows(other, "SELECT time FROM mem ORDER BY time"), [(1,), (3,)])

    def test_python_default_isolation_level_commits_on_commit(self):
        c = self.connect(autocommit=False)
        c.execute(CPU)
        c.commit()
        c.execute("INSERT INTO cpu(time, hostname, region, load) VALUES(1, 'a', 'eu', 1)")
        other = self.connect()
        self.assertEqual(self.rows(other), [])
        c.commit()
        self.assertEqual(len(self.rows(other)), 1)


if __name__ == "__main__":
    unittest.main()
