package strata_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"strata"
)

const (
	t0  int64 = 1451606400000000000 // 2016-01-01T00:00:00Z
	sec int64 = 1000000000
)

func openTemp(t *testing.T) (*strata.DB, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "db")
	db, err := strata.Open(dir, "sync=off")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func allPoints(t *testing.T, db *strata.DB, m string, opts ...strata.QueryOption) []strata.Point {
	t.Helper()
	c, err := db.Query(m, opts...)
	must(t, err)
	defer c.Close()
	var out []strata.Point
	for c.Next() {
		out = append(out, c.Point())
	}
	must(t, c.Err())
	return out
}

func TestPointsOfEveryTypeRoundTrip(t *testing.T) {
	db, _ := openTemp(t)
	b, err := strata.NewBatch()
	must(t, err)
	defer b.Close()
	tags := map[string]string{"host": "a", "region": "eu"}
	must(t, b.AddFloat("cpu", tags, "usage", t0, 1.5))
	must(t, b.AddInt("cpu", tags, "count", t0, math.MinInt64))
	must(t, b.AddBool("cpu", tags, "up", t0, true))
	must(t, b.AddString("cpu", tags, "note", t0, "h\x00éllo"))
	must(t, b.AddString("cpu", tags, "empty", t0, ""))
	if b.Len() != 5 {
		t.Fatalf("Len = %d", b.Len())
	}
	must(t, db.Write(b))
	got := map[string]any{}
	for _, p := range allPoints(t, db, "cpu") {
		if p.Time != t0 || !strings.HasPrefix(p.Series, "cpu,host=a,region=eu#") {
			t.Fatalf("point %+v", p)
		}
		got[p.Field] = p.Value
	}
	want := map[string]any{"usage": 1.5, "count": int64(math.MinInt64), "up": true,
		"note": "h\x00éllo", "empty": ""}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for field, typ := range map[string]strata.ValueType{"usage": strata.Float, "count": strata.Int,
		"up": strata.Bool, "note": strata.String} {
		got, err := db.FieldType("cpu", field)
		if err != nil || got != typ {
			t.Fatalf("FieldType(%s) = %v, %v", field, got, err)
		}
	}
	if _, err := db.FieldType("cpu", "nope"); !errors.Is(err, strata.ErrNotFound) {
		t.Fatalf("FieldType of an unknown field: %v", err)
	}
}

func TestColumnarAppendsAndBlockReads(t *testing.T) {
	db, _ := openTemp(t)
	b, err := strata.NewBatch()
	must(t, err)
	defer b.Close()
	const n = 10000
	times := make([]int64, n)
	floats := make([]float64, n)
	ints := make([]int64, n)
	bools := make([]bool, n)
	for i := range times {
		times[i] = t0 + int64(i)*10*sec
		floats[i] = math.Sin(float64(i)) * 100
		ints[i] = int64(i * i)
		bools[i] = i%3 == 0
	}
	for _, host := range []string{"a", "b"} {
		tags := map[string]string{"host": host}
		f, err := b.Series("m", tags, "f", strata.Float)
		must(t, err)
		again, err := b.Series("m", tags, "f", strata.Float)
		must(t, err)
		if again != f {
			t.Fatalf("resolving a series twice gave %d and %d", f, again)
		}
		i, err := b.Series("m", tags, "i", strata.Int)
		must(t, err)
		bo, err := b.Series("m", tags, "b", strata.Bool)
		must(t, err)
		must(t, b.AppendFloats(f, times, floats))
		must(t, b.AppendInts(i, times, ints))
		must(t, b.AppendBools(bo, times, bools))
	}
	must(t, db.WriteAndClear(b))
	if b.Len() != 0 {
		t.Fatalf("WriteAndClear left %d points", b.Len())
	}
	must(t, db.Flush())
	c, err := db.Query("m", strata.Tag("host", "b"), strata.Fields("f"))
	must(t, err)
	defer c.Close()
	var blk strata.Block
	var gotTimes []int64
	var gotFloats []float64
	for c.NextBlock(&blk, 777) {
		if blk.Series != "m,host=b#f" || blk.Type != strata.Float || len(blk.Times) > 777 {
			t.Fatalf("block %s %v %d", blk.Series, blk.Type, len(blk.Times))
		}
		gotTimes = append(gotTimes, blk.Times...)
		gotFloats = append(gotFloats, blk.Floats...)
	}
	must(t, c.Err())
	if !reflect.DeepEqual(gotTimes, times) || !reflect.DeepEqual(gotFloats, floats) {
		t.Fatal("block read differs from what was appended")
	}
	pts := allPoints(t, db, "m", strata.Tag("host", "a"), strata.Fields("b"),
		strata.Between(t0+30*sec, t0+60*sec))
	if len(pts) != 4 || pts[0].Value != true || pts[1].Value != false {
		t.Fatalf("bool points %v", pts)
	}
	if err := b.AppendFloats(strata.SeriesRef(999), times[:1], floats[:1]); !errors.Is(err, strata.ErrInvalid) {
		t.Fatalf("append to an unknown series: %v", err)
	}
	if err := b.AppendFloats(0, times, floats[:3]); !errors.Is(err, strata.ErrInvalid) {
		t.Fatalf("append of unequal lengths: %v", err)
	}
}

