#!/usr/bin/python3
"""Samples this machine's /proc into InfluxDB line protocol, as Telegraf's system inputs would.

Real data for the size benchmark (tests/bench/size_bench.py) and the segment-format work (issue
19): the shapes a real collector writes (integer counters, gauges, percentages with float noise,
constant columns, sparse fields, repeated strings, short-lived series, collector timestamps in
nanoseconds with jitter), never synthetic values. Standard library only; run with /usr/bin/python3.

Usage:
  proc_collector.py --minutes 40 --out /work/data/proc_40min.lp
  proc_collector.py --seconds 10                # to stdout
Options: --interval S (default 1), --minutes N | --seconds N (default 1 minute), --out FILE,
  --exe REGEX and --pattern REGEX (repeatable): the processes procstat follows, by name as
  `pgrep REGEX` or by command line as `pgrep -f REGEX` (Telegraf's exe and pattern finders).
  Without either: a handful of long-lived processes, --pattern proc_collector (the collector
  itself) and --exe '^kswapd' '^kcompactd' '^khugepaged$' '^ksmd$'. On a build machine,
  `--exe python3 --exe ninja --exe cc1plus --exe ctest --exe strata` follows hundreds of
  short-lived processes instead (a series per pid and field: the many-short-series shape).

Each tick starts on a multiple of --interval (Telegraf's round_interval = true). Each input takes
its timestamp with time.time_ns() immediately before it reads its files, so all series of one input
share that timestamp and the collector's own jitter is kept (no rounding). The output is flushed
after every tick, so a partly written file holds whole lines. SIGTERM/SIGINT end it cleanly.

Measurements, tags and fields follow Telegraf's inputs (plugins/inputs/*/README.md and their
Gather code, Telegraf 1.3x, default configuration plus the options named below). Every point has
the tag host (the agent's global tag). Tags are written sorted by key, fields sorted by name.
Integers end in `i` (Telegraf's influx serializer without uint support: unsigned values above
2^63-1, e.g. an unlimited rlimit, are clipped to 9223372036854775807).
  cpu        tags cpu (cpu0.. and cpu-total). usage_user, usage_system, usage_idle, usage_nice,
             usage_iowait, usage_irq, usage_softirq, usage_steal, usage_guest, usage_guest_nice
             (floats, percent of the /proc/stat delta since the previous tick, computed on seconds
             = ticks / USER_HZ as gopsutil does; user excludes guest, nice excludes guest_nice;
             no point on the first tick). collect_cpu_time = false, report_active = false.
  mem        active, available, buffered, cached, commit_limit, committed_as, dirty, free,
             high_free, high_total, huge_page_size, huge_pages_free, huge_pages_total, inactive,
             low_free, low_total, mapped, page_tables, shared, slab, sreclaimable, sunreclaim,
             swap_cached, swap_free, swap_total, total, used, vmalloc_chunk, vmalloc_total,
             vmalloc_used, write_back, write_back_tmp (integers, bytes; huge_pages_* are counts);
             available_percent, used_percent (floats). As gopsutil: cached includes SReclaimable,
             used = total - free - buffered - cached.
  diskio     tags name (every device in /proc/diskstats, devices = ["*"]; skip_serial_number =
             true, so no serial tag). reads, writes, read_bytes, write_bytes, read_time,
             write_time, io_time, weighted_io_time, iops_in_progress, merged_reads,
             merged_writes (integers; bytes = sectors * 512); io_await and io_svctm (floats, only
             when the device completed I/O since the last tick) and io_util (float, from the
             second tick on), as Telegraf computes them.
  net        tags interface (interfaces that are up and not loopback, Telegraf's default).
             bytes_sent, bytes_recv, packets_sent, packets_recv, err_in, err_out, drop_in,
             drop_out, speed (integers; speed in Mbit/s from /sys, -1 when unsupported).
  kernel     boot_time, context_switches, entropy_avail, interrupts, processes_forked.
  system     the legacy setting's three points at one timestamp: load1, load5, load15 (floats),
             n_cpus, n_physical_cpus, n_users, n_unique_users (integers, users from utmp);
             uptime (integer); uptime_format (string, Telegraf's "%d days, %2d:%02d").
  processes  blocked, dead, idle, paging, parked (only when a parked task exists), running,
             sleeping, stopped, total, total_threads, unknown, zombies (integers).
  procstat   one point per process each finder matches, tags exe or pattern (the finder's
             regex), pid (tag_with = ["pid"]), process_name; properties = ["cpu", "limits",
             "memory", "mmap"]: num_threads,
             num_fds, voluntary/involuntary_context_switches, minor/major/child_minor/child_major
             _faults, read_count, write_count, read_bytes, write_bytes (rchar/wchar),
             disk_read_bytes, disk_write_bytes, created_at (ns), cpu_time_user, cpu_time_system,
             cpu_time_iowait (floats, seconds), cpu_usage (float, percent of one core since the
             previous tick; absent on a process's first tick), memory_rss, memory_vms,
             memory_usage (float32 percent, as gopsutil), memory_size, memory_pss,
             memory_shared_clean/dirty, memory_private_clean/dirty, memory_referenced,
             memory_anonymous, memory_swap (kB, from smaps_rollup, as gopsutil reports smaps),
             rlimit_<name>_soft/_hard and the used value <name> for cpu_time, memory_data,
             memory_stack, memory_rss, num_fds, memory_locked, memory_vms, file_locks (limits
             only), signals_pending, nice_priority, realtime_priority; ppid; strings cmdline,
             status (gopsutil's names: running, sleep, blocked, idle, stop, zombie, wait, ...),
             user.
  procstat_lookup  per finder: tags exe or pattern, pid_finder=pgrep, result=success;
             pid_count, running, result_code.
Deviations from Telegraf, on purpose: timestamps keep their nanoseconds (Telegraf rounds them
to its precision, by default the order of the interval: whole seconds here), and each input
stamps all its points with the one time taken before its reads (as Telegraf's cpu and procstat
do; its other inputs take the time as each point is added); a process's name or command line is
matched as a Python regular expression (pgrep uses POSIX extended ones); no pressure (psi), ksm,
core_id or cmdline tags. The data is real and so not reproducible: keep the
file with the figures measured on it.
"""

