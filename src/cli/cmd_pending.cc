#include "cli/command.h"
namespace skiff::cli {
void RegisterCopyCommands() {}
void RegisterImageCommands() {}
void RegisterImageIoCommands() {}
void RegisterSystemCommands() {}
}
