"""Prometheus remote write into `strata serve`: Debian's prometheus (agent mode) scrapes Debian's
prometheus-node-exporter and itself on loopback ports for a few seconds and remote-writes the
samples into Strata; then node_exporter stops, so that Prometheus sends staleness markers for its
series. The test checks that the samples Prometheus reports having sent are all in Strata: at a
moment when Prometheus has nothing pending and sends nothing, its count of samples sent equals
Strata's count of samples stored plus those it skipped (NaN, staleness markers included); the
rows read through SQL equal the samples stored; and the stored values look as Prometheus has
them (labels as tags, `up` is 1 while node_exporter ran)."""

import json
import os
import re
import signal
import subprocess
import time
import unittest
import urllib.request

from serve_harness import Server, TempDir, free_port, wait_until

def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


def metric(text, name):
    """The sum of a metric's samples in Prometheus' text format."""
    total = 0.0
    for m in re.finditer(r"^%s(?:\{[^}]*\})? (\S+)$" % re.escape(name), text, re.M):
        total += float(m.group(1))
    return total


class Process:
    def __init__(self, args, log):
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


class PrometheusRemoteWriteTest(unittest.TestCase):
    def test_samples_prometheus_sent_are_in_strata(self):
        with TempDir() as root:
            token = os.path.join(root, "token")
            with open(token, "w") as f:
                f.write("prom-token\n")
            with Server(os.path.join(root, "data"), "--token-file", token) as strata:
                strata.default_headers = {"Authorization": "Bearer prom-token"}
                self.run_prometheus(root, strata)

    def run_prometheus(self, root, strata):
        node_port, prom_port = free_port(), free_port()
        node = Process(["prometheus-node-exporter",
                        "--web.listen-address=127.0.0.1:%d" % node_port],
                       os.path.join(root, "node_exporter.log"))
        self.addCleanup(node.stop)
        wait_until(lambda: self.up("http://127.0.0.1:%d/metrics" % node_port), 30,
                   "node_exporter")
        config = os.path.join(root, "prometheus.yml")
        with open(config, "w") as f:
            f.write("""
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: node
    static_configs: [{targets: ['127.0.0.1:%d']}]
  - job_name: prometheus
    static_configs: [{targets: ['127.0.0.1:%d']}]
remote_write:
  - url: %s/api/v1/write
    authorization: {credentials_file: %s}
    queue_config: {batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 1s}
""" % (node_port, prom_port, strata.url, os.path.join(root, "token")))
        prom = Process(["prometheus", "--enable-feature=agent", "--config.file=" + config,
                        "--storage.agent.path=" + os.path.join(root, "agent"),
                        "--web.listen-address=127.0.0.1:%d" % prom_port],
                       os.path.join(root, "prometheus.log"))
        self.addCleanup(prom.stop)
        prom_metrics = "http://127.0.0.1:%d/metrics" % prom_port
        wait_until(lambda: self.up(prom_metrics), 60, "prometheus")
        # A bounded run: until three scrapes of node_exporter have reached Strata.
        wait_until(lambda: self.node_scrapes(strata) >= 3, 90, "three scrapes in Strata", 0.5)

        # node_exporter goes: its next scrape fails, `up` is 0 and Prometheus marks the target's
        # series stale, markers Strata skips.
        node.stop()
        wait_until(lambda: self.node_scrapes(strata, "value = 0") > 0, 60, "a failed scrape")
        wait_until(lambda: self.health(strata)["remote_write_samples_skipped"] > 300, 30,
                   "staleness markers")

        def quiet_totals():
            first = get(prom_metrics)[1]
            if metric(first, "prometheus_remote_storage_samples_pending") != 0:
                return None
            health = self.health(strata)
            second = get(prom_metrics)[1]
            sent = metric(first, "prometheus_remote_storage_samples_total")
            if sent != metric(second, "prometheus_remote_storage_samples_total"):
                return None
            return first, sent, health

        text, sent, health = wait_until(quiet_totals, 60, "a moment without sends", 0.05)
        for name in ("failed", "retried", "dropped"):
            self.assertEqual(metric(text, "prometheus_remote_storage_samples_%s_total" % name),
                             0, name)
        stored = health["remote_write_samples_written"]
        skipped = health["remote_write_samples_skipped"]
        self.assertEqual(stored + skipped, sent)
        self.assertGreater(stored, 3 * 500)  # node_exporter has a few hundred series

        prom.stop()
        health = self.health(strata)
        self.assertEqual(self.rows_in_strata(strata), health["remote_write_samples_written"])
        up = strata.sql("SELECT job, instance, value FROM up WHERE job = 'node' "
                        "ORDER BY time LIMIT 1")
        self.assertEqual(up, [["node", "127.0.0.1:%d" % node_port, 1.0]])
        self.assertGreater(strata.sql(
            "SELECT count(DISTINCT mode) FROM node_cpu_seconds_total")[0][0], 3)
        (last_up,), = strata.sql("SELECT value FROM up WHERE job = 'node' "
                                 "ORDER BY time DESC LIMIT 1")
        self.assertEqual(last_up, 0.0)  # scrapes failed once node_exporter was gone

    @staticmethod
    def up(url):
        try:
            return get(url)[0] == 200
        except OSError:
            return False

    @staticmethod
    def node_scrapes(strata, condition="value = 1"):
        status, _, body = strata.request(
            "POST", "/query", "SELECT count(*) FROM up WHERE job = 'node' AND " + condition)
        return json.loads(body)["rows"][0][0] if status == 200 else 0

    @staticmethod
    def health(strata):
        return json.loads(strata.request("GET", "/health")[2])

    @staticmethod
    def rows_in_strata(strata):
        tables = [r[0] for r in strata.sql(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        total = 0
        for i in range(0, len(tables), 200):
            part = " UNION ALL ".join('SELECT count(*) AS n FROM "%s"' % t.replace('"', '""')
                                      for t in tables[i:i + 200])
            total += strata.sql("SELECT sum(n) FROM (%s)" % part)[0][0]
        return total


if __name__ == "__main__":
    unittest.main()