import argparse
import decimal
import os
import pwd
import re
import signal
import socket
import struct
import sys
import time

USER_HZ = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
INT64_MAX = (1 << 63) - 1
# A handful of long-lived processes: the collector itself and four kernel threads every Linux has.
DEFAULT_FINDERS = [("pattern", "proc_collector"), ("exe", "^kswapd"), ("exe", "^kcompactd"),
                   ("exe", "^khugepaged$"), ("exe", "^ksmd$")]


# ---------------------------------------------------------------------------------------------
# Line protocol
# ---------------------------------------------------------------------------------------------

def escape_key(text):
    """Escapes a measurement-free key or tag value: commas, equals signs and spaces."""
    return (text.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")
            .replace(" ", "\\ ").replace("\n", "\\n"))


def escape_measurement(text):
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ")


def format_field_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "%di" % min(value, INT64_MAX)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    raise TypeError("unsupported field value %r" % (value,))


def format_float(value):
    """Shortest round-trip decimal without an exponent, as Go's FormatFloat(v, 'f', -1, 64)."""
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(decimal.Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text


def format_line(measurement, tags, fields, timestamp_ns):
    """One line: tags with empty values are left out (line protocol has no empty tag values)."""
    parts = [escape_measurement(measurement)]
    for key in sorted(tags):
        if tags[key] != "":
            parts.append("%s=%s" % (escape_key(key), escape_key(tags[key])))
    field_text = ",".join("%s=%s" % (escape_key(name), format_field_value(fields[name]))
                          for name in sorted(fields))
    return "%s %s %d\n" % (",".join(parts), field_text, timestamp_ns)


# ---------------------------------------------------------------------------------------------
# Readers of /proc
# ---------------------------------------------------------------------------------------------

def read_text(path):
    with open(path, "r", encoding="utf-8", errors="replace") as handle:
        return handle.read()


def read_key_values(path, separator=":"):
    """Parses 'Key: 123 kB' lines into {key: [tokens]}."""
    values = {}
    for line in read_text(path).splitlines():
        key, sep, rest = line.partition(separator)
        if sep:
            values[key.strip()] = rest.split()
    return values


class CpuInput:
    """cpu: usage percentages from /proc/stat deltas between ticks."""

    NAMES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest",
             "guest_nice"]

    def __init__(self):
        self.last = {}

    def gather(self, host, out):
        now = time.time_ns()
        current = {}
        for line in read_text("/proc/stat").splitlines():
            if not line.startswith("cpu"):
                continue
            tokens = line.split()
            name = "cpu-total" if tokens[0] == "cpu" else tokens[0]
            seconds = [int(token) / USER_HZ for token in tokens[1:11]]
            seconds += [0.0] * (10 - len(seconds))
            current[name] = dict(zip(self.NAMES, seconds))
        for name in sorted(current, key=cpu_sort_key):
            now_times, last_times = current[name], self.last.get(name)
            if last_times is None:
                continue
            total_delta = total_cpu_time(now_times) - total_cpu_time(last_times)
            if total_delta <= 0:
                continue

            def delta(key):
                return now_times[key] - last_times[key]
            fields = {
                "usage_user": 100 * (delta("user") - delta("guest")) / total_delta,
                "usage_system": 100 * delta("system") / total_delta,
                "usage_idle": 100 * delta("idle") / total_delta,
                "usage_nice": 100 * (delta("nice") - delta("guest_nice")) / total_delta,
                "usage_iowait": 100 * delta("iowait") / total_delta,
                "usage_irq": 100 * delta("irq") / total_delta,
                "usage_softirq": 100 * delta("softirq") / total_delta,
                "usage_steal": 100 * delta("steal") / total_delta,
                "usage_guest": 100 * delta("guest") / total_delta,
                "usage_guest_nice": 100 * delta("guest_nice") / total_delta,
            }
            out.append(format_line("cpu", {"host": host, "cpu": name}, fields, now))
        self.last = current


