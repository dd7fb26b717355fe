#!/usr/bin/python3
"""Tests of the benchmark data tools: iot_gen.py, proc_collector.py and size_bench.py.

Registered with ctest as python.bench_data (label python; the name keeps it out of the ASan run,
whose library /usr/bin/python3 cannot load); STRATA_BUILD_DIR names the build directory
holding `strata` and `libstrata.so`. Each tool runs on a small input (a few seconds in all): the
generator is deterministic and shaped as documented, the collector writes Telegraf's
measurements with the documented types and real timestamps, every line both write is accepted by
`strata import` with one point per field, and size_bench reports sizes that add up.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("STRATA_BUILD_DIR",
                       os.path.join(os.path.dirname(os.path.dirname(HERE)), "build"))
PYTHON = "/usr/bin/python3"


def parse_line(line):
    """Splits one line of line protocol into (measurement, tags, fields, timestamp).

    Field values stay as written (e.g. '12i', '1.5', '"text"'), so tests can check their types.
    """
    sections, current, index, quoted = [], [], 0, False
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line):
            current.append(line[index:index + 2])
            index += 2
            continue
        if char == '"' and len(sections) == 1:
            quoted = not quoted
        if char == " " and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    sections.append("".join(current))
    if len(sections) != 3:
        raise ValueError("not measurement,tags fields timestamp: %r" % line)
    key_parts = split_unescaped(sections[0], ",")
    tags = dict(split_unescaped(part, "=", 1) for part in key_parts[1:])
    fields = dict(split_unescaped(part, "=", 1) for part in split_fields(sections[1]))
    return key_parts[0], tags, fields, int(sections[2])


def split_unescaped(text, separator, limit=-1):
    parts, current, index = [], [], 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            current.append(text[index + 1])
            index += 2
            continue
        if text[index] == separator and limit != 0:
            parts.append("".join(current))
            current = []
            limit -= 1
        else:
            current.append(text[index])
        index += 1
    parts.append("".join(current))
    return parts


def split_fields(text):
    """Splits 'a=1i,b="x,y",c=2' at the commas outside quoted strings."""
    parts, current, index, quoted = [], [], 0, False
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index:index + 2])
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def is_integer(value):
    return re.fullmatch(r"-?\d+i", value) is not None


def is_float(value):
    return re.fullmatch(r"-?\d+(\.\d+)?", value) is not None


def is_string(value):
    return len(value) >= 2 and value[0] == '"' and value[-1] == '"'


def import_points(path, directory):
    """Imports `path` with the CLI and returns the points the directory's segments hold."""
    strata = os.path.join(BUILD, "strata")
    subprocess.run([strata, "import", directory, path], check=True, stderr=subprocess.DEVNULL)
    stats = subprocess.run([strata, "stats", "--json", directory], check=True,
                           stdout=subprocess.PIPE).stdout
    return json.loads(stats)["segment_points"]


def count_fields(lines):
    return sum(len(parse_line(line)[2]) for line in lines)


