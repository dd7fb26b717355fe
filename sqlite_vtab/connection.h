// The per-connection state of a data directory (README.md, "Transactions"): one Conn per
// (sqlite3 connection, data directory), shared by every strata table of that directory in that
// connection. It holds the strata_db handle (strata_open shares one engine per directory and
// process), the connection's pending changes (one Overlay per measurement) and the batch they are
// committed with (commit_writer.h). The registry of live Conns is process-wide and thread-safe; a
// Conn itself is used by one thread at a time, its connection's.
#pragma once

#include <sqlite3ext.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "overlay.h"
#include "strata.h"

namespace strata_sql {

struct Conn {
  sqlite3* db = nullptr;
  std::string dir;      // canonical path
  std::string options;  // Schema::options of the table that opened it
  std::string meaning;  // OptionsMeaning(options): what tables of the directory must agree on
  strata_db* sdb = nullptr;
  // strata_oldest_writable_time at the last xBegin: rows older than it are refused at their
  // INSERT or UPDATE rather than with the whole transaction at COMMIT.
  int64_t oldest_writable = INT64_MIN;
  std::map<std::string, Overlay> overlays;  // by measurement
  // The commit batch, emptied of points after each commit but keeping its series, so a series
  // is resolved once per generation rather than per commit. A new generation (the batch cleared)
  // starts when it has resolved kMaxBatchSeries series.
  strata_batch* batch = nullptr;
  uint64_t batch_generation = 1;
  size_t batch_series = 0;  // series resolved in this generation
  static constexpr size_t kMaxBatchSeries = 100000;

  ~Conn();
  bool HasPending() const;
};

// What an options text means for the tables of one directory: the engine's canonical text
// (strata_canonical_options: defaults filled in, values spelled one way) without shard_duration,
// the directory's own, which strata_open checks against the directory. False with *err for options
// strata_open refuses.
bool OptionsMeaning(const std::string& options, std::string* meaning, std::string* err);

// The Conn for (db, dir), opening the directory if needed. `create`: xCreate (strata_open may
// create the directory, and a table whose options mean otherwise than those of a Conn of the directory open
// in this process is refused, as the tables of a directory share one engine; xCreate connects the
// connection's other strata tables first, so that their Conns are open); otherwise the directory
// must already hold Strata's identity file. Null with *err.
std::shared_ptr<Conn> AcquireConn(sqlite3* db, const std::string& dir, const std::string& options,
                                  bool create, std::string* err);
// Every live Conn of a connection.
std::vector<std::shared_ptr<Conn>> ConnsOf(sqlite3* db);
// The Conn of the strata table `table` of connection `db`, connecting the table first (xConnect)
// if the connection has not used it yet. Null with *err when `table` is not a strata table of the
// connection.
std::shared_ptr<Conn> ConnOfTable(sqlite3* db, const std::string& table, std::string* err);

}  // namespace strata_sql
