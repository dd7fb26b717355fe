"""The binding's tag predicates (issue 15): strata.Not, strata.Prefix and strata.Regex in rows,
read_columns and read_frame, checked against a Python filter over every row on tag values of real
shapes (mixed case, shared prefixes, regex and LIKE metacharacters, non-ASCII, series without the
tag), together with equality and IN filters, in the MemStore and in segments; and the calls that
take equality only (query, delete) refuse them with a precise error."""
import os
import re
import shutil
import tempfile
import unittest

import strata

try:
    import numpy as np
except ImportError:  # pragma: no cover - the Debian test machine has it
    np = None

T0 = 1_700_000_000_000_000_000
HOSTS = ["web-1", "web-2", "Web-3", "WEB-10", "db-1", "db-web", "web", "a.b", "a+b", "x%y",
         "x_y", "caf\u00e9", "CAF\u00c9", "web-1-canary"]
MEASUREMENT = "m"


def host_of(tags):
    return tags.get("host")


class TagPredicateTest(unittest.TestCase):
    def setUp(self):
        root = tempfile.mkdtemp(prefix="strata-pred-")
        self.addCleanup(shutil.rmtree, root, True)
        self.db = strata.open(os.path.join(root, "db"), sync="off")
        self.addCleanup(self.db.close)
        lines = []
        for i, host in enumerate(HOSTS):
            escaped = host.replace(" ", "\\ ").replace(",", "\\,").replace("=", "\\=")
            dc = "east" if i % 2 else "west"
            for t in range(3):
                lines.append("%s,dc=%s,host=%s v=%d %d" % (MEASUREMENT, dc, escaped, i * 10 + t,
                                                          T0 + t))
        for t in range(3):  # a series without the host tag: no predicate on host matches it
            lines.append("%s,dc=east v=%d %d" % (MEASUREMENT, 1000 + t, T0 + t))
        self.db.write_lines("\n".join(lines) + "\n")

    def all_rows(self):
        return [(tuple(sorted(r.tags.items())), r.time, r.fields["v"])
                for r in self.db.rows(MEASUREMENT)]

    def check(self, tags, keep):
        """rows(tags=tags) is exactly the rows whose tags satisfy keep(tags)."""
        expected = [row for row in self.all_rows() if keep(dict(row[0]))]
        got = [(tuple(sorted(r.tags.items())), r.time, r.fields["v"])
               for r in self.db.rows(MEASUREMENT, tags=tags)]
        self.assertEqual(got, expected, tags)
        return got

    def check_each_predicate(self):
        has = lambda t: "host" in t  # noqa: E731 - a series without the tag never matches
        self.assertTrue(self.check({"host": strata.Not("web-1")},
                                   lambda t: has(t) and t["host"] != "web-1"))
        self.check({"host": strata.Not(["web-1", "db-1", "absent"])},
                   lambda t: has(t) and t["host"] not in ("web-1", "db-1"))
        self.check({"host": strata.Not([])}, has)
        self.assertTrue(self.check({"host": strata.Prefix("web-")},
                                   lambda t: has(t) and t["host"].startswith("web-")))
        self.check({"host": strata.Prefix("web-", ignore_case=True)},
                   lambda t: has(t) and t["host"].lower().startswith("web-"))
        self.check({"host": strata.Prefix("x%")}, lambda t: has(t) and t["host"] == "x%y")
        self.check({"host": strata.Prefix("")}, has)
        # ASCII case only: the non-ASCII capital stays distinct.
        self.check({"host": strata.Prefix("caf\u00e9", ignore_case=True)},
                   lambda t: has(t) and t["host"] == "caf\u00e9")
        for pattern in ["web-[0-9]+", "(?i)web-.*", "a.b", r"a\+b", "web", ".*web.*", "x.y",
                        "caf.", "nothing"]:
            self.check({"host": strata.Regex(pattern)},
                       lambda t, p=pattern: has(t) and re.fullmatch(p, t["host"]) is not None)
        # With equality and IN on another key, and a predicate on a key no series has.
        self.check({"dc": "east", "host": strata.Prefix("web")},
                   lambda t: t["dc"] == "east" and has(t) and t["host"].startswith("web"))
        self.check({"dc": ["east", "west"], "host": strata.Regex("db-.*")},
                   lambda t: has(t) and t["host"].startswith("db-"))
        self.check({"rack": strata.Not("r1")}, lambda t: False)

    def test_predicates_select_rows_in_the_memstore_and_in_segments(self):
        self.check_each_predicate()
        self.db.flush()
        self.check_each_predicate()

    @unittest.skipIf(np is None, "numpy is not installed")
    def test_read_columns_takes_predicates(self):
        self.db.flush()
        cols = self.db.read_columns(MEASUREMENT, fields=["v"],
                                    tags={"host": strata.Regex("web-[0-9]+")})
        hosts = sorted({cols.tagsets[code]["host"] for code in cols.tagset})
        self.assertEqual(hosts, ["web-1", "web-2"])
        self.assertEqual(cols.nrows, 6)
        none = self.db.read_columns(MEASUREMENT, fields=["v"],
                                    tags={"host": strata.Prefix("zzz")})
        self.assertEqual(none.nrows, 0)

    def test_bad_predicates_are_refused_precisely(self):
        with self.assertRaisesRegex(strata.InvalidError, "missing \\)|regex|RE2"):
            list(self.db.rows(MEASUREMENT, tags={"host": strata.Regex("web-(")}))
        for call in (lambda: self.db.delete(MEASUREMENT, tags={"host": strata.Prefix("web")}),
                     lambda: list(self.db.query(MEASUREMENT, tags={"host": strata.Not("a")}))):
            with self.assertRaisesRegex(strata.InvalidError, "predicates"):
                call()
        self.assertEqual(len(self.all_rows()), 3 * len(HOSTS) + 3)  # nothing deleted

    def test_predicates_compare_and_print(self):
        self.assertEqual(strata.Not(["a"]), strata.Not("a"))
        self.assertNotEqual(strata.Prefix("a"), strata.Prefix("a", ignore_case=True))
        self.assertEqual(repr(strata.Regex("a.*")), "Regex(['a.*'])")


if __name__ == "__main__":
    unittest.main()
