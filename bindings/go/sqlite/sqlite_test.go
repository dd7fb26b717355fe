package sqlite_test

import (
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"strata"
	"strata/sqlite"
)

func init() { sqlite.Register("sqlite3_strata_test") }

const t0 int64 = 1451606400000000000

func openSQL(t *testing.T) (*sql.DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := sql.Open("sqlite3_strata_test", filepath.Join(dir, "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dir
}

func exec(t *testing.T, db interface {
	Exec(string, ...any) (sql.Result, error)
}, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestTransactionsAndTheAggregateView(t *testing.T) {
	db, dir := openSQL(t)
	exec(t, db, "CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, usage_user REAL, "+
		"requests INTEGER, dir='"+filepath.Join(dir, "data")+"')")
	// Two hours of points every minute for three hosts, in transactions of one hour each.
	for hour := int64(0); hour < 2; hour++ {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		stmt, err := tx.Prepare("INSERT INTO cpu(time, hostname, usage_user, requests) VALUES (?, ?, ?, ?)")
		if err != nil {
			t.Fatal(err)
		}
		for m := int64(0); m < 60; m++ {
			for h := 0; h < 3; h++ {
				ts := t0 + (hour*60+m)*60e9
				if _, err := stmt.Exec(ts, fmt.Sprintf("host_%d", h), float64(h*100)+float64(m),
					hour*1000+m); err != nil {
					t.Fatal(err)
				}
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	// A rolled-back transaction leaves nothing.
	tx, _ := db.Begin()
	exec(t, tx, "INSERT INTO cpu(time, hostname, usage_user) VALUES (?, 'host_9', 1.0)", t0)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM cpu").Scan(&n); err != nil || n != 360 {
		t.Fatalf("count = %d, %v", n, err)
	}
	// Times come back as int64 ns, exactly.
	var last int64
	if err := db.QueryRow("SELECT time FROM cpu WHERE hostname = 'host_2' ORDER BY time DESC LIMIT 1").
		Scan(&last); err != nil || last != t0+119*60e9 {
		t.Fatalf("last time %d, %v", last, err)
	}
	rows, err := db.Query("SELECT hostname, time, usage_user, requests FROM cpu('mean', '1h') "+
		"WHERE time >= ? AND time < ? ORDER BY hostname, time", t0, t0+2*3600e9)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var host string
		var ts int64
		var mean float64
		var req sql.NullFloat64 // the mean of an INTEGER field
		if err := rows.Scan(&host, &ts, &mean, &req); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %d %.1f %.1f", host, (ts-t0)/3600e9, mean, req.Float64))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"host_0 0 29.5 29.5", "host_0 1 29.5 1029.5", "host_1 0 129.5 29.5",
		"host_1 1 129.5 1029.5", "host_2 0 229.5 29.5", "host_2 1 229.5 1029.5"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("aggregate view:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var maxv float64
	if err := db.QueryRow("SELECT max(usage_user) FROM cpu('max') WHERE hostname = 'host_1'").
		Scan(&maxv); err != nil || maxv != 159 {
		t.Fatalf("max %v, %v", maxv, err)
	}
}

// The SQL module and the Go binding share the data directory's engine in one process.
func TestTheGoBindingReadsWhatSQLWrote(t *testing.T) {
	db, dir := openSQL(t)
	data := filepath.Join(dir, "data")
	exec(t, db, "CREATE VIRTUAL TABLE m USING strata(k TAG, v REAL, dir='"+data+"')")
	exec(t, db, "INSERT INTO m(time, k, v) VALUES (?, 'a', ?), (?, 'a', ?)", t0, 1.5, t0+1, math.Pi)
	sdb, err := strata.Open(data, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	c, err := sdb.Query("m", strata.Tag("k", "a"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var vals []float64
	for c.Next() {
		vals = append(vals, c.Point().Value.(float64))
	}
	if c.Err() != nil || len(vals) != 2 || vals[1] != math.Pi {
		t.Fatalf("values %v, %v", vals, c.Err())
	}
}

func TestBadSQLIsAnError(t *testing.T) {
	db, dir := openSQL(t)
	exec(t, db, "CREATE VIRTUAL TABLE m USING strata(k TAG, v REAL, dir='"+filepath.Join(dir, "d")+"')")
	if _, err := db.Exec("INSERT INTO m(time, k, v) VALUES (1, 'a', 'text')"); err == nil ||
		!strings.Contains(err.Error(), "m.v") {
		t.Fatalf("text into a REAL field: %v", err)
	}
	if _, err := db.Exec("CREATE VIRTUAL TABLE x USING strata(k TAG, v NOPE)"); err == nil {
		t.Fatal("a bad column type was accepted")
	}
}
