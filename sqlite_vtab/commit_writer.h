// The commit writer: how a connection's pending changes become one engine batch (README.md,
// "Transactions"). It runs at xSync, the first one of a transaction, and writes the overlays of
// every table of the directory as ONE strata batch (deletes first, then points: one WAL record),
// so that a crash keeps all or nothing of the transaction. The batch is the Conn's, kept from
// commit to commit with its series resolved, and handed over with strata_write_and_clear. One
// thread at a time (the connection's).
#pragma once

#include <string>

#include "connection.h"

namespace strata_sql {

// Writes every overlay of `conn` as one batch and clears them. STRATA status with *err on
// failure, when the overlays are kept.
int CommitPending(Conn* conn, std::string* err);

}  // namespace strata_sql
