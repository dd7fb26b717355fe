// go_bench: the Go binding's write and read throughput on the TSBS-like cpu data, beside the C
// figures of abi_bench and abi_read_bench (tests/bench/bindings_bench.sh runs them together).
// Writes: the columnar path (Batch.Series once per host and field, then per batch AppendFloats,
// Write and ClearPoints) and WriteLines of the .lp file, each into a fresh directory. Reads,
// after compaction, the median of -repeat runs: one field and every field by series
// (Cursor.NextBlock into Go slices), and every field by rows (Rows.NextBlock with
// AppendBlockTimes/AppendBlockFloats).
//
//	cd tests/bench/go_bench && GOPROXY=off go run . -csv cpu.csv -lp cpu.lp [-options sync=full]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"strata"
)

const nTags = 10

type data struct {
	tagKeys []string
	fields  []string
	hosts   []map[string]string
	steps   []int64
	cols    [][]float64 // [host*len(fields)+field][step]
}

func loadCSV(path string) *data {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	s.Scan()
	head := strings.Split(s.Text(), ",")
	d := &data{tagKeys: head[1 : 1+nTags], fields: head[1+nTags:]}
	var rows [][]float64
	var first int64
	n := 0
	for s.Scan() {
		parts := strings.Split(s.Text(), ",")
		t, _ := strconv.ParseInt(parts[0], 10, 64)
		if n == 0 {
			first = t
		}
		if t == first {
			tags := map[string]string{}
			for i, k := range d.tagKeys {
				tags[k] = parts[1+i]
			}
			d.hosts = append(d.hosts, tags)
		}
		if n%len(d.hosts) == 0 {
			d.steps = append(d.steps, t)
		}
		vals := make([]float64, len(d.fields))
		for i := range d.fields {
			vals[i], _ = strconv.ParseFloat(parts[1+nTags+i], 64)
		}
		rows = append(rows, vals)
		n++
	}
	d.cols = make([][]float64, len(d.hosts)*len(d.fields))
	for c := range d.cols {
		d.cols[c] = make([]float64, len(d.steps))
	}
	for r, vals := range rows {
		step, host := r/len(d.hosts), r%len(d.hosts)
		for fi, v := range vals {
			d.cols[host*len(d.fields)+fi][step] = v
		}
	}
	return d
}

func fresh(root, name, options string) *strata.DB {
	db, err := strata.Open(filepath.Join(root, name), options)
	if err != nil {
		log.Fatal(err)
	}
	return db
}

// cpuSeconds is the process's CPU time (all threads): steadier than wall time on a shared
// machine, and what abi_bench prints beside it.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func report(what string, points int, secs, cpu float64) {
	fmt.Printf("go %-40s %10d points  %7.3f s %12.0f points/s  %7.3f s cpu %12.0f points/cpu-s\n",
		what, points, secs, float64(points)/secs, cpu, float64(points)/cpu)
}

// benchColumnar writes batches of about batchPoints points as a Go writer would: each series
// resolved once (Batch.Series), its arrays appended (AppendFloats), Write, then ClearPoints,
// which keeps the series resolved for the next batch.
func benchColumnar(d *data, db *strata.DB, batchPoints int) {
	b, err := strata.NewBatch()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	per := batchPoints / (len(d.hosts) * len(d.fields))
	if per == 0 {
		per = 1
	}
	points := 0
	t0, c0 := time.Now(), cpuSeconds()
	refs := make([]strata.SeriesRef, len(d.cols))
	for h, tags := range d.hosts {
		for fi, field := range d.fields {
			if refs[h*len(d.fields)+fi], err = b.Series("cpu", tags, field, strata.Float); err != nil {
				log.Fatal(err)
			}
		}
	}
	for s := 0; s < len(d.steps); s += per {
		e := s + per
		if e > len(d.steps) {
			e = len(d.steps)
		}
		for c, ref := range refs {
			if err := b.AppendFloats(ref, d.steps[s:e], d.cols[c][s:e]); err != nil {
				log.Fatal(err)
			}
		}
		if err := db.Write(b); err != nil {
			log.Fatal(err)
		}
		points += b.Len()
		b.ClearPoints()
	}
	report("columnar write", points, time.Since(t0).Seconds(), cpuSeconds()-c0)
}