class IotGenTest(unittest.TestCase):
    ARGS = ["--devices", "50", "--readings", "4", "--sites", "7"]

    def generate(self, *extra):
        return subprocess.run([PYTHON, os.path.join(HERE, "iot_gen.py")] + self.ARGS
                              + list(extra), check=True, stdout=subprocess.PIPE,
                              text=True).stdout

    def test_is_deterministic_per_seed(self):
        self.assertEqual(self.generate("--seed", "5"), self.generate("--seed", "5"))
        self.assertNotEqual(self.generate("--seed", "5"), self.generate("--seed", "6"))

    def test_devices_report_once_a_minute_in_time_order(self):
        lines = self.generate().splitlines()
        self.assertEqual(len(lines), 50 * 4)
        times_by_device, sites, last_time = {}, set(), 0
        for line in lines:
            measurement, tags, fields, timestamp = parse_line(line)
            self.assertEqual(measurement, "sensor")
            self.assertEqual(sorted(tags), ["device", "region", "site"])
            self.assertEqual(sorted(fields), ["humidity", "temperature"])
            for value in fields.values():
                self.assertRegex(value, r"^-?\d+\.\d$")
            self.assertTrue(5.0 <= float(fields["humidity"]) <= 95.0)
            self.assertGreaterEqual(timestamp, last_time)
            last_time = timestamp
            times_by_device.setdefault(tags["device"], []).append(timestamp)
            sites.add(tags["site"])
        self.assertEqual(len(times_by_device), 50)
        self.assertLessEqual(len(sites), 7)
        phases = set()
        for times in times_by_device.values():
            self.assertEqual([b - a for a, b in zip(times, times[1:])], [60 * 10**9] * 3)
            self.assertEqual(times[0] % 10**6, 0)
            phases.add(times[0])
        self.assertGreater(len(phases), 40)  # devices are not synchronised

    def test_rejects_a_phase_longer_than_the_interval(self):
        result = subprocess.run([PYTHON, os.path.join(HERE, "iot_gen.py"), "--phase-ms",
                                 "60001"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(result.returncode, 2)
        self.assertIn(b"--phase-ms", result.stderr)

    def test_every_field_is_a_point_in_strata(self):
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "iot.lp")
            text = self.generate()
            with open(path, "w") as out:
                out.write(text)
            self.assertEqual(import_points(path, os.path.join(work, "db")), 50 * 4 * 2)


class ProcCollectorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.work.name, "proc.lp")
        cls.started = time.time_ns()
        process = subprocess.Popen([PYTHON, os.path.join(HERE, "proc_collector.py"),
                                    "--seconds", "2.2", "--interval", "0.5", "--exe", "python3",
                                    "--pattern", "proc_collector", "--exe", "^kthreadd$",
                                    "--out", cls.path])
        cls.collector_pid = process.pid
        process.wait(timeout=60)
        cls.returncode = process.returncode
        cls.ended = time.time_ns()
        with open(cls.path) as handle:
            cls.lines = handle.read().splitlines()
        cls.points = [parse_line(line) for line in cls.lines]

    @classmethod
    def tearDownClass(cls):
        cls.work.cleanup()

    def by_measurement(self, name):
        return [point for point in self.points if point[0] == name]

    def test_writes_telegrafs_measurements_with_real_timestamps(self):
        self.assertEqual(self.returncode, 0)
        names = {point[0] for point in self.points}
        for name in ("cpu", "mem", "kernel", "system", "processes", "procstat",
                     "procstat_lookup"):
            self.assertIn(name, names)
        for _, tags, _, timestamp in self.points:
            self.assertIn("host", tags)
            self.assertTrue(self.started <= timestamp <= self.ended)
        self.assertTrue(any(point[3] % 1000 for point in self.points))  # not rounded
        ticks = {point[3] for point in self.by_measurement("mem")}
        self.assertGreaterEqual(len(ticks), 3)

    def test_cpu_percentages_are_floats_that_add_up(self):
        cpu = self.by_measurement("cpu")
        self.assertIn("cpu-total", {tags["cpu"] for _, tags, _, _ in cpu})
        for _, _, fields, _ in cpu:
            self.assertEqual(len(fields), 10)
            for value in fields.values():
                self.assertTrue(is_float(value), value)
            self.assertAlmostEqual(sum(float(value) for value in fields.values()), 100.0,
                                   places=6)

    def test_counters_are_integers_and_percentages_floats(self):
        for _, _, fields, _ in self.by_measurement("mem"):
            self.assertTrue(is_float(fields.pop("used_percent")))
            self.assertTrue(is_float(fields.pop("available_percent")))
            self.assertTrue(all(is_integer(value) for value in fields.values()), fields)
        for measurement in ("kernel", "processes", "procstat_lookup"):
            for _, _, fields, _ in self.by_measurement(measurement):
                self.assertTrue(all(is_integer(value) for value in fields.values()), fields)
        for _, tags, fields, _ in self.by_measurement("diskio"):
            self.assertIn("name", tags)
            for name in ("reads", "writes", "read_bytes", "write_bytes", "io_time"):
                self.assertTrue(is_integer(fields[name]))

    def test_system_writes_three_points_per_tick(self):
        system = self.by_measurement("system")
        per_tick = {}
        for _, _, fields, timestamp in system:
            per_tick.setdefault(timestamp, set()).update(fields)
        for fields in per_tick.values():
            self.assertTrue({"load1", "n_cpus", "uptime", "uptime_format"} <= fields)
        self.assertEqual(len(system), 3 * len(per_tick))

    def test_procstat_follows_the_collector_itself(self):
        own = [point for point in self.by_measurement("procstat")
               if point[1]["pid"] == str(self.collector_pid) and "exe" in point[1]]
        by_pattern = [point for point in self.by_measurement("procstat")
                      if point[1]["pid"] == str(self.collector_pid) and "pattern" in point[1]]
        self.assertGreaterEqual(len(own), 3)
        self.assertEqual(len(own), len(by_pattern))  # each finder stamps its own read time
        for _, tags, fields, _ in own + by_pattern:
            self.assertEqual(tags["process_name"], "python3")
            self.assertEqual(tags.get("exe", tags.get("pattern")),
                             "python3" if "exe" in tags else "proc_collector")
            self.assertTrue(is_string(fields["status"]))
            self.assertIn("proc_collector.py", fields["cmdline"])
            self.assertTrue(is_integer(fields["memory_rss"]))
            self.assertTrue(is_integer(fields["num_threads"]))
        self.assertNotIn("cpu_usage", own[0][2])  # needs a previous tick
        self.assertTrue(all(is_float(point[2]["cpu_usage"]) for point in own[1:]))

    def test_a_kernel_thread_has_no_memory_map_fields(self):
        threads = [point for point in self.by_measurement("procstat")
                   if point[1].get("exe") == "^kthreadd$"]
        if not threads:
            self.skipTest("no kthreadd on this machine")
        for _, tags, fields, _ in threads:
            self.assertEqual(tags["process_name"], "kthreadd")
            self.assertEqual(fields["cmdline"], '""')
            self.assertNotIn("memory_pss", fields)
            self.assertTrue(is_integer(fields["num_threads"]))

    def test_every_field_is_a_point_in_strata(self):
        directory = os.path.join(self.work.name, "db")
        self.assertEqual(import_points(self.path, directory), count_fields(self.lines))


class SizeBenchTest(unittest.TestCase):
    def test_reports_sizes_that_add_up(self):
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "iot.lp")
            with open(path, "w") as out:
                subprocess.run([PYTHON, os.path.join(HERE, "iot_gen.py"), "--devices", "20",
                                "--readings", "5"], check=True, stdout=out)
            output = subprocess.run([PYTHON, os.path.join(HERE, "size_bench.py"), "--build",
                                     BUILD, "--json", path], check=True,
                                    stdout=subprocess.PIPE, text=True).stdout
        self.assertIn("B/point", output)
        figures = json.loads(output[output.index("\n[") + 1:])[0]
        self.assertEqual(figures["points"], 20 * 5 * 2)
        self.assertEqual(figures["imported_points"], 20 * 5 * 2)
        compacted = figures["after_compaction"]
        self.assertGreater(compacted["segments"], 0)
        self.assertGreater(compacted["catalog"], 0)
        self.assertEqual(compacted["total"], sum(compacted[kind] for kind in (
            "segments", "catalog", "manifests", "wal", "other")))
        self.assertEqual(figures["segments_per_shard_after_compaction"], 1)
        self.assertGreater(figures["gzip9_bytes"], 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[1:])
