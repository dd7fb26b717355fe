package strata_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README's example is the body of Example (example_test.go), which go test runs and whose
// output it checks.
func TestReadmeShowsTheTestedExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	must(t, err)
	block := regexp.MustCompile("(?s)```go\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no go block")
	}
	example, err := os.ReadFile("example_test.go")
	must(t, err)
	body := regexp.MustCompile(`(?s)\nfunc Example\(\) \{\n(.*?)\n\}\n`).FindSubmatch(example)
	if body == nil {
		t.Fatal("example_test.go has no Example function")
	}
	if strings.TrimSpace(string(block[1])) != strings.TrimSpace(string(body[1])) {
		t.Fatal("README.md's example differs from Example in example_test.go")
	}
}
