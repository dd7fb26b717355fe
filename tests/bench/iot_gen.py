#!/usr/bin/python3
"""Deterministic IoT workload in InfluxDB line protocol: many devices, few readings each.

The shape that makes per-series overhead visible (issue 19): --devices sensors (default 100,000)
each report --readings times (default 30), one reading a minute, two float fields with one
decimal (temperature, humidity) that random-walk per device. Standard library only.

  iot_gen.py > iot.lp                                   # 100,000 x 30 x 2 = 6,000,000 points
  iot_gen.py --devices 1000 --readings 10 --seed 7 | head

Lines look like
  sensor,device=dev-000042,region=eu-west,site=site-0517 humidity=48.3,temperature=21.7 <ns>

- Tags: device (unique), site (--sites, default 2,000; each device belongs to one site drawn at
  random) and region (the site's region, one of 8). Tags are written sorted by key.
- Time: reading r of device d is at --start + r * --interval + phase(d), where phase(d) is the
  device's own offset, drawn once in [0, --phase-ms) milliseconds (default 10,000): devices are
  not synchronised, but each keeps its cadence exactly. Timestamps are nanoseconds (multiples of
  one millisecond), so no --precision is needed to import them. Lines are in time order (the
  order in which readings arrive): minute by minute, devices ordered by phase.
- Values: temperature starts in [15, 30) and takes steps of N(0, 0.15) clamped to [-20, 50];
  humidity starts in [30, 70) and takes steps of N(0, 0.4) clamped to [5, 95]; both are written
  with one decimal ("%.1f"), as sensors report them, so runs of equal values occur.
- Deterministic: the same arguments (--seed, default 1) give byte-identical output.
"""

import argparse
import random
import sys

REGIONS = ["us-east", "us-west", "eu-west", "eu-central", "ap-south", "ap-northeast",
           "sa-east", "af-south"]


def clamp(value, low, high):
    return max(low, min(high, value))


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--readings", type=int, default=30, help="readings per device")
    parser.add_argument("--sites", type=int, default=2_000)
    parser.add_argument("--interval", type=int, default=60, help="seconds between readings")
    parser.add_argument("--phase-ms", type=int, default=10_000,
                        help="per-device phase offsets are drawn in [0, this) milliseconds")
    parser.add_argument("--start", type=int, default=1704067200,
                        help="first reading's minute, Unix seconds (default 2024-01-01)")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args(argv)
    for name in ("devices", "readings", "sites", "interval"):
        if getattr(arguments, name) <= 0:
            parser.error("--%s must be positive" % name)
    if not 0 <= arguments.phase_ms <= arguments.interval * 1000:
        parser.error("--phase-ms must lie in [0, --interval in milliseconds]")
    return arguments


def main(argv):
    arguments = parse_arguments(argv)
    rng = random.Random(arguments.seed)
    site_regions = [rng.choice(REGIONS) for _ in range(arguments.sites)]
    width = len(str(arguments.devices - 1))
    prefixes, phases_ns, temperatures, humidities = [], [], [], []
    for device in range(arguments.devices):
        site = rng.randrange(arguments.sites)
        prefixes.append("sensor,device=dev-%0*d,region=%s,site=site-%04d " % (
            width, device, site_regions[site], site))
        phases_ns.append(rng.randrange(arguments.phase_ms) * 1_000_000
                         if arguments.phase_ms else 0)
        temperatures.append(rng.uniform(15.0, 30.0))
        humidities.append(rng.uniform(30.0, 70.0))
    order = sorted(range(arguments.devices), key=lambda device: (phases_ns[device], device))

    write = sys.stdout.write
    gauss = rng.gauss
    for reading in range(arguments.readings):
        minute_ns = (arguments.start + reading * arguments.interval) * 1_000_000_000
        lines = []
        for device in order:
            if reading:
                temperatures[device] = clamp(temperatures[device] + gauss(0.0, 0.15), -20.0, 50.0)
                humidities[device] = clamp(humidities[device] + gauss(0.0, 0.4), 5.0, 95.0)
            lines.append("%shumidity=%.1f,temperature=%.1f %d\n" % (
                prefixes[device], humidities[device], temperatures[device],
                minute_ns + phases_ns[device]))
        write("".join(lines))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(1)