def cpu_sort_key(name):
    return (1, 0) if name == "cpu-total" else (0, int(name[3:]))


def total_cpu_time(times):
    return (times["user"] + times["system"] + times["nice"] + times["iowait"] + times["irq"]
            + times["softirq"] + times["steal"] + times["idle"])


class MemInput:
    """mem: /proc/meminfo as gopsutil's VirtualMemory reports it."""

    KILOBYTE_FIELDS = {
        "active": "Active", "available": "MemAvailable", "buffered": "Buffers",
        "commit_limit": "CommitLimit", "committed_as": "Committed_AS", "dirty": "Dirty",
        "free": "MemFree", "high_free": "HighFree", "high_total": "HighTotal",
        "huge_page_size": "Hugepagesize", "inactive": "Inactive", "low_free": "LowFree",
        "low_total": "LowTotal", "mapped": "Mapped", "page_tables": "PageTables",
        "shared": "Shmem", "slab": "Slab", "sreclaimable": "SReclaimable",
        "sunreclaim": "SUnreclaim", "swap_cached": "SwapCached", "swap_free": "SwapFree",
        "swap_total": "SwapTotal", "total": "MemTotal", "vmalloc_chunk": "VmallocChunk",
        "vmalloc_total": "VmallocTotal", "vmalloc_used": "VmallocUsed",
        "write_back": "Writeback", "write_back_tmp": "WritebackTmp",
    }
    COUNT_FIELDS = {"huge_pages_free": "HugePages_Free", "huge_pages_total": "HugePages_Total"}

    def gather(self, host, out):
        now = time.time_ns()
        info = read_key_values("/proc/meminfo")

        def number(key):
            return int(info[key][0]) if key in info else 0
        fields = {name: number(key) * 1024 for name, key in self.KILOBYTE_FIELDS.items()}
        fields.update({name: number(key) for name, key in self.COUNT_FIELDS.items()})
        fields["cached"] = (number("Cached") + number("SReclaimable")) * 1024
        fields["used"] = (fields["total"] - fields["free"] - fields["buffered"]
                          - fields["cached"])
        fields["used_percent"] = fields["used"] / fields["total"] * 100.0
        fields["available_percent"] = fields["available"] / fields["total"] * 100.0
        out.append(format_line("mem", {"host": host}, fields, now))