func TestQueryRowsFiltersOrdersAndBlocks(t *testing.T) {
	db, _ := openTemp(t)
	var lp strings.Builder
	for h := 0; h < 4; h++ {
		for i := int64(0); i < 100; i++ {
			fmt.Fprintf(&lp, "cpu,host=h%d,rack=r%d u=%d.5,n=%di,s=\"x%d\" %d\n", h, 3-h, i, i, i%2,
				t0+i*sec)
		}
	}
	lp.WriteString("cpu,host=h9 u=7 " + fmt.Sprint(t0) + "\n") // no n, no s: missing values
	must(t, db.WriteLines([]byte(lp.String())))

	r, err := db.QueryRows("cpu", strata.Tag("host", "h1", "h3", "h9"), strata.Fields("u", "n", "s"),
		strata.Between(t0+10*sec, t0+19*sec))
	must(t, err)
	count := map[string]int{}
	for r.Next() {
		count[r.Tags()["host"]]++
		if v, ok := r.Value(0); !ok || v.(float64) != float64((r.Time()-t0)/sec)+0.5 {
			t.Fatalf("u = %v at %d", v, r.Time())
		}
		if r.Tags()["host"] == "h9" {
			if _, ok := r.Value(1); ok {
				t.Fatal("h9 has no n")
			}
		} else if s, _ := r.Value(2); s != fmt.Sprintf("x%d", (r.Time()-t0)/sec%2) {
			t.Fatalf("s = %v", s)
		}
	}
	must(t, r.Err())
	r.Close()
	if !reflect.DeepEqual(count, map[string]int{"h1": 10, "h3": 10}) {
		t.Fatalf("rows per host %v", count)
	}

	// Newest row of each tag set, tag sets ordered by rack.
	r, err = db.QueryRows("cpu", strata.Descending(), strata.LimitPerTagSet(1),
		strata.OrderByTags("rack"), strata.Fields("u"))
	must(t, err)
	var order []string
	for r.Next() {
		order = append(order, r.TagSet())
		if r.Tags()["host"] != "h9" && r.Time() != t0+99*sec {
			t.Fatalf("newest row of %s at %d", r.TagSet(), r.Time())
		}
	}
	must(t, r.Err())
	want := []string{"cpu,host=h9", "cpu,host=h3,rack=r0", "cpu,host=h2,rack=r1",
		"cpu,host=h1,rack=r2", "cpu,host=h0,rack=r3"}
	if !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}

	// Block reads of every field give the same rows as Next.
	r, err = db.QueryRows("cpu")
	must(t, err)
	defer r.Close()
	if r.TagSetCount() != 5 {
		t.Fatalf("TagSetCount = %d", r.TagSetCount())
	}
	var times []int64
	var us []float64
	var ns []int64
	var ss []string
	for r.NextBlock(64) {
		if r.BlockLen() > 64 {
			t.Fatalf("block of %d rows", r.BlockLen())
		}
		times = r.AppendBlockTimes(times)
		idx := map[string]int{}
		for i, f := range r.Fields() {
			idx[f] = i
		}
		var ok bool
		if us, ok = r.AppendBlockFloats(us, idx["u"]); !ok {
			t.Fatal("u missing in a block")
		}
		if i, has := idx["n"]; has {
			ns, _ = r.AppendBlockInts(ns, i)
			ss, _ = r.AppendBlockStrings(ss, idx["s"])
		}
	}
	must(t, r.Err())
	if len(times) != 401 || len(us) != 401 || len(ns) != 400 || len(ss) != 400 || ss[1] != "x1" {
		t.Fatalf("block totals %d %d %d %d", len(times), len(us), len(ns), len(ss))
	}
}

func TestDeletesFlushCompactReopenAndStats(t *testing.T) {
	db, dir := openTemp(t)
	var lp strings.Builder
	for i := int64(0); i < 50; i++ {
		fmt.Fprintf(&lp, "m,k=a v=%d %d\nm,k=b v=%d %d\n", i, t0+i, i, t0+i)
	}
	must(t, db.WriteLines([]byte(lp.String())))
	must(t, db.Delete("m", map[string]string{"k": "a"}, "v", t0+10, t0+19))
	b, err := strata.NewBatch()
	must(t, err)
	must(t, b.Delete("m", map[string]string{"k": "b"}, true, []string{"v"}, t0, t0+39))
	must(t, b.AddFloat("m", map[string]string{"k": "b"}, "v", t0, -1))
	if b.DeleteCount() != 1 {
		t.Fatal("DeleteCount")
	}
	must(t, db.Write(b))
	b.Close()
	must(t, db.Flush())
	must(t, db.Compact())
	stats, err := db.Stats()
	must(t, err)
	if stats["points_written"].(float64) < 100 {
		t.Fatalf("stats %v", stats)
	}
	must(t, db.Close())
	must(t, db.Close()) // twice is fine
	if err := db.Flush(); !errors.Is(err, strata.ErrInvalid) {
		t.Fatalf("Flush after Close: %v", err)
	}
	db, err = strata.Open(dir, "")
	must(t, err)
	defer db.Close()
	if n := len(allPoints(t, db, "m", strata.Tag("k", "a"))); n != 40 {
		t.Fatalf("k=a has %d points", n)
	}
	pts := allPoints(t, db, "m", strata.Tag("k", "b"))
	if len(pts) != 11 || pts[0].Value != -1.0 {
		t.Fatalf("k=b: %d points, first %v", len(pts), pts[0])
	}
	must(t, db.DropMeasurement("m"))
	if n := len(allPoints(t, db, "m")); n != 0 {
		t.Fatalf("%d points after drop", n)
	}
	oldest, err := db.OldestWritableTime()
	must(t, err)
	if oldest > math.MinInt64/2 {
		t.Fatalf("oldest writable time %d", oldest)
	}
}

