"""kill -9 of `strata serve` while clients write: every request answered 204 is on disk after a
restart, and no request is there in part. Writers send batches that span two measurements and two
days (so several shards), each line tagged with its batch's ID; the server runs with small
MemStores and WAL files, so that flushes and WAL rotations are under way when it is killed.
Rounds and seed: STRATA_SERVE_CRASH_ROUNDS (3), STRATA_SERVE_CRASH_SEED (random, printed)."""

import json
import os
import random
import sys
import threading
import time
import unittest

from serve_harness import Server, TempDir

DAY = 86400 * 10**9
T0 = 1_700_000_000 * 10**9
OPTIONS = "sync=full;memstore_bytes=256KiB;wal_segment_bytes=1MiB;shard_duration=1d"


class CrashTest(unittest.TestCase):
    def test_acknowledged_writes_survive_kill_9(self):
        rounds = int(os.environ.get("STRATA_SERVE_CRASH_ROUNDS", "3"))
        seed = int(os.environ.get("STRATA_SERVE_CRASH_SEED", random.randrange(1 << 30)))
        print("STRATA_SERVE_CRASH_SEED=%d" % seed, file=sys.stderr)
        rng = random.Random(seed)
        with TempDir() as root:
            data = os.path.join(root, "data")
            sizes = {}  # batch ID -> lines
            acked = set()
            for r in range(rounds):
                server = Server(data, "--options", OPTIONS)
                self.check(server, sizes, acked)
                self.write_and_kill(server, r, rng, sizes, acked)
            server = Server(data, "--options", OPTIONS)
            self.check(server, sizes, acked)
            self.assertEqual(server.stop(), 0)
            self.assertGreater(len(acked), 10)

    def write_and_kill(self, server, round_no, rng, sizes, acked):
        lock = threading.Lock()
        stop = threading.Event()

        def writer(w, wrng):
            seq = 0
            while not stop.is_set():
                batch = "r%dw%ds%d" % (round_no, w, seq)
                seq += 1
                n = wrng.randrange(10, 400)
                lines = "".join("m%d,b=%s,h=h%d v=%d,i=%di %d\n"
                                % (i % 2, batch, i % 5, i, i, T0 + (i % 2) * DAY + i)
                                for i in range(n))
                with lock:
                    sizes[batch] = n
                try:
                    status, _, _ = server.write_v2(lines)
                except OSError:
                    return  # the server is gone
                if status == 204:
                    with lock:
                        acked.add(batch)

        threads = [threading.Thread(target=writer, args=(w, random.Random(rng.random())))
                   for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.5, 2.0))
        server.kill()
        stop.set()
        for t in threads:
            t.join(60)

    def check(self, server, sizes, acked):
        found = {}
        for table in ("m0", "m1"):
            status, _, body = server.request("POST", "/query",
                                             "SELECT b, count(*) FROM %s GROUP BY b" % table)
            if status == 400 and b"no such table" in body:
                continue
            for b, n in json.loads(body)["rows"]:
                found[b] = found.get(b, 0) + n
        for batch in acked:
            self.assertEqual(found.get(batch, 0), sizes[batch], "acknowledged " + batch)
        for batch, n in found.items():
            self.assertEqual(n, sizes[batch], "partly stored " + batch)


if __name__ == "__main__":
    unittest.main()
