package sqlite_test

import (
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"strata/sqlite"
)

// database/sql over go-sqlite3 with the module loaded through a ConnectHook: a virtual table,
// INSERTs in a transaction, and the aggregate view.
func Example() {
	dir, _ := os.MkdirTemp("", "strata-sql-example-")
	defer os.RemoveAll(dir)
	sqlite.Register("sqlite3_strata")
	db, err := sql.Open("sqlite3_strata", filepath.Join(dir, "app.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, usage_user REAL)`); err != nil {
		log.Fatal(err)
	}
	tx, _ := db.Begin()
	insert, _ := tx.Prepare(`INSERT INTO cpu(time, hostname, usage_user) VALUES (?, ?, ?)`)
	t0 := int64(1451606400000000000)  // 2016-01-01T00:00:00Z
	for i := int64(0); i < 120; i++ { // two hours, a point a minute
		if _, err := insert.Exec(t0+i*60e9, "host_1", float64(i)); err != nil {
			log.Fatal(err)
		}
	}
	insert.Close()
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	rows, err := db.Query(`SELECT hostname, time, usage_user FROM cpu('mean', '1h') ORDER BY time`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var host string
		var hour int64
		var mean float64
		_ = rows.Scan(&host, &hour, &mean)
		fmt.Println(host, (hour-t0)/3600e9, mean)
	}
	// Output:
	// host_1 0 29.5
	// host_1 1 89.5
}