func benchLines(path string, db *strata.DB, batchPoints, fieldsPerLine int) {
	text, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	perCall := batchPoints / fieldsPerLine
	points := 0
	t0, c0 := time.Now(), cpuSeconds()
	for pos := 0; pos < len(text); {
		end, nl := pos, 0
		for end < len(text) && nl < perCall {
			if text[end] == '\n' {
				nl++
			}
			end++
		}
		if err := db.WriteLines(text[pos:end]); err != nil {
			log.Fatal(err)
		}
		points += nl * fieldsPerLine
		pos = end
	}
	report("WriteLines", points, time.Since(t0).Seconds(), cpuSeconds()-c0)
}

func median(runs []float64) float64 {
	sort.Float64s(runs)
	return runs[len(runs)/2]
}

// The reads keep what they read, as a client would: a copy of each block's times and values
// (blocks kept as they come, so a long read is not copied again as one slice grows).
type chunk struct {
	times  []int64
	values []float64
}

func readSeries(db *strata.DB, opts ...strata.QueryOption) int {
	c, err := db.Query("cpu", opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var kept []chunk
	var blk strata.Block
	points := 0
	for c.NextBlock(&blk, 65536) {
		kept = append(kept, chunk{append([]int64(nil), blk.Times...),
			append([]float64(nil), blk.Floats...)})
		points += len(blk.Floats)
	}
	if err := c.Err(); err != nil {
		log.Fatal(err)
	}
	return points
}

func readRows(db *strata.DB) int {
	r, err := db.QueryRows("cpu")
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	var kept []chunk
	points := 0
	for r.NextBlock(65536) {
		times := r.AppendBlockTimes(make([]int64, 0, r.BlockLen()))
		for i := range r.Fields() {
			values, ok := r.AppendBlockFloats(make([]float64, 0, r.BlockLen()), i)
			if ok {
				kept = append(kept, chunk{times, values})
				points += len(values)
			}
		}
	}
	if err := r.Err(); err != nil {
		log.Fatal(err)
	}
	return points
}

func benchRead(what string, repeat int, f func() int) {
	runs := make([]float64, repeat)
	cpus := make([]float64, repeat)
	points := 0
	for i := range runs {
		t0, c0 := time.Now(), cpuSeconds()
		points = f()
		runs[i], cpus[i] = time.Since(t0).Seconds(), cpuSeconds()-c0
	}
	report(what+fmt.Sprintf(" (median of %d)", repeat), points, median(runs), median(cpus))
}

var cpuprofile = flag.String("cpuprofile", "", "write a CPU profile")

func main() {
	csv := flag.String("csv", "", "cpu.csv of tsbs_cpu.py")
	lp := flag.String("lp", "", "cpu.lp of tsbs_cpu.py (optional)")
	options := flag.String("options", "", "strata_open options")
	batch := flag.Int("batch", 50000, "points per batch")
	repeat := flag.Int("repeat", 11, "runs per read")
	flag.Parse()
	if *csv == "" {
		log.Fatal("usage: go_bench -csv cpu.csv [-lp cpu.lp] [-options k=v;...]")
	}
	if *cpuprofile != "" {
		pf, _ := os.Create(*cpuprofile)
		pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	d := loadCSV(*csv)
	fmt.Printf("strata %s (Go binding): %d hosts x %d steps x %d fields = %d points, batches of "+
		"%d points, options '%s'\n", strata.Version(), len(d.hosts), len(d.steps), len(d.fields),
		len(d.hosts)*len(d.steps)*len(d.fields), *batch, *options)
	root, err := os.MkdirTemp("", "strata-go-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	db := fresh(root, "columnar", *options)
	benchColumnar(d, db, *batch)
	if *lp != "" {
		lines := fresh(root, "lines", *options)
		benchLines(*lp, lines, *batch, len(d.fields))
		lines.Close()
	}
	if err := db.Compact(); err != nil {
		log.Fatal(err)
	}
	benchRead("Query NextBlock 1 field", *repeat, func() int {
		return readSeries(db, strata.Fields("usage_user"))
	})
	benchRead("Query NextBlock 10 fields", *repeat, func() int { return readSeries(db) })
	benchRead("QueryRows NextBlock 10 fields", *repeat, func() int { return readRows(db) })
	db.Close()
}
