"""Differential test of the SQLite module (issue 4): the same random rows go into strata tables and
into plain SQLite tables with the same upsert semantics, then hundreds of random queries, DELETEs
and UPDATEs must give the same results on both, before and after reopening the database and after
strata_flush() / strata_compact().

Data: out-of-order times over 14 hours with shard_duration='1h' (so ~15 shards), duplicates that
overwrite some fields and keep the others, NULL fields, 3 tags (host, region, rack), two strata
tables in one directory (m, m2) mirrored by plain tables (r, r2), and a plain lookup table `hosts`
for joins. A plain-table row whose fields are all NULL does not exist in the row view, so the
reference deletes such rows after every write.

The seed is printed; STRATA_DIFF_SEED=<n> replays one run, STRATA_DIFF_ROUNDS=<n> runs more seeds."""
import math
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import unittest

import strata

BASE = 1451606400 * 10**9          # 2016-01-01T00:00:00Z
HOUR = 3600 * 10**9
SPAN = 14 * HOUR
HOSTS = ["h%d" % i for i in range(6)]
REGIONS = ["eu", "us"]
RACKS = ["r0", "r1", "r2"]
TAGS = ("host", "region", "rack")
FIELDS = ("f", "i", "s", "b")
COLS = "time, host, region, rack, f, i, s, b"
KEY = "host, region, rack, time"

STRATA_DDL = [
    "CREATE VIRTUAL TABLE m USING strata(host TAG, region TAG, rack TAG, f REAL, i INTEGER, "
    "s TEXT, b BOOLEAN, shard_duration='1h')",
    "CREATE VIRTUAL TABLE m2 USING strata(host TAG, v REAL, n INTEGER, shard_duration='1h')",
]
PLAIN_DDL = [
    "CREATE TABLE r(time INTEGER, host TEXT, region TEXT, rack TEXT, f REAL, i INTEGER, s TEXT, "
    "b BOOLEAN, PRIMARY KEY(host, region, rack, time))",
    "CREATE TABLE r2(time INTEGER, host TEXT, v REAL, n INTEGER, PRIMARY KEY(host, time))",
    "CREATE TABLE hosts(host TEXT PRIMARY KEY, team TEXT, weight INTEGER)",
]
# table pairs: strata name -> (plain name, tag columns, field columns)
PAIRS = {"m": ("r", TAGS, FIELDS), "m2": ("r2", ("host",), ("v", "n"))}


def fkey(v, approx):
    """Sort key of a value: NULL < numbers < text; with `approx`, floats are rounded so that
    aggregates summed in another order still sort alike."""
    if v is None:
        return (0, 0)
    if isinstance(v, float) and approx:
        return (1, float("%.9g" % v))
    if isinstance(v, (int, float)):
        return (1, v)
    return (2, str(v))


def same_value(a, b, approx):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if not approx:
            return a == b and isinstance(a, float) == isinstance(b, float)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) == type(b) and a == b


def same_rows(got, want, approx):
    if len(got) != len(want):
        return False
    return all(len(g) == len(w) and all(same_value(x, y, approx) for x, y in zip(g, w))
               for g, w in zip(got, want))


