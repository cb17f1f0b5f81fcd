#include "cli/command.h"
namespace skiff::cli {
void RegisterContainerOpsCommands() {}
void RegisterExecCommands() {}
void RegisterCopyCommands() {}
void RegisterImageCommands() {}
void RegisterImageIoCommands() {}
void RegisterSystemCommands() {}
}
