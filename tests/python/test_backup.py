"""Database.backup (strata_backup) from Python: a backup taken while another thread writes holds
exactly the batches acknowledged up to its point, opening the copy is the restore, progress runs
to the total, a callback can abandon, and a destination that exists is refused."""
import os
import shutil
import tempfile
import threading
import unittest

import strata

T0 = 1_700_000_000_000_000_000
SEC = 1_000_000_000


def batch_lines(k):
    """Batch k of the workload: 4 hosts (revisiting earlier times), a counter, a string."""
    t = T0 + (k * 7919 % 3000) * SEC
    return "".join("cpu,host=h%d usage=%d.5,count=%di,state=\"%s\" %d\n"
                   % ((k + j) % 4, k % 97, k, ("", "idle", "busy")[k % 3], t + j)
                   for j in range(4))


def model_after(batches):
    """{(series, time): value} after the first `batches` batches."""
    state = {}
    for k in range(1, batches + 1):
        t = T0 + (k * 7919 % 3000) * SEC
        for j in range(4):
            host = "cpu,host=h%d" % ((k + j) % 4)
            state[(host + "#usage", t + j)] = k % 97 + 0.5
            state[(host + "#count", t + j)] = k
            state[(host + "#state", t + j)] = ("", "idle", "busy")[k % 3]
    return state


def contents(db):
    return {(p.series, p.time): p.value for p in db.query("cpu")}


class BackupTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="strata-py-backup-")
        self.addCleanup(shutil.rmtree, self.root, True)

    def path(self, name):
        return os.path.join(self.root, name)

    def test_a_backup_during_writes_holds_every_batch_up_to_its_point(self):
        db = strata.open(self.path("src"), sync="off", memstore_bytes="64KiB",
                         shard_duration="1h")
        self.addCleanup(db.close)
        written = [0]
        stop = threading.Event()

        def writer():
            k = 0
            while not stop.is_set():
                k += 1
                db.write_lines(batch_lines(k))  # one batch: one WAL record, LSN k
                written[0] = k

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            while written[0] < 500:
                pass
            before = written[0]
            seen = []
            db.backup(self.path("copy"), progress=lambda done, total: seen.append((done, total)))
            after = written[0]
        finally:
            stop.set()
            thread.join()
        self.assertEqual(seen[0][0], 0)
        self.assertEqual(seen[-1][0], seen[-1][1])
        with strata.open(self.path("copy")) as copy:
            lsn = copy.stats()["last_lsn"]
            self.assertGreaterEqual(lsn, before)
            self.assertLessEqual(lsn, after + 1)
            self.assertEqual(contents(copy), model_after(lsn))

    def test_the_copy_is_restored_by_opening_it_and_is_its_own_directory(self):
        with strata.open(self.path("src"), sync="off") as db:
            for k in range(1, 101):
                db.write_lines(batch_lines(k))
            db.flush()
            db.write_lines(batch_lines(101))
            db.backup(self.path("copy"))
            db.write_lines(batch_lines(102))  # after the backup
        with strata.open(self.path("copy")) as copy:
            self.assertEqual(contents(copy), model_after(101))
            copy.write_lines(batch_lines(500))
        with strata.open(self.path("src")) as db:
            self.assertEqual(contents(db), model_after(102))

    def test_errors_and_abandoning(self):
        with strata.open(self.path("src"), sync="off") as db:
            db.write_lines(batch_lines(1))
            db.backup(self.path("copy"))
            with self.assertRaisesRegex(strata.InvalidError, "already exists"):
                db.backup(self.path("copy"))
            with self.assertRaisesRegex(strata.Error, "abandoned"):
                db.backup(self.path("abandoned"), progress=lambda done, total: True)
            self.assertFalse(os.path.exists(self.path("abandoned")))

            def fail(done, total):
                raise KeyError("from the callback")

            with self.assertRaises(KeyError):
                db.backup(self.path("raised"), progress=fail)
            self.assertFalse(os.path.exists(self.path("raised")))
            leftovers = [n for n in os.listdir(self.root) if ".tmp-" in n]
            self.assertEqual(leftovers, [])


if __name__ == "__main__":
    unittest.main()
