package strata_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The package's C calls are declared by strata.h through cgo; this test checks each function
// it calls (every C.strata_* in its sources) against abi/strata.symbols, so an ABI change
// fails here rather than in a user's build.
func TestEveryCalledFunctionIsInTheABI(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "abi", "strata.symbols"))
	must(t, err)
	defer f.Close()
	exported := map[string]bool{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := strings.TrimSpace(s.Text()); line != "" && !strings.HasPrefix(line, "#") {
			exported[line] = true
		}
	}
	must(t, s.Err())
	sources, err := filepath.Glob("*.go")
	must(t, err)
	called := map[string]bool{}
	re := regexp.MustCompile(`\bC\.(strata_\w+)`)
	for _, src := range sources {
		if strings.HasSuffix(src, "_test.go") {
			continue
		}
		text, err := os.ReadFile(src)
		must(t, err)
		for _, m := range re.FindAllStringSubmatch(string(text), -1) {
			if !strings.HasPrefix(m[1], "strata_go_") && !isType(m[1]) {
				called[m[1]] = true
			}
		}
	}
	var missing []string
	for name := range called {
		if !exported[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(called) < 40 || len(missing) > 0 {
		t.Fatalf("%d functions called; not in strata.symbols: %v", len(called), missing)
	}
}

// isType tells the header's types (C.strata_tag{...}) from its functions.
func isType(name string) bool {
	switch name {
	case "strata_db", "strata_batch", "strata_cursor", "strata_rows", "strata_tag",
		"strata_tag_filter", "strata_rows_options":
		return true
	}
	return false
}