class DiskioInput:
    """diskio: /proc/diskstats counters per device, with Telegraf's derived io_* gauges."""

    def __init__(self):
        self.last = {}
        self.last_time_ns = None

    def gather(self, host, out):
        now = time.time_ns()
        current = {}
        for line in read_text("/proc/diskstats").splitlines():
            tokens = line.split()
            if len(tokens) < 14:
                continue
            numbers = [int(token) for token in tokens[3:14]]
            current[tokens[2]] = {
                "reads": numbers[0], "merged_reads": numbers[1], "read_bytes": numbers[2] * 512,
                "read_time": numbers[3], "writes": numbers[4], "merged_writes": numbers[5],
                "write_bytes": numbers[6] * 512, "write_time": numbers[7],
                "iops_in_progress": numbers[8], "io_time": numbers[9],
                "weighted_io_time": numbers[10],
            }
        for name, counters in current.items():
            fields = dict(counters)
            last = self.last.get(name)
            if last is not None and self.last_time_ns is not None:
                rw_count = (counters["reads"] - last["reads"]) + (counters["writes"]
                                                                  - last["writes"])
                rw_time = (counters["read_time"] - last["read_time"]) + (
                    counters["write_time"] - last["write_time"])
                io_time = counters["io_time"] - last["io_time"]
                if rw_count > 0:
                    fields["io_await"] = float(rw_time) / rw_count
                    fields["io_svctm"] = float(io_time) / rw_count
                interval_ms = (now - self.last_time_ns) // 1000000
                if interval_ms > 0:
                    fields["io_util"] = 100.0 * io_time / interval_ms
            out.append(format_line("diskio", {"host": host, "name": name}, fields, now))
        self.last = current
        self.last_time_ns = now


class NetInput:
    """net: /proc/net/dev counters of up, non-loopback interfaces."""

    IFF_UP = 0x1
    IFF_LOOPBACK = 0x8

    def gather(self, host, out):
        now = time.time_ns()
        lines = read_text("/proc/net/dev").splitlines()[2:]
        for line in lines:
            name, _, rest = line.partition(":")
            name = name.strip()
            if not self.is_collected(name):
                continue
            numbers = [int(token) for token in rest.split()]
            fields = {
                "bytes_recv": numbers[0], "packets_recv": numbers[1], "err_in": numbers[2],
                "drop_in": numbers[3], "bytes_sent": numbers[8], "packets_sent": numbers[9],
                "err_out": numbers[10], "drop_out": numbers[11],
                "speed": interface_speed(name),
            }
            out.append(format_line("net", {"host": host, "interface": name}, fields, now))

    def is_collected(self, name):
        try:
            flags = int(read_text("/sys/class/net/%s/flags" % name), 16)
        except (OSError, ValueError):
            return False
        return bool(flags & self.IFF_UP) and not flags & self.IFF_LOOPBACK


def interface_speed(name):
    try:
        return int(read_text("/sys/class/net/%s/speed" % name))
    except (OSError, ValueError):
        return -1


class KernelInput:
    """kernel: boot time and counters from /proc/stat, entropy from /proc/sys."""

    def gather(self, host, out):
        now = time.time_ns()
        fields = {}
        for line in read_text("/proc/stat").splitlines():
            tokens = line.split()
            if not tokens:
                continue
            if tokens[0] == "btime":
                fields["boot_time"] = int(tokens[1])
            elif tokens[0] == "ctxt":
                fields["context_switches"] = int(tokens[1])
            elif tokens[0] == "intr":
                fields["interrupts"] = int(tokens[1])
            elif tokens[0] == "processes":
                fields["processes_forked"] = int(tokens[1])
        fields["entropy_avail"] = int(read_text("/proc/sys/kernel/random/entropy_avail"))
        out.append(format_line("kernel", {"host": host}, fields, now))


