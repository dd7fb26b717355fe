module strata/sqlite

go 1.19

require (
	github.com/mattn/go-sqlite3 v1.14.16
	strata v0.0.0
)

replace strata => ../

// Debian's golang-github-mattn-go-sqlite3-dev: its source, linked against the system SQLite.
replace github.com/mattn/go-sqlite3 => /usr/share/gocode/src/github.com/mattn/go-sqlite3
