// Parser behaviour beyond the golden files: ParseInstruction (ONBUILD triggers read back), RUN --mount
// with an expander, paths in messages, and the AST's accessors.
#include "build/dockerfile/parser.h"

#include <gtest/gtest.h>

#include "build/dockerfile/expand.h"
#include "build/dockerfile/mount.h"

namespace skiff::build::dockerfile {
namespace {

TEST(Parser, PathInMessages) {
  auto r = Parse("FROM busybox\nFOO x\n", "sub/Dockerfile.dev");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "sub/Dockerfile.dev:2: unknown instruction: FOO");
  EXPECT_EQ(Parse("", "-").error().message(), "-: file with no instructions");
  auto ok = Parse("FROM a AS b\n", "x/Dockerfile");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->path, "x/Dockerfile");
  EXPECT_EQ(ok->stages[0].from_body().stage_name, "b");
  EXPECT_EQ(ok->stages[0].from.keyword, "FROM");
}

TEST(Parser, OnbuildTriggerRoundTrip) {
  auto df = Parse("FROM busybox\nONBUILD RUN <<EOF\necho \"$A\"\nEOF\nONBUILD COPY --chown=1 a /b\n");
  ASSERT_TRUE(df.ok()) << df.error().message();
  const auto& ins = df->stages[0].instructions;
  ASSERT_EQ(ins.size(), 2u);
  const std::string& expr = std::get<OnBuild>(ins[0].body).expression;
  EXPECT_EQ(expr, "RUN <<EOF\necho \"$A\"\nEOF");
  // The trigger stored in the image config parses back to the same instruction.
  auto back = ParseInstruction(expr, '\\', "Dockerfile", 1, true);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->keyword, "RUN");
  EXPECT_EQ(back->line, 1);
  EXPECT_EQ(back->end_line, 3);
  const dockerfile::Run& run = std::get<dockerfile::Run>(back->body);
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].content, "echo \"$A\"\n");
  EXPECT_EQ(run.cmd.args, std::vector<std::string>{"<<EOF"});

  auto copy = ParseInstruction(std::get<OnBuild>(ins[1].body).expression, '\\', "Dockerfile", 7, true);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->line, 7);
  EXPECT_EQ(std::get<Copy>(copy->body).chown, "1");
}

TEST(Parser, ParseInstructionErrors) {
  EXPECT_EQ(ParseInstruction("FROM x", '\\', "Dockerfile", 3, true).error().message(),
            "Dockerfile:3: FROM isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(ParseInstruction("maintainer me", '\\', "Dockerfile", 1, true).error().message(),
            "Dockerfile:1: MAINTAINER isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(ParseInstruction("ONBUILD RUN x", '\\', "Dockerfile", 1, true).error().message(),
            "Dockerfile:1: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(ParseInstruction("RUN a\nRUN b", '\\', "Dockerfile", 1, true).error().message(),
            "Dockerfile:2: onbuild trigger should be a single expression");
  EXPECT_TRUE(ParseInstruction("FROM x", '\\', "Dockerfile", 1, false).ok());
  EXPECT_EQ(ParseInstruction("BOGUS x", '\\', "c", 1, false).error().message(), "c:1: unknown instruction: BOGUS");
  // A commit --change with a backtick escape: `\` is then literal and ` continues lines.
  auto w = ParseInstruction("WORKDIR c:\\app `\n\\sub", '`', "change", 1, false);
  ASSERT_TRUE(w.ok()) << w.error().message();
  EXPECT_EQ(std::get<Workdir>(w->body).path, "c:\\app \\sub");
  // No directives in a single instruction.
  auto d = ParseInstruction("# escape=`\nENV A=1", '\\', "change", 1, false);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->line, 2);
}

TEST(Parser, EscapeDirectiveAppliesToSplitting) {
  auto df = Parse("# escape=`\nFROM busybox\nENV A=a` b C=\"x`\"y\"\nRUN echo \\\nLABEL l=1\n");
  ASSERT_TRUE(df.ok()) << df.error().message();
  EXPECT_EQ(df->directives.escape, '`');
  const auto& ins = df->stages[0].instructions;
  ASSERT_EQ(ins.size(), 3u);
  const Env& env = std::get<Env>(ins[0].body);
  ASSERT_EQ(env.pairs.size(), 2u);
  EXPECT_EQ(env.pairs[0].value, "a` b");
  EXPECT_EQ(env.pairs[1].value, "\"x`\"y\"");
  ExpandOptions o;
  o.escape = '`';
  EXPECT_EQ(*ExpandWord(env.pairs[0].value, Lookup(), o), "a b");
  EXPECT_EQ(*ExpandWord(env.pairs[1].value, Lookup(), o), "x\"y");
  EXPECT_EQ(std::get<dockerfile::Run>(ins[1].body).cmd.args, std::vector<std::string>{"echo \\"});
}

