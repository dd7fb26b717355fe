// The subcommands of the `strata` tool, one file each (NAME_command.cc); `serve` lives in
// examples/serve/. main.cc lists them in Commands().
#pragma once

#include "command.h"

namespace strata::cli {

extern const Command kImportCommand;
extern const Command kQueryCommand;
extern const Command kStatsCommand;
extern const Command kVerifyCommand;
extern const Command kRepairCommand;
extern const Command kBackupCommand;

}  // namespace strata::cli
