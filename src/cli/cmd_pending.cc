#include "cli/command.h"
namespace skiff::cli {
void RegisterMonitorCommands() {}
}
