"""Backup and restore of a database with strata tables, through Python's sqlite3 and the extension
(issue 16): SELECT strata_backup('dest.db') copies the database file and its Strata directory at
one point, while other connections commit transactions that write a strata table and a plain
table together; opening the copy is the restore. A copy made without the directory (.backup,
VACUUM INTO) is not wedged: it says what is missing and DROP TABLE works."""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import threading
import unittest

import strata

CPU = "CREATE VIRTUAL TABLE cpu USING strata(host TAG, txn INTEGER, usage REAL)"
ROWS_PER_TXN = 20


class SqlBackupTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="strata_sql_backup_")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.path = os.path.join(self.dir, "live.db")

    def connect(self, path=None, timeout=60):
        conn = sqlite3.connect(path or self.path, isolation_level=None, timeout=timeout,
                               check_same_thread=False)
        strata.load_extension(conn)
        self.addCleanup(conn.close)
        return conn

    def create(self, journal_mode="delete"):
        c = self.connect()
        c.execute("PRAGMA journal_mode=%s" % journal_mode)
        c.execute(CPU)
        c.execute("CREATE TABLE notes(txn INTEGER PRIMARY KEY, rows INTEGER)")
        return c

    @staticmethod
    def commit_txn(conn, n):
        """Transaction n: ROWS_PER_TXN strata rows and one plain row, committed together."""
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO cpu VALUES(?, ?, ?, ?)",
                         [(n * 1000 + i, "h%d" % (i % 3), n, i + 0.5)
                          for i in range(ROWS_PER_TXN)])
        conn.execute("INSERT INTO notes VALUES(?, ?)", (n, ROWS_PER_TXN))
        conn.execute("COMMIT")

    def check_whole(self, conn):
        """Every transaction in the copy is whole, in both tables; returns their numbers."""
        notes = {n for (n,) in conn.execute("SELECT txn FROM notes")}
        counts = dict(conn.execute("SELECT txn, count(*) FROM cpu GROUP BY txn").fetchall())
        self.assertEqual(set(counts), notes)
        for n, count in counts.items():
            self.assertEqual(count, ROWS_PER_TXN, "transaction %d is torn" % n)
        return notes

    def test_backup_during_commits_holds_whole_transactions_up_to_its_point(self):
        for mode in ("delete", "wal"):
            with self.subTest(journal_mode=mode):
                self.path = os.path.join(self.dir, "live-%s.db" % mode)
                self.create(mode)
                writer = self.connect()
                committed = [0]
                stop = threading.Event()

                def write():
                    n = 0
                    while not stop.is_set():
                        n += 1
                        self.commit_txn(writer, n)
                        committed[0] = n

                thread = threading.Thread(target=write)
                thread.start()
                try:
                    while committed[0] < 30:
                        pass
                    before = committed[0]
                    dest = os.path.join(self.dir, "copy-%s.db" % mode)
                    self.connect().execute("SELECT strata_backup(?)", (dest,))
                    after = committed[0]
                finally:
                    stop.set()
                    thread.join()
                copy = self.connect(dest)
                txns = self.check_whole(copy)
                self.assertEqual(txns, set(range(1, max(txns) + 1)))
                self.assertGreaterEqual(max(txns), before)
                self.assertLessEqual(max(txns), after + 1)
                self.assertTrue(os.path.exists(dest + ".strata/STRATA"))
                self.assertEqual([n for n in os.listdir(self.dir) if ".tmp-" in n], [])

    def test_the_copy_is_restored_by_opening_it_and_is_independent(self):
        c = self.create()
        for n in range(1, 6):
            self.commit_txn(c, n)
        c.execute("SELECT strata_flush()")
        self.commit_txn(c, 6)  # in the WAL only
        dest = os.path.join(self.dir, "sub", "copy.db")
        os.mkdir(os.path.dirname(dest))
        self.assertEqual(c.execute("SELECT strata_backup(?)", (dest,)).fetchone(), (None,))
        self.commit_txn(c, 7)  # after the backup
        copy = self.connect(dest)
        self.assertEqual(self.check_whole(copy), set(range(1, 7)))
        self.commit_txn(copy, 100)
        self.assertEqual(self.check_whole(c), set(range(1, 8)))

    def test_refusals(self):
        c = self.create()
        self.commit_txn(c, 1)
        dest = os.path.join(self.dir, "copy.db")
        c.execute("SELECT strata_backup(?)", (dest,))
        with self.assertRaisesRegex(sqlite3.OperationalError, "already exists"):
            c.execute("SELECT strata_backup(?)", (dest,))
        c.execute("BEGIN")
        c.execute("INSERT INTO notes VALUES(50, 0)")
        with self.assertRaisesRegex(sqlite3.OperationalError, "COMMIT first"):
            c.execute("SELECT strata_backup(?)", (os.path.join(self.dir, "other.db"),))
        c.execute("ROLLBACK")
        same_folder = self.connect()
        same_folder.execute("CREATE VIRTUAL TABLE mem USING strata(host TAG, used INTEGER, "
                            "dir='beside')")
        with self.assertRaisesRegex(sqlite3.OperationalError, "another folder"):
            c.execute("SELECT strata_backup(?)", (os.path.join(self.dir, "third.db"),))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "third.db")))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "third.db.strata")))

    def test_a_backup_killed_midway_leaves_no_database_that_opens_as_a_good_one(self):
        c = self.create()
        for n in range(1, 41):
            self.commit_txn(c, n)
            if n % 10 == 0:
                c.execute("SELECT strata_flush()")
        c.close()
        self.conns = []
        child = ("import sqlite3, strata, sys\n"
                 "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                 "strata.load_extension(c)\n"
                 "for i in range(1000):\n"
                 "    c.execute('SELECT strata_backup(?)', (sys.argv[2] + str(i) + '.db',))\n"
                 "    print(i, flush=True)\n")
        rng = random.Random(16)
        for seed in range(4):
            with self.subTest(seed=seed):
                out = os.path.join(self.dir, "k%d" % seed)
                os.mkdir(out)
                proc = subprocess.Popen([sys.executable, "-c", child, self.path,
                                         os.path.join(out, "copy")], stdout=subprocess.PIPE)
                self.assertEqual(proc.stdout.readline(), b"0\n")  # one backup is whole
                time.sleep(rng.random() * 0.2)  # and the kill lands wherever in the next ones
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                proc.stdout.close()
                names = sorted(os.listdir(out))
                for name in names:
                    path = os.path.join(out, name)
                    if name.endswith(".db"):  # a database that took its name: whole
                        copy = self.connect(path)
                        self.assertEqual(self.check_whole(copy), set(range(1, 41)))
                    elif ".strata.tmp-" in name and (
                            os.path.exists(os.path.join(path, "BACKUP-INCOMPLETE")) or
                            not os.path.exists(os.path.join(path, "STRATA"))):
                        # marked, or killed between its mkdir and its marker
                        with self.assertRaisesRegex(strata.InvalidError, "unfinished backup"):
                            strata.open(path)  # an unfinished directory never opens
                    elif ".strata.tmp-" in name:  # killed just before its rename: whole
                        with strata.open(path) as db:
                            self.assertEqual(sum(1 for _ in db.query("cpu")), 40 * ROWS_PER_TXN * 2)
                    elif name.endswith(".strata"):  # whole, even if its database is not
                        self.assertTrue(os.path.exists(os.path.join(path, "STRATA")), name)
                    else:  # the database file under its temporary name, or its journal
                        self.assertIn(".db.tmp-", name)
                self.assertTrue(any(n.endswith(".db") for n in names), names)

    def test_a_copy_without_its_directory_says_what_is_missing_and_can_drop_the_table(self):
        c = self.create()
        self.commit_txn(c, 1)
        plain = os.path.join(self.dir, "plain.db")
        into = os.path.join(self.dir, "into.db")
        with sqlite3.connect(plain) as out:
            c.backup(out)  # SQLite's online backup API: what the shell's .backup does
        c.execute("VACUUM INTO ?", (into,))
        for path in (plain, into):
            with self.subTest(path=os.path.basename(path)):
                copy = self.connect(path)
                self.assertEqual(copy.execute("SELECT count(*) FROM notes").fetchone(), (1,))
                for sql in ("SELECT * FROM cpu", "INSERT INTO cpu VALUES(1, 'a', 1, 1.0)"):
                    with self.assertRaises(sqlite3.OperationalError) as e:
                        copy.execute(sql)
                    self.assertIn("its data directory is missing", str(e.exception))
                    self.assertIn(path + ".strata", str(e.exception))
                    self.assertIn("strata_backup('dest.db')", str(e.exception))
                copy.execute("DROP TABLE cpu")
                self.assertFalse(os.path.exists(path + ".strata"))


if __name__ == "__main__":
    unittest.main()
