#include "cli/command.h"
namespace skiff::cli {
void RegisterImageCommands() {}
void RegisterImageIoCommands() {}
void RegisterSystemCommands() {}
}
