// Package sqlite loads Strata's SQLite module (CREATE VIRTUAL TABLE ... USING strata(...)) into
// database/sql connections of github.com/mattn/go-sqlite3, from the libstrata.so the strata
// package linked:
//
//	sqlite.Register("sqlite3_strata")
//	db, err := sql.Open("sqlite3_strata", "app.db")
//
// or, for a driver of your own, sqlite3.SQLiteDriver{ConnectHook: sqlite.ConnectHook}.
package sqlite

import (
	"database/sql"

	"github.com/mattn/go-sqlite3"
	"strata"
)

// ConnectHook loads the module into conn (extension loading is enabled only for the call).
func ConnectHook(conn *sqlite3.SQLiteConn) error {
	path, err := strata.LibraryPath()
	if err != nil {
		return err
	}
	return conn.LoadExtension(path, "sqlite3_strata_init")
}

// Register registers a database/sql driver called name: go-sqlite3 with the module loaded into
// every connection. Like sql.Register, it panics when name is taken.
func Register(name string) {
	sql.Register(name, &sqlite3.SQLiteDriver{ConnectHook: ConnectHook})
}
