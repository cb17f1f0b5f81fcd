// skiff: Docker's command line for the Skiff daemon (and any Engine API v1.41 daemon). See docs/cli.md.
#include "cli/command.h"

int main(int argc, char** argv) { return skiff::cli::Main(argc, argv); }
