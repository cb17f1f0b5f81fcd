#include "cli/command.h"
namespace skiff::cli {
void RegisterContainerOpsCommands() {}
void RegisterContainerQueryCommands() {}
void RegisterExecCommands() {}
void RegisterCopyCommands() {}
void RegisterImageCommands() {}
void RegisterImageIoCommands() {}
void RegisterSystemCommands() {}
}
