// Helpers several container/image commands share: inspecting a container, pulling an image with docker's
// progress output, creating a container the way docker's createContainer does (cidfile, pull policy,
// "Unable to find image" + pull + retry, warnings), docker's exit-code mapping for start failures, and the
// "errors joined by newline" convention of multi-target commands.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/run_config.h"

namespace skiff::cli {

// GET /containers/{id}/json; a 404 becomes "Error: No such container: <id>".
Result<Json> InspectContainer(const Cli& cli, const std::string& id);

// POST /images/create?fromImage=...&tag=... rendering the progress stream to out_fd.
Status PullImage(const Cli& cli, const std::string& image, const std::string& platform, int out_fd);

// docker's createContainer: returns the new container's ID.
Result<std::string> CreateContainer(const Cli& cli, const CreateRequest& req, const std::string& pull_policy,
                                    const std::string& cidfile);

// docker's runStartContainerErr: 127 for "not found" errors, 126 for permission errors, else 125.
int StartErrorExitCode(const std::string& message);

// Runs op on each name; prints the name on success, collects error texts; returns the joined errors.
Result<int> ForEachContainer(const Cli& cli, const std::vector<std::string>& names,
                             const std::function<Status(const std::string&)>& op);

// docker's command.PromptForConfirmation: prints "<message> [y/N] ", true when the answer line is y/Y.
bool PromptForConfirmation(const Cli& cli, const std::string& message);

// docker's command.ValidateOutputPath for -o: the directory exists and is writable, the path is no directory.
Status ValidateOutputPath(const std::string& path);
// docker's command.CopyToFile: the body into a temp file next to `out`, renamed into place.
Status CopyToFile(const std::string& out, HttpResponse& body);
// export/save: refuses a terminal as output, validates -o; what: "export container" / "save image".
Status CheckArchiveOutput(const Cli& cli, const std::string& output, std::string_view what);
// export/save output: -o FILE through CopyToFile, else stdout.
Result<int> WriteArchiveOutput(const Cli& cli, HttpResponse& body, const std::string& output);

// Collects messages and returns Error(joined) or 0.
Result<int> JoinedErrors(const std::vector<std::string>& errs);

}  // namespace skiff::cli
