package strata_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"strata"
)

// The example of bindings/go/README.md (a test checks that the README shows this function).
func Example() {
	dir, _ := os.MkdirTemp("", "strata-example-")
	defer os.RemoveAll(dir)
	db, err := strata.Open(filepath.Join(dir, "data"), "sync=full")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// Columnar writes: resolve each series once, append arrays, write atomically.
	b, _ := strata.NewBatch()
	defer b.Close()
	t0 := int64(1451606400000000000) // 2016-01-01T00:00:00Z
	times := []int64{t0, t0 + 10e9, t0 + 20e9}
	for i, host := range []string{"a", "b"} {
		s, _ := b.Series("cpu", map[string]string{"hostname": host}, "usage_user", strata.Float)
		if err := b.AppendFloats(s, times, []float64{1, 2, float64(3 + i)}); err != nil {
			log.Fatal(err)
		}
	}
	if err := db.WriteAndClear(b); err != nil {
		log.Fatal(err)
	}
	_ = db.WriteLines([]byte("cpu,hostname=c usage_user=9 1451606400000000000\n"))

	// Row queries: tag IN lists, time ranges, newest first.
	rows, err := db.QueryRows("cpu", strata.Tag("hostname", "b", "c"),
		strata.Fields("usage_user"), strata.Descending(), strata.LimitPerTagSet(1))
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		v, _ := rows.Value(0)
		fmt.Println(rows.Tags()["hostname"], rows.Time()-t0, v)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	// Errors carry the status code.
	err = db.WriteLines([]byte("cpu usage_user=oops\n"))
	fmt.Println(errors.Is(err, strata.ErrInvalid))
	// Output:
	// b 20000000000 4
	// c 0 9
	// true
}
