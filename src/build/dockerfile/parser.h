// The Dockerfile parser: text -> Dockerfile (ast.h), as Docker's frontend parses it (moby/buildkit
// frontend/dockerfile/parser + instructions): parser directives at the top (`# syntax=`, `# escape=`,
// `# check=`), comments (a `#` only starts a comment at the start of a line), line continuations with the
// escape character (empty and comment lines inside a continuation are skipped), JSON (exec) vs shell form,
// heredocs (`RUN <<EOF`, `RUN <<-EOF`, `<<"EOF"`, several per instruction, `COPY <<EOF /dst`),
// case-insensitive keywords, flags (`--from=`, `--chown=`, `--mount=`...) parsed and validated per
// instruction. Pure functions.
//
// Errors are InvalidArgument, their message "<path>:<line>: <what>", e.g.
//   "Dockerfile:7: unknown instruction: FOO"
//   "Dockerfile:3: ENV names can not be blank"
//   "Dockerfile:4: unknown flag: --form"
//   "Dockerfile:2: CMD: invalid JSON: ..." is NOT an error: like Docker, a line that starts with `[` but is
//   not a valid JSON string array is shell form.
//   "Dockerfile:1: no build stage in current context" (instructions before the first FROM other than ARG)
//   "Dockerfile: file with no instructions" (empty file; no line)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "build/dockerfile/ast.h"

namespace skiff::build::dockerfile {

// path: shown in messages ("Dockerfile", "sub/Dockerfile.dev", "-" for stdin as Docker shows it).
Result<Dockerfile> Parse(std::string_view text, const std::string& path = "Dockerfile");

// One instruction on its own (an ONBUILD trigger read back from an image config, or a commit --change),
// with the given escape character. `line` is used in messages. ONBUILD triggers may not be FROM,
// MAINTAINER or ONBUILD ("ONBUILD FROM is not allowed" ...), checked here when in_onbuild.
Result<Instruction> ParseInstruction(std::string_view text, char escape = '\\', const std::string& path = "Dockerfile",
                                     int line = 1, bool in_onbuild = false);

// The heredoc a COPY/ADD source word stands for, as Docker recognises one: "<<EOF", "<<-EOF", "<<'EOF'",
// "<<\"EOF\"" -> "EOF" (its entry in Copy::heredocs has that name); nullopt for an ordinary path.
std::optional<std::string> HeredocName(std::string_view word);

}  // namespace skiff::build::dockerfile
