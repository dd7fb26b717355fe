"""The Python binding's declarations of C functions (strata._ffi._SIGNATURES) against the ABI:
every declared function is in abi/strata.symbols with as many parameters as its prototype in
abi/include/strata.h, and the package calls no strata_* function it does not declare. So an ABI
change fails this test rather than a user's program (issue 18)."""
import os
import re
import unittest

from strata import _ffi

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PACKAGE = os.path.join(ROOT, "bindings", "python", "strata")


def exported_symbols():
    with open(os.path.join(ROOT, "abi", "strata.symbols")) as f:
        return {line.strip() for line in f if line.strip() and not line.startswith("#")}


def header_arities():
    """{function: parameter count} from the STRATA_API prototypes of strata.h."""
    with open(os.path.join(ROOT, "abi", "include", "strata.h")) as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
    out = {}
    for name, params in re.findall(r"STRATA_API[^;(]*?\b(strata_\w+)\s*\(([^)]*)\)\s*;", text):
        params = params.strip()
        out[name] = 0 if params in ("", "void") else params.count(",") + 1
    return out


class DeclarationsTest(unittest.TestCase):
    def test_every_declared_function_is_exported_with_its_arity(self):
        symbols = exported_symbols()
        arities = header_arities()
        self.assertGreater(len(arities), 60)  # the parser found the header's prototypes
        for name, (_restype, argtypes) in _ffi._SIGNATURES.items():
            with self.subTest(name=name):
                self.assertIn(name, symbols)
                self.assertEqual(len(argtypes), arities[name])

    def test_the_package_calls_only_declared_functions(self):
        used = set()
        for file in os.listdir(PACKAGE):
            if file.endswith(".py"):
                with open(os.path.join(PACKAGE, file)) as f:
                    used |= set(re.findall(r"\.(strata_\w+)\b", f.read()))
        self.assertGreater(len(used), 30)
        self.assertEqual(sorted(used - set(_ffi._SIGNATURES)), [])


if __name__ == "__main__":
    unittest.main()