class SystemInput:
    """system: the legacy setting's three points (gauges, uptime counter, uptime_format)."""

    UTMP_RECORD = struct.Struct("hi32s4s32s256s")
    UTMP_SIZE = 384
    USER_PROCESS = 7

    def __init__(self):
        self.n_cpus = os.cpu_count() or 1
        self.n_physical_cpus = count_physical_cores() or self.n_cpus

    def gather(self, host, out):
        now = time.time_ns()
        load = read_text("/proc/loadavg").split()
        users = self.logged_in_users()
        uptime = int(float(read_text("/proc/uptime").split()[0]))
        tags = {"host": host}
        out.append(format_line("system", tags, {
            "load1": float(load[0]), "load5": float(load[1]), "load15": float(load[2]),
            "n_cpus": self.n_cpus, "n_physical_cpus": self.n_physical_cpus,
            "n_users": len(users), "n_unique_users": len(set(users)),
        }, now))
        out.append(format_line("system", tags, {"uptime": uptime}, now))
        out.append(format_line("system", tags, {"uptime_format": format_uptime(uptime)}, now))

    def logged_in_users(self):
        try:
            with open("/var/run/utmp", "rb") as handle:
                data = handle.read()
        except OSError:
            return []
        users = []
        for offset in range(0, len(data) - self.UTMP_SIZE + 1, self.UTMP_SIZE):
            record = self.UTMP_RECORD.unpack_from(data, offset)
            if record[0] == self.USER_PROCESS:
                users.append(record[4].split(b"\0", 1)[0].decode("utf-8", "replace"))
        return users


def count_physical_cores():
    cores = set()
    base = "/sys/devices/system/cpu"
    for entry in os.listdir(base):
        if re.fullmatch(r"cpu\d+", entry):
            try:
                package = read_text("%s/%s/topology/physical_package_id" % (base, entry))
                core = read_text("%s/%s/topology/core_id" % (base, entry))
            except OSError:
                continue
            cores.add((package.strip(), core.strip()))
    return len(cores)


