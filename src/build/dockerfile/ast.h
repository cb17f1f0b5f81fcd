// The Dockerfile AST: what the parser (parser.h) makes of a Dockerfile and the builder executes. Plain
// values, no behaviour. Words are kept as written (quotes and `$` references intact) wherever Docker
// expands them at build time with the stage's environment (expand.h); the parser only splits them.
// Every instruction carries the 1-based line it starts on and its original text (for "Step N/M : ..."
// lines and error messages).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace skiff::build::dockerfile {

// A heredoc body (`RUN <<EOF`, `COPY <<EOF /dst`). `expand`: the delimiter was unquoted, so $VARs in the
// content are expanded (COPY) or left to the shell (RUN); `chomp`: `<<-`, leading tabs removed (already
// done in `content` by the parser).
struct Heredoc {
  std::string name;     // the delimiter word, unquoted ("EOF")
  std::string content;  // the lines between the instruction and the delimiter, each ending in '\n'
  bool expand = true;
  bool chomp = false;
};

// A command in exec form (JSON array) or shell form (one string, run by the stage's SHELL).
struct CommandLine {
  std::vector<std::string> args;  // exec form: the array; shell form: one element, the text as written
  bool shell_form = false;
};

struct KeyValue {
  std::string key, value;  // raw words (ENV/LABEL: to be expanded; quotes intact)
};

struct From {
  std::string image;     // raw: may use global ARGs ("${BASE}:latest"); "scratch"; an earlier stage name
  std::string stage_name;  // `AS name`, lower-cased as Docker does; "" when absent
  std::string platform;  // --platform, raw
};

// RUN --mount=... (parsed key/values; the builder validates what it needs).
struct RunMount {
  std::string type = "bind";  // bind, cache, tmpfs, secret, ssh
  std::string target, source, from, id, mode, sharing;  // raw words
  std::optional<bool> readonly;  // ro/readonly, rw/readwrite
  std::optional<bool> required;
  std::string uid, gid, size;
  std::vector<KeyValue> other;  // any other key=value, kept for errors
  std::string env;              // secret: env=NAME
  std::string raw;              // the --mount value as written (ParseRunMount(raw, expander) at the step)
};

struct Run {
  CommandLine cmd;
  std::vector<RunMount> mounts;
  std::string network;   // --network: "", "default", "none", "host"
  std::string security;  // --security
  std::vector<Heredoc> heredocs;
};
struct Cmd { CommandLine cmd; };
struct Entrypoint { CommandLine cmd; };
struct Env { std::vector<KeyValue> pairs; };    // ENV a=b c=d, or legacy ENV a b c (key "a", value "b c")
struct Label { std::vector<KeyValue> pairs; };
struct Maintainer { std::string name; };
struct Expose { std::vector<std::string> ports; };  // raw words
struct ArgDecl {
  std::string key;
  std::optional<std::string> value;  // raw; nullopt: `ARG NAME` without default
};
struct Arg { std::vector<ArgDecl> args; };

// COPY and ADD (`add` tells which).
struct Copy {
  bool add = false;
  std::vector<std::string> sources;  // raw words (wildcards, $VARs); heredoc sources appear as "<<EOF"
  std::string dest;                  // raw
  std::string from, chown, chmod, checksum;  // flags, raw ("" = absent)
  bool link = false, keep_git_dir = false;
  std::vector<std::string> excludes;  // --exclude, raw
  bool parents = false;               // COPY --parents
  std::optional<bool> unpack;         // ADD --unpack (nullopt: not given)
  std::vector<Heredoc> heredocs;      // the bodies of "<<NAME" sources, in order
  bool json_form = false;             // COPY ["a", "b"]
};
struct Workdir { std::string path; };  // raw
struct User { std::string user; };     // raw
struct Volume { std::vector<std::string> paths; };  // raw (JSON array or words)
struct StopSignal { std::string signal; };          // raw
// HEALTHCHECK NONE | [opts] CMD ...
struct Healthcheck {
  bool none = false;
  CommandLine cmd;  // the command after CMD
  std::string interval, timeout, start_period, start_interval, retries;  // raw flag values ("" = default)
};
struct Shell { std::vector<std::string> args; };  // JSON array only
struct Instruction;
struct OnBuild {
  std::string expression;  // the trigger as written after ONBUILD ("RUN echo hi"), stored in the config
};

using InstructionBody = std::variant<From, Run, Cmd, Entrypoint, Env, Label, Maintainer, Expose, Arg, Copy, Workdir,
                                     User, Volume, StopSignal, Healthcheck, Shell, OnBuild>;

struct Instruction {
  int line = 0;             // 1-based line where the instruction starts
  int end_line = 0;         // last line (continuations and heredocs included)
  std::string keyword;      // upper case: "RUN", "COPY", ...
  std::string original;     // the instruction as Docker prints it in "Step N/M : <original>": keyword as
                            // written, continuations joined (escape+newline removed), flags kept
  InstructionBody body;
};

// Parser directives from the top of the file.
struct Directives {
  std::string syntax;     // `# syntax=...` (recorded; the builder is always ours)
  char escape = '\\';     // `# escape=` (\ or `)
  std::string check;      // `# check=...`
};

struct Stage {
  Instruction from;                       // its body is a From
  std::vector<Instruction> instructions;  // after FROM, up to the next FROM
  const From& from_body() const { return std::get<From>(from.body); }
};

struct Dockerfile {
  std::string path;  // as given to Parse, for messages ("Dockerfile:7: ...")
  Directives directives;
  std::vector<Instruction> global_args;  // ARGs before the first FROM (bodies are Arg)
  std::vector<Stage> stages;             // at least one (a file with no FROM is a parse error)
};

}  // namespace skiff::build::dockerfile
