#include "cli/command.h"
namespace skiff::cli {
void RegisterDiskCommands() {}
void RegisterMonitorCommands() {}
}