def format_uptime(uptime):
    days = uptime // 86400
    text = ""
    if days:
        text = "%d day%s, " % (days, "s" if days > 1 else "")
    minutes = uptime // 60
    return text + "%2d:%02d" % (minutes // 60 % 24, minutes % 60)


def read_pid_stat(pid):
    """Returns (comm, fields after the comm) of /proc/PID/stat; fields[0] is the state."""
    data = read_text("/proc/%d/stat" % pid)
    open_paren, close_paren = data.index("("), data.rindex(")")
    return data[open_paren + 1:close_paren], data[close_paren + 2:].split()


def list_pids():
    return sorted(int(entry) for entry in os.listdir("/proc") if entry.isdigit())


class ProcessesInput:
    """processes: counts of tasks per state from /proc/PID/stat, as Telegraf's Linux path."""

    STATES = {"R": "running", "S": "sleeping", "D": "blocked", "Z": "zombies", "X": "dead",
              "T": "stopped", "t": "stopped", "W": "paging", "I": "idle", "P": "parked"}

    def gather(self, host, out):
        now = time.time_ns()
        fields = {name: 0 for name in ("blocked", "zombies", "stopped", "running", "sleeping",
                                       "total", "unknown", "dead", "paging", "total_threads",
                                       "idle")}
        for pid in list_pids():
            try:
                _, stat = read_pid_stat(pid)
            except (OSError, ValueError):
                continue
            state = self.STATES.get(stat[0][0])
            if state is not None:
                fields[state] = fields.get(state, 0) + 1
            fields["total"] += 1
            fields["total_threads"] += int(stat[17])
        out.append(format_line("processes", {"host": host}, fields, now))


# gopsutil's names for /proc/PID/stat states (process.Status()).
STATUS_NAMES = {"R": "running", "S": "sleep", "D": "blocked", "I": "idle", "T": "stop",
                "t": "stop", "Z": "zombie", "W": "wait", "L": "lock", "X": ""}

# /proc/PID/limits rows and Telegraf's names for them.
LIMIT_NAMES = {
    "Max cpu time": "cpu_time", "Max data size": "memory_data", "Max stack size": "memory_stack",
    "Max resident set": "memory_rss", "Max open files": "num_fds",
    "Max locked memory": "memory_locked", "Max address space": "memory_vms",
    "Max file locks": "file_locks", "Max pending signals": "signals_pending",
    "Max nice priority": "nice_priority", "Max realtime priority": "realtime_priority",
}

SMAPS_FIELDS = {"Rss": "memory_size", "Pss": "memory_pss", "Shared_Clean": "memory_shared_clean",
                "Shared_Dirty": "memory_shared_dirty", "Private_Clean": "memory_private_clean",
                "Private_Dirty": "memory_private_dirty", "Referenced": "memory_referenced",
                "Anonymous": "memory_anonymous", "Swap": "memory_swap"}


class ProcstatInput:
    """procstat and procstat_lookup for the processes each finder matches.

    A finder is ("exe", regex), matched against the process name as `pgrep REGEX` does, or
    ("pattern", regex), matched against the command line as `pgrep -f REGEX` does; its kind and
    regex are the tag Telegraf gives the points (exe=... or pattern=...).
    """

    def __init__(self, finders):
        self.finders = [(kind, text, re.compile(text)) for kind, text in finders]
        self.last_cpu = {}  # (pid, start ticks) -> (cpu seconds, time_ns) of the last tick
        self.mem_total = int(read_key_values("/proc/meminfo")["MemTotal"][0]) * 1024
        self.boot_time = next(int(line.split()[1]) for line in read_text("/proc/stat")
                              .splitlines() if line.startswith("btime"))

    def gather(self, host, out):
        seen = set()
        texts = {"exe": {}, "pattern": {}}
        kinds = {kind for kind, _, _ in self.finders}
        for pid in list_pids():
            try:
                if "exe" in kinds:
                    texts["exe"][pid] = read_text("/proc/%d/comm" % pid).rstrip("\n")
                if "pattern" in kinds:
                    texts["pattern"][pid] = read_command_line(pid)
            except OSError:
                continue
        for kind, text, regex in self.finders:
            now = time.time_ns()
            pids = [pid for pid, value in texts[kind].items() if regex.search(value)]
            running = 0
            for pid in pids:
                try:
                    fields, name, key = self.process_fields(pid, now)
                except (OSError, ValueError, IndexError, KeyError):
                    continue  # the process ended while it was read
                running += 1
                seen.add(key)
                out.append(format_line("procstat", {"host": host, kind: text, "pid": str(pid),
                                                    "process_name": name}, fields, now))
            out.append(format_line(
                "procstat_lookup",
                {"host": host, kind: text, "pid_finder": "pgrep", "result": "success"},
                {"pid_count": len(pids), "running": running, "result_code": 0}, now))
        self.last_cpu = {key: value for key, value in self.last_cpu.items() if key in seen}

    def process_fields(self, pid, now):
        name, stat = read_pid_stat(pid)
        status = read_key_values("/proc/%d/status" % pid)
        fields = {}
        fields["num_threads"] = int(stat[17])
        fields["num_fds"] = len(os.listdir("/proc/%d/fd" % pid))
        fields["voluntary_context_switches"] = int(status["voluntary_ctxt_switches"][0])
        fields["involuntary_context_switches"] = int(status["nonvoluntary_ctxt_switches"][0])
        fields["minor_faults"] = int(stat[7])
        fields["child_minor_faults"] = int(stat[8])
        fields["major_faults"] = int(stat[9])
        fields["child_major_faults"] = int(stat[10])
        io = {key: int(value[0]) for key, value in read_key_values("/proc/%d/io" % pid).items()}
        fields["read_count"] = io["syscr"]
        fields["write_count"] = io["syscw"]
        fields["read_bytes"] = io["rchar"]
        fields["write_bytes"] = io["wchar"]
        fields["disk_read_bytes"] = io["read_bytes"]
        fields["disk_write_bytes"] = io["write_bytes"]
        start_ticks = int(stat[19])
        fields["created_at"] = (self.boot_time * 1000 + start_ticks * 1000 // USER_HZ) * 1000000
        user_seconds = int(stat[11]) / USER_HZ
        system_seconds = int(stat[12]) / USER_HZ
        fields["cpu_time_user"] = user_seconds
        fields["cpu_time_system"] = system_seconds
        fields["cpu_time_iowait"] = int(stat[39]) / USER_HZ
        key = (pid, start_ticks)
        last = self.last_cpu.get(key)
        cpu_seconds = user_seconds + system_seconds
        if last is not None and now > last[1]:
            fields["cpu_usage"] = (cpu_seconds - last[0]) / ((now - last[1]) / 1e9) * 100
        self.last_cpu[key] = (cpu_seconds, now)
        rss = int(stat[21]) * PAGE_SIZE
        vms = int(stat[20])
        fields["memory_rss"] = rss
        fields["memory_vms"] = vms
        fields["memory_usage"] = struct.unpack("f", struct.pack("f", rss / self.mem_total
                                                                * 100))[0]
        try:
            smaps = read_key_values("/proc/%d/smaps_rollup" % pid)
        except OSError:  # a kernel thread has no memory map: Telegraf then writes no mmap fields
            smaps = {}
        for key_name, value in smaps.items():
            if key_name in SMAPS_FIELDS:
                fields[SMAPS_FIELDS[key_name]] = int(value[0])
        used = {
            "cpu_time": int(cpu_seconds), "memory_data": kilobytes(status, "VmData"),
            "memory_stack": kilobytes(status, "VmStk"), "memory_rss": rss,
            "num_fds": fields["num_fds"], "memory_locked": kilobytes(status, "VmLck"),
            "memory_vms": vms, "signals_pending": int(status["SigQ"][0].split("/")[0]),
            "nice_priority": int(stat[16]), "realtime_priority": int(stat[37]),
        }
        for line in read_text("/proc/%d/limits" % pid).splitlines()[1:]:
            for label, limit_name in LIMIT_NAMES.items():
                if line.startswith(label):
                    soft, hard = line[len(label):].split()[:2]
                    fields["rlimit_%s_soft" % limit_name] = parse_limit(soft)
                    fields["rlimit_%s_hard" % limit_name] = parse_limit(hard)
                    if limit_name in used:
                        fields[limit_name] = used[limit_name]
        fields["cmdline"] = read_command_line(pid)
        fields["ppid"] = int(stat[1])
        fields["status"] = STATUS_NAMES.get(stat[0][0], "")
        uid = int(status["Uid"][0])
        try:
            fields["user"] = pwd.getpwuid(uid).pw_name
        except KeyError:
            fields["user"] = str(uid)
        return fields, name, key


def read_command_line(pid):
    """The arguments of /proc/PID/cmdline joined by spaces (empty for a kernel thread)."""
    with open("/proc/%d/cmdline" % pid, "rb") as handle:
        return handle.read().rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")


def kilobytes(status, key):
    return int(status[key][0]) * 1024 if key in status else 0


def parse_limit(text):
    return INT64_MAX if text == "unlimited" else int(text)


# ---------------------------------------------------------------------------------------------
# Main loop
# ---------------------------------------------------------------------------------------------

def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    duration = parser.add_mutually_exclusive_group()
    duration.add_argument("--minutes", type=float)
    duration.add_argument("--seconds", type=float)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between ticks")
    parser.add_argument("--out", help="output file (default: stdout)")
    parser.add_argument("--exe", action="append", default=[],
                        help="procstat: processes whose name matches this regex (repeatable)")
    parser.add_argument("--pattern", action="append", default=[],
                        help="procstat: processes whose command line matches (repeatable)")
    arguments = parser.parse_args(argv)
    if arguments.interval <= 0:
        parser.error("--interval must be positive")
    if arguments.minutes is not None:
        arguments.duration = arguments.minutes * 60
    elif arguments.seconds is not None:
        arguments.duration = arguments.seconds
    else:
        arguments.duration = 60.0
    if arguments.duration <= 0:
        parser.error("the duration must be positive")
    return arguments


def procstat_finders(arguments):
    finders = ([("exe", text) for text in arguments.exe]
               + [("pattern", text) for text in arguments.pattern])
    return finders or DEFAULT_FINDERS


def main(argv):
    arguments = parse_arguments(argv)
    host = socket.gethostname()
    inputs = [CpuInput(), MemInput(), DiskioInput(), NetInput(), KernelInput(), SystemInput(),
              ProcessesInput(), ProcstatInput(procstat_finders(arguments))]
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    output = open(arguments.out, "w", encoding="utf-8") if arguments.out else sys.stdout
    interval_ns = int(arguments.interval * 1e9)
    end_ns = time.time_ns() + int(arguments.duration * 1e9)
    try:
        while not stopping:
            now = time.time_ns()
            next_tick = (now // interval_ns + 1) * interval_ns
            if next_tick > end_ns:
                break
            time.sleep((next_tick - now) / 1e9)
            lines = []
            for collector in inputs:
                collector.gather(host, lines)
            output.write("".join(lines))
            output.flush()
    except KeyboardInterrupt:
        pass
    finally:
        if output is not sys.stdout:
            output.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
