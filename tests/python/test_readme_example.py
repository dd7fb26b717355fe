"""The example of bindings/python/README.md runs, and prints what its comments say."""
import os
import re
import subprocess
import sys
import unittest

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings",
                      "python", "README.md")


class ReadmeExampleTest(unittest.TestCase):
    def test_example_prints_what_its_comments_say(self):
        with open(README) as f:
            code = re.search(r"```python\n(.*?)```", f.read(), re.S).group(1)
        if "import numpy" in code:
            try:
                import numpy  # noqa: F401
                import pandas  # noqa: F401
            except ImportError:
                self.skipTest("numpy or pandas is not installed")
        expected = re.findall(r"^\s*print\(.*\)\s*# (.*)$", code, re.M)
        self.assertTrue(expected)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.splitlines(), expected)


if __name__ == "__main__":
    unittest.main()