class Gen:
    """Random rows, predicates and statements, written for the strata side; .plain() renames."""

    def __init__(self, rng):
        self.rng = rng
        # A pool of times so that rows collide; some shared by several tag sets, some unique.
        self.times = sorted({BASE + rng.randrange(0, SPAN // 10**6) * 10**6 for _ in range(400)})

    def time(self):
        r = self.rng.random()
        if r < 0.8:
            return self.rng.choice(self.times)
        return BASE + self.rng.randrange(0, SPAN // 1000) * 1000

    def text(self):
        return self.rng.choice(["", "a", "ab", "b c", "zeta", "ünï", "x,y=z", "'q'",
                                "%05d" % self.rng.randrange(100000)])

    def fields(self, names=FIELDS):
        while True:
            out = []
            for name in names:
                if self.rng.random() < 0.3:
                    out.append(None)
                elif name in ("f", "v"):
                    out.append(self.rng.choice([round(self.rng.uniform(-100, 100), 3),
                                                self.rng.uniform(-1e6, 1e6), 0.0, 1.5]))
                elif name in ("i", "n"):
                    out.append(self.rng.choice([self.rng.randrange(-1000, 1000),
                                                self.rng.randrange(-10**12, 10**12), 0]))
                elif name == "s":
                    out.append(self.text())
                else:
                    out.append(self.rng.randrange(2))
            if any(v is not None for v in out):
                return out

    def row(self, table):
        if table == "m":
            return [self.time(), self.rng.choice(HOSTS), self.rng.choice(REGIONS),
                    self.rng.choice(RACKS)] + self.fields()
        return [self.time(), self.rng.choice(HOSTS)] + self.fields(("v", "n"))

    def tval(self):
        t = self.time() + self.rng.choice([0, 0, 0, -1, 1, 999])
        r = self.rng.random()
        if r < 0.08:
            return "%d.5" % t
        if r < 0.12:
            return "'%d'" % t
        return str(t)

    def cond(self, prefix="", m2=False):
        rng = self.rng
        p = prefix
        if m2:
            kind = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12])
            if kind == 12:
                return rng.choice(["v > 0", "v IS NULL", "n IS NOT NULL", "n % 2 = 0", "n > v"])
        else:
            kind = rng.randrange(16)
        if kind < 5:
            op = rng.choice(["=", "<", "<=", ">", ">=", "!=", "=="])
            return "%stime %s %s" % (p, op, self.tval())
        if kind == 5:
            a, b = sorted([self.time(), self.time()])
            if rng.random() < 0.2:
                a, b = b, a
            return "%stime BETWEEN %d AND %d" % (p, a, b)
        if kind in (6, 7):
            return "%shost = '%s'" % (p, rng.choice(HOSTS + ["nope"]))
        if kind == 8:
            vals = rng.sample(HOSTS + ["nope"], rng.randrange(1, 4))
            return "%shost IN (%s)" % (p, ", ".join("'%s'" % v for v in vals))
        if kind == 9:
            return "%sregion %s" % (p, rng.choice(["= 'eu'", "= 'us'", "IN ('eu', 'ap')", "!= 'eu'"]))
        if kind == 10:
            return "%srack %s" % (p, rng.choice(["= 'r1'", "IN ('r0', 'r2')", "> 'r0'", "= 'r9'"]))
        if kind == 11:
            return "%shost IN (SELECT host FROM hosts WHERE team = '%s')" % (p, rng.choice("xyz"))
        c = rng.choice(["{p}f > 0", "{p}f IS NULL", "{p}f IS NOT NULL", "{p}i % 3 = 0",
                        "{p}s LIKE 'a%'", "{p}s IS NULL", "{p}b = 1", "{p}b IS NOT NULL",
                        "{p}i > {p}f", "{p}s = ''"])
        return c.replace("{p}", p)

    def where(self, max_terms=3, prefix="", m2=False):
        n = self.rng.randrange(0, max_terms + 1)
        if n == 0:
            return ""
        terms = [self.cond(prefix, m2) for _ in range(n)]
        if n >= 2 and self.rng.random() < 0.2:
            return " WHERE (%s OR %s)%s" % (terms[0], terms[1],
                                            "".join(" AND " + t for t in terms[2:]))
        return " WHERE " + " AND ".join(terms)

    def query(self):
        """(sql for the strata side, compare mode): 'list' exact order, 'bag' multiset, 'approx'
        multiset with float tolerance, 'times' the time column's order plus the multiset."""
        rng = self.rng
        k = rng.randrange(14)
        w = self.where()
        if k <= 2:
            return "SELECT %s FROM m%s" % (COLS, w), "bag"
        if k == 3:
            return ("SELECT %s FROM m%s ORDER BY time, host, region, rack LIMIT %d OFFSET %d"
                    % (COLS, w, rng.randrange(1, 40), rng.randrange(0, 5)), "list")
        if k == 4:
            return ("SELECT %s FROM m%s ORDER BY time DESC, host, region, rack LIMIT %d"
                    % (COLS, w, rng.randrange(1, 40)), "list")
        if k == 5:
            return "SELECT %s FROM m%s ORDER BY %s" % (COLS, w, KEY), "list"
        if k == 6:
            return "SELECT %s FROM m%s ORDER BY time" % (COLS, w), "times"
        if k == 7:
            return ("SELECT host, count(*), count(f), sum(i), avg(f), min(f), max(s), total(b), "
                    "max(time) FROM m%s GROUP BY host" % w, "approx")
        if k == 8:
            width = rng.choice(["'1h'", "'15m'", "'1d'", str(7 * 60 * 10**9)])
            return ("SELECT time_bucket(%s, time) AS t, host, count(*), avg(f), max(i), min(i) "
                    "FROM m%s GROUP BY t, host ORDER BY t, host" % (width, w), "approx_list")
        if k == 9:
            return "SELECT count(*), min(time), max(time), sum(i) FROM m%s" % w, "approx"
        if k == 10:
            jw = self.where(2, "a.")
            return ("SELECT a.time, a.host, a.region, a.f, b.v, b.n FROM m AS a JOIN m2 AS b "
                    "ON a.host = b.host AND a.time = b.time%s" % jw, "bag")
        if k == 11:
            jw = self.where(2, "m.")
            return ("SELECT m.host, hosts.team, m.time, m.i FROM hosts JOIN m ON m.host = hosts.host%s"
                    % jw.replace(" WHERE ", " AND ", 1) if jw else
                    "SELECT m.host, hosts.team, m.time, m.i FROM hosts JOIN m ON m.host = hosts.host",
                    "bag")
        if k == 12:
            # last point per tag set
            return ("SELECT h.host, (SELECT f FROM m WHERE m.host = h.host ORDER BY time DESC, "
                    "region DESC, rack DESC LIMIT 1), (SELECT max(time) FROM m WHERE m.host = h.host "
                    "AND region = 'eu') FROM hosts AS h", "bag")
        w2 = self.where(2, m2=True)
        return "SELECT %s FROM m2%s" % ("time, host, v, n", w2), "bag"

    def mutation(self):
        """A DELETE or UPDATE, strata side."""
        rng = self.rng
        table = "m" if rng.random() < 0.8 else "m2"
        w = self.where(3) if table == "m" else self.where(2, m2=True)
        if not w or rng.random() < 0.3:
            # narrow it: a whole-table statement would empty the tables too fast
            extra = "host = '%s'" % rng.choice(HOSTS) if rng.random() < 0.5 else \
                "time BETWEEN %d AND %d" % tuple(sorted([self.time(), self.time()]))
            w = (w + " AND " + extra) if w else " WHERE " + extra
        if rng.random() < 0.35:
            return "DELETE FROM %s%s" % (table, w)
        if table == "m2":
            sets = rng.choice(["v = NULL", "n = n + 1", "v = v * 2, n = NULL", "v = 0.25"])
        else:
            sets = rng.choice(["f = NULL", "i = i + 1", "s = 'upd', b = 1", "f = f * 2, i = NULL",
                               "s = NULL", "b = NULL, f = 7.5", "f = i", "i = 42, s = s || 'x'"])
        return "UPDATE %s SET %s%s" % (table, sets, w)


def plain(sql):
    """The same statement on the plain tables (m2 before m: 'm2' contains 'm')."""
    out = []
    i = 0
    while i < len(sql):
        for s, p in (("m2", "r2"), ("m", "r")):
            if sql.startswith(s, i) and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] in "_'")) \
                    and (i + len(s) == len(sql) or not (sql[i + len(s)].isalnum() or sql[i + len(s)] in "_'")):
                out.append(p)
                i += len(s)
                break
        else:
            out.append(sql[i])
            i += 1
    return "".join(out)