func TestErrorsCarryTheStatusCode(t *testing.T) {
	db, dir := openTemp(t)
	if _, err := strata.Open(dir, "no_such_option=1"); !errors.Is(err, strata.ErrInvalid) ||
		!strings.Contains(err.Error(), "no_such_option") {
		t.Fatalf("bad option: %v", err)
	}
	err := db.WriteLines([]byte("m v=1 1\nm v= 2\n"))
	var se *strata.Error
	if !errors.As(err, &se) || se.Code != strata.CodeInvalid || !strings.Contains(se.Message, "line 2") {
		t.Fatalf("bad line protocol: %#v", err)
	}
	if se.Code.String() != "INVALID" || errors.Is(err, strata.ErrIO) {
		t.Fatal("code name or errors.Is")
	}
	must(t, db.WriteLines([]byte("m v=1 1\n")))
	if err := db.WriteLines([]byte("m v=1i 2\n")); !errors.Is(err, strata.ErrTypeConflict) {
		t.Fatalf("type conflict: %v", err)
	}
	b, _ := strata.NewBatch()
	defer b.Close()
	if err := b.AddFloat("m", nil, "v", 1, math.NaN()); !errors.Is(err, strata.ErrInvalid) {
		t.Fatalf("NaN: %v", err)
	}
	if err := b.AddFloat("m\x00x", nil, "v", 1, 1); !errors.Is(err, strata.ErrInvalid) ||
		!strings.Contains(err.Error(), "NUL") {
		t.Fatalf("NUL in a name: %v", err)
	}
	if _, err := db.Query("m", strata.Tag("k", "a", "b")); !errors.Is(err, strata.ErrInvalid) {
		t.Fatalf("IN list in Query: %v", err)
	}
	if _, err := db.QueryRows(""); !errors.Is(err, strata.ErrInvalid) {
		t.Fatalf("empty measurement: %v", err)
	}
	if _, err := strata.ParseDuration("7x"); !errors.Is(err, strata.ErrInvalid) {
		t.Fatalf("ParseDuration: %v", err)
	}
	if d, err := strata.ParseDuration("1h"); err != nil || d != 3600*sec {
		t.Fatalf("ParseDuration(1h) = %d, %v", d, err)
	}
	notDir := filepath.Join(t.TempDir(), "file")
	must(t, os.WriteFile(notDir, []byte("x"), 0o644))
	if _, err := strata.Open(notDir, ""); err == nil {
		t.Fatal("opening a file as a directory worked")
	}
}

// Errors of many goroutines at once each carry their own message (strata_errmsg is per thread).
func TestConcurrentWritersAndErrorMessages(t *testing.T) {
	db, _ := openTemp(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				line := fmt.Sprintf("m,g=%d v=%d %d\n", g, i, t0+int64(i))
				if err := db.WriteLines([]byte(line)); err != nil {
					errs <- err
					return
				}
				bad := fmt.Sprintf("m,g=%d v=%d %d\nbad%d line\n", g, i, t0, g)
				err := db.WriteLines([]byte(bad))
				if !errors.Is(err, strata.ErrInvalid) || !strings.Contains(err.Error(), "line 2") {
					errs <- fmt.Errorf("goroutine %d: %v", g, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, p := range allPoints(t, db, "m") {
		seen[p.Series]++
	}
	keys := make([]string, 0, len(seen))
	for k, v := range seen {
		if v != 200 {
			t.Fatalf("%s has %d points", k, v)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) != 8 {
		t.Fatalf("series %v", keys)
	}
}

func TestVersionAndLibraryPath(t *testing.T) {
	if strata.ABIVersion() != 1 || strings.Count(strata.Version(), ".") != 2 {
		t.Fatalf("version %s abi %d", strata.Version(), strata.ABIVersion())
	}
	p, err := strata.LibraryPath()
	must(t, err)
	if filepath.Base(p) != "libstrata.so" {
		t.Fatalf("library path %s", p)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
}