TEST(Parser, HeredocName) {
  EXPECT_EQ(HeredocName("<<EOF"), std::optional<std::string>("EOF"));
  EXPECT_EQ(HeredocName("<<-'END'"), std::optional<std::string>("END"));
  EXPECT_EQ(HeredocName("<<\"a\"b"), std::optional<std::string>("ab"));
  EXPECT_EQ(HeredocName("file.txt"), std::nullopt);
  EXPECT_EQ(HeredocName("<<"), std::nullopt);
  EXPECT_EQ(HeredocName("<<a<<b"), std::nullopt);
  EXPECT_EQ(HeredocName("x<<EOF"), std::nullopt);
}

TEST(Mount, ParseWithExpander) {
  Lookup env = LookupIn({"T=/cache", "ID=pip", "MODE=0700"});
  WordExpander ex = [&](std::string_view w) { return ExpandWord(w, env); };
  auto m = ParseRunMount("type=Cache,target=$T,id=${ID},sharing=LOCKED,mode=$MODE,uid=1,gid=2", &ex);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->type, "cache");
  EXPECT_EQ(m->target, "/cache");
  EXPECT_EQ(m->id, "pip");
  EXPECT_EQ(m->sharing, "locked");
  EXPECT_EQ(m->mode, "0700");
  EXPECT_EQ(m->readonly, std::optional<bool>(false));  // cache defaults to read-write
  auto bind = ParseRunMount("target=/src", &ex);
  ASSERT_TRUE(bind.ok());
  EXPECT_EQ(bind->type, "bind");
  EXPECT_EQ(bind->readonly, std::optional<bool>(true));  // bind defaults to read-only
  EXPECT_EQ(ParseRunMount("target=/src,rw", &ex)->readonly, std::optional<bool>(false));
  auto secret = ParseRunMount("type=secret,id=tok,required=true", &ex);
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(secret->required, std::optional<bool>(true));
  EXPECT_EQ(secret->readonly, std::optional<bool>(true));

  struct Bad {
    const char* in;
    const char* msg;
  };
  const Bad bad[] = {
      {"type=nfs", "unsupported mount type \"nfs\""},
      {"target=/x,foo=bar", "unexpected key 'foo' in 'foo=bar'"},
      {"target=/x,bogus", "invalid field 'bogus' must be a key=value pair"},
      {"target=/x,required", "unexpected key 'required' for mount type 'bind'"},
      {"type=bind,size=1m", "unexpected key 'size' for mount type 'bind'"},
      {"type=tmpfs,size=lots", "invalid value for size: lots"},
      {"target=/x,ro=maybe", "invalid value for ro: maybe"},
      {"type=bind,mode=0700", "mode not allowed for \"bind\" type mounts"},
      {"type=cache,mode=999", "invalid value 999 for mode"},
      {"type=cache,sharing=weird", "unsupported sharing value \"weird\""},
      {"type=bind,sharing=locked", "invalid cache sharing set for bind mount"},
      {"type=secret", "invalid secret mount. one of source, target required"},
      {"type=secret,id=a,from=b", "secret mount should not have a from"},
      {"type=secret,id=a,source=b", "both source and id can't be set"},
      {"type=bind,source=a\"b", "failed to parse csv mounts: parse error on line 1, column 19: bare \" in non-quoted-field"},
      {"type=bind,\"source=a", "failed to parse csv mounts: parse error on line 1, column 20: extraneous or missing \" in quoted-field"},
  };
  for (const Bad& b : bad) {
    auto r = ParseRunMount(b.in, &ex);
    ASSERT_FALSE(r.ok()) << b.in;
    EXPECT_EQ(r.error().message(), b.msg) << b.in;
  }
  // Without an expander nothing but CSV and from=$VAR is checked, as Docker at parse time.
  auto raw = ParseRunMount("type=$T,target=${X},bogus,from=stage$");
  ASSERT_TRUE(raw.ok()) << raw.error().message();
  EXPECT_EQ(raw->type, "$T");
  EXPECT_EQ(raw->from, "stage$");
  ASSERT_EQ(raw->other.size(), 1u);
  EXPECT_EQ(raw->other[0].key, "bogus");
  auto q = ParseRunMount("\"target=/a,b\",type=bind");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->target, "/a,b");
}

}  // namespace
}  // namespace skiff::build::dockerfile