class DifferentialTest(unittest.TestCase):
    QUERIES_PER_PHASE = 70

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="strata_sql_diff_")
        self.path = os.path.join(self.dir, "diff.db")
        self.conn = None

    def tearDown(self):
        if self.conn is not None:
            self.conn.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def open(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        strata.load_extension(self.conn)
        return self.conn

    # ---- writes applied to both sides --------------------------------------------------------

    def insert(self, table, rows):
        plain_table, tags, fields = PAIRS[table]
        cols = ("time",) + tags + fields
        marks = ", ".join("?" * len(cols))
        self.conn.executemany("INSERT INTO %s(%s) VALUES(%s)" % (table, ", ".join(cols), marks), rows)
        upsert = ("INSERT INTO %s(%s) VALUES(%s) ON CONFLICT(%s) DO UPDATE SET %s"
                  % (plain_table, ", ".join(cols), marks, ", ".join(tags + ("time",)),
                     ", ".join("%s = coalesce(excluded.%s, %s)" % (f, f, f) for f in fields)))
        self.conn.executemany(upsert, rows)

    def cleanup_plain(self):
        """A row with every field NULL does not exist in the row view."""
        for table, (plain_table, _, fields) in PAIRS.items():
            self.conn.execute("DELETE FROM %s WHERE %s" % (
                plain_table, " AND ".join("%s IS NULL" % f for f in fields)))

    def load(self, gen, n):
        rng = gen.rng
        done = 0
        while done < n:
            size = rng.choice([1, 5, 50, 200])
            rows = [gen.row("m") for _ in range(size)]
            rows2 = [gen.row("m2") for _ in range(max(1, size // 4))]
            mode = rng.random()
            if mode < 0.15:
                # a transaction that is rolled back changes nothing on either side
                self.conn.execute("BEGIN")
                self.insert("m", rows)
                self.insert("m2", rows2)
                self.conn.execute("ROLLBACK")
                continue
            if mode < 0.25:
                # a savepoint rolled back inside a committed transaction
                self.conn.execute("BEGIN")
                self.insert("m", rows[: size // 2])
                self.conn.execute("SAVEPOINT sp")
                self.insert("m", [gen.row("m") for _ in range(10)])
                self.insert("m2", rows2)
                self.conn.execute("ROLLBACK TO sp")
                self.conn.execute("RELEASE sp")
                self.insert("m", rows[size // 2:])
                self.conn.execute("COMMIT")
            elif mode < 0.35 or size == 1:
                self.insert("m", rows)  # autocommit, one statement per row
                self.insert("m2", rows2)
            else:
                self.conn.execute("BEGIN")
                self.insert("m", rows)
                self.insert("m2", rows2)
                self.conn.execute("COMMIT")
            done += size
        self.cleanup_plain()

    # ---- comparison ----------------------------------------------------------------------------

    def compare(self, sql, mode, what):
        c = self.conn
        try:
            got = c.execute(sql).fetchall()
        except sqlite3.Error as e:
            self.fail("%s: strata side failed: %s\n  %s" % (what, e, sql))
        want = c.execute(plain(sql)).fetchall()
        approx = mode.startswith("approx")
        ordered = mode in ("list", "approx_list")
        if mode == "times":
            self.assertEqual([r[0] for r in got], [r[0] for r in want], "%s: time order\n  %s" % (what, sql))
        if not ordered:
            got = sorted(got, key=lambda r: [fkey(v, approx) for v in r])
            want = sorted(want, key=lambda r: [fkey(v, approx) for v in r])
        if not same_rows(got, want, approx):
            extra = [r for r in got if r not in want][:5]
            missing = [r for r in want if r not in got][:5]
            self.fail("%s: results differ (%d rows vs %d)\n  %s\n  strata only: %s\n  plain only: %s"
                      % (what, len(got), len(want), sql, extra, missing))
        self.checked += 1

    def compare_all(self, what):
        c = self.conn
        self.compare("SELECT %s FROM m ORDER BY %s" % (COLS, KEY), "list", what + " (whole table)")
        self.compare("SELECT time, host, v, n FROM m2 ORDER BY host, time", "list", what + " (whole m2)")

    def mutate(self, gen, n, what):
        rng = gen.rng
        for _ in range(n):
            sql = gen.mutation()
            in_txn = rng.random() < 0.3
            if in_txn:
                self.conn.execute("BEGIN")
            cur = self.conn.execute(sql)
            got = cur.rowcount
            cur = self.conn.execute(plain(sql))
            want = cur.rowcount
            self.cleanup_plain()
            if in_txn:
                self.conn.execute("ROLLBACK" if rng.random() < 0.3 else "COMMIT")
            self.assertEqual(got, want, "%s: changes() differ\n  %s" % (what, sql))
            self.checked += 1
            if rng.random() < 0.3:
                self.compare_all("%s after %s" % (what, sql))

    def queries(self, gen, n, what):
        for _ in range(n):
            sql, mode = gen.query()
            self.compare(sql, mode, what)

    # ---- the test ------------------------------------------------------------------------------

    def run_seed(self, seed):
        rng = random.Random(seed)
        gen = Gen(rng)
        self.checked = 0
        c = self.open()
        for ddl in STRATA_DDL + PLAIN_DDL:
            c.execute(ddl)
        c.executemany("INSERT INTO hosts VALUES(?,?,?)",
                      [(h, rng.choice("xyz"), rng.randrange(10)) for h in HOSTS + ["ghost"]])
        q = self.QUERIES_PER_PHASE
        self.load(gen, 2500)
        self.compare_all("after load")
        self.queries(gen, q, "after load")
        self.mutate(gen, 25, "mutations")
        self.queries(gen, q, "after mutations")
        c.execute("SELECT strata_flush()")
        self.compare_all("after flush")
        self.queries(gen, q, "after flush")
        self.load(gen, 800)  # overwrites on top of flushed segments
        self.mutate(gen, 25, "mutations over segments")
        self.queries(gen, q // 2, "after mutations over segments")
        c = self.open()  # reopen: unflushed data comes back from the WAL
        self.compare_all("after reopen")
        self.queries(gen, q, "after reopen")
        self.conn.execute("SELECT strata_compact()")
        self.compare_all("after compact")
        self.queries(gen, q // 2, "after compact")
        self.mutate(gen, 20, "mutations after compact")
        self.conn.execute("SELECT strata_flush()")
        self.open()
        self.compare_all("after flush and reopen")
        self.queries(gen, q, "after flush and reopen")
        return self.checked

    def test_random_rows_queries_and_mutations_match_plain_sqlite(self):
        env = os.environ.get("STRATA_DIFF_SEED")
        rounds = int(os.environ.get("STRATA_DIFF_ROUNDS", "1"))
        seeds = [int(env)] if env else [random.SystemRandom().randrange(2**32) for _ in range(rounds)]
        for seed in seeds:
            sys.stderr.write("\nsql differential: seed %d (replay: STRATA_DIFF_SEED=%d)\n" % (seed, seed))
            with self.subTest(seed=seed):
                checked = self.run_seed(seed)
                sys.stderr.write("sql differential: seed %d: %d statements compared\n" % (seed, checked))
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            shutil.rmtree(self.dir, ignore_errors=True)
            os.makedirs(self.dir)


if __name__ == "__main__":
    unittest.main()
