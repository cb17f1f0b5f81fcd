// FlagSet: docker's pflag command-line conventions and error texts.
#include "cli/flags.h"

#include <gtest/gtest.h>

namespace skiff::cli {
namespace {

struct Fixture {
  FlagSet f;
  bool i = false, t = false, rm = false, d = false;
  std::string name, workdir;
  std::vector<std::string> env, publish;
  int64_t n = -1;
  Fixture() {
    f.Bool(&i, "i,interactive", "");
    f.Bool(&t, "t,tty", "");
    f.Bool(&d, "d,detach", "");
    f.Bool(&rm, "rm", "");
    f.String(&name, "name", "");
    f.String(&workdir, "w,workdir", "");
    f.List(&env, "e,env", "");
    f.List(&publish, "p,publish", "");
    f.Int(&n, "n,last", "", -1);
  }
};

std::vector<std::string> V(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }

TEST(Flags, CombinedShorthands) {
  Fixture x;
  auto r = x.f.Parse(V({"-it", "busybox"}), false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(x.i);
  EXPECT_TRUE(x.t);
  EXPECT_FALSE(x.d);
  EXPECT_EQ(r->args, V({"busybox"}));
}

TEST(Flags, ShorthandClusterEndingInValueFlag) {
  Fixture x;
  auto r = x.f.Parse(V({"-dip8080:80", "img"}), false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(x.d);
  EXPECT_TRUE(x.i);
  EXPECT_EQ(x.publish, V({"8080:80"}));
}

TEST(Flags, ValueForms) {
  Fixture x;
  auto r = x.f.Parse(V({"--name=a", "-e", "A=B", "-eC=D", "-e=E", "--env", "F", "-w/tmp", "-n=3", "img"}), false);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(x.name, "a");
  EXPECT_EQ(x.env, V({"A=B", "C=D", "E", "F"}));
  EXPECT_EQ(x.workdir, "/tmp");
  EXPECT_EQ(x.n, 3);
}

TEST(Flags, EmptyValueIsAValue) {
  Fixture x;
  auto r = x.f.Parse(V({"--name=", "--rm", "img"}), false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(x.name, "");
  EXPECT_TRUE(x.rm);
  EXPECT_TRUE(x.f.Changed("name"));
}

TEST(Flags, ValueMayLookLikeAFlag) {
  Fixture x;
  auto r = x.f.Parse(V({"--name", "-it", "-n", "-5", "img"}), false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(x.name, "-it");
  EXPECT_EQ(x.n, -5);
  EXPECT_FALSE(x.i);
}

TEST(Flags, BoolValues) {
  Fixture x;
  ASSERT_TRUE(x.f.Parse(V({"--rm=false", "-i=true", "-t=0"}), true).ok());
  EXPECT_FALSE(x.rm);
  EXPECT_TRUE(x.i);
  EXPECT_FALSE(x.t);
  Fixture y;
  auto r = y.f.Parse(V({"--rm=maybe"}), true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax");
}

TEST(Flags, StopsAtFirstPositionalWhenNotInterspersed) {
  Fixture x;
  auto r = x.f.Parse(V({"-i", "busybox", "sh", "-c", "--rm", "-t"}), false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(x.i);
  EXPECT_FALSE(x.rm);
  EXPECT_FALSE(x.t);
  EXPECT_EQ(r->args, V({"busybox", "sh", "-c", "--rm", "-t"}));
}

TEST(Flags, InterspersedFlagsAfterPositionals) {
  Fixture x;
  auto r = x.f.Parse(V({"a", "--rm", "b", "-i", "--", "-t", "c"}), true);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(x.rm);
  EXPECT_TRUE(x.i);
  EXPECT_FALSE(x.t);
  EXPECT_EQ(r->args, V({"a", "b", "-t", "c"}));
}

TEST(Flags, DoubleDashEndsFlags) {
  Fixture x;
  auto r = x.f.Parse(V({"--", "-i"}), false);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(x.i);
  EXPECT_EQ(r->args, V({"-i"}));
}

TEST(Flags, DashAloneIsPositional) {
  Fixture x;
  auto r = x.f.Parse(V({"-", "x"}), true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->args, V({"-", "x"}));
}

TEST(Flags, ErrorTexts) {
  struct Case {
    std::vector<std::string> argv;
    std::string msg;
  } cases[] = {
      {{"--foo"}, "unknown flag: --foo"},
      {{"--foo=1"}, "unknown flag: --foo"},
      {{"-x"}, "unknown shorthand flag: 'x' in -x"},
      {{"-ix"}, "unknown shorthand flag: 'x' in -ix"},
      {{"--name"}, "flag needs an argument: --name"},
      {{"-e"}, "flag needs an argument: 'e' in -e"},
      {{"-n", "abc"}, "invalid argument \"abc\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax"},
      {{"-n", "99999999999999999999"},
       "invalid argument \"99999999999999999999\" for \"-n, --last\" flag: strconv.ParseInt: parsing "
       "\"99999999999999999999\": value out of range"},
      {{"---x"}, "bad flag syntax: ---x"},
  };
  for (const auto& c : cases) {
    Fixture x;
    auto r = x.f.Parse(c.argv, true);
    ASSERT_FALSE(r.ok()) << c.msg;
    EXPECT_EQ(r.error().message(), c.msg);
  }
}

TEST(Flags, Help) {
  Fixture x;
  auto r = x.f.Parse(V({"--help"}), true);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->help);
  Fixture y;
  auto h = y.f.Parse(V({"-h"}), true);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->help);
}

TEST(Flags, ValidatorNormalizesListValues) {
  FlagSet f;
  std::vector<std::string> v;
  f.List(&v, "x", "", "list", [](const std::string& s) -> Result<std::string> {
    if (s == "bad") return Error(Errc::kInvalidArgument, "nope");
    return s + "!";
  });
  ASSERT_TRUE(f.Parse(V({"--x", "a", "--x=b"}), true).ok());
  EXPECT_EQ(v, V({"a!", "b!"}));
  FlagSet g;
  g.List(&v, "x", "", "list", [](const std::string&) -> Result<std::string> { return Error(Errc::kInvalidArgument, "nope"); });
  auto r = g.Parse(V({"--x", "bad"}), true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "invalid argument \"bad\" for \"--x\" flag: nope");
}

TEST(Flags, FilterSyntax) {
  FlagSet f;
  std::vector<std::pair<std::string, std::string>> filters;
  f.Filter(&filters, "f,filter", "");
  ASSERT_TRUE(f.Parse(V({"-f", "Status=exited", "--filter", "label=a=b"}), true).ok());
  ASSERT_EQ(filters.size(), 2u);
  EXPECT_EQ(filters[0], (std::pair<std::string, std::string>{"status", "exited"}));
  EXPECT_EQ(filters[1], (std::pair<std::string, std::string>{"label", "a=b"}));
  FlagSet g;
  g.Filter(&filters, "f,filter", "");
  auto r = g.Parse(V({"-f", "nope"}), true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "invalid argument \"nope\" for \"-f, --filter\" flag: bad format of filter (expected name=value)");
}

TEST(Flags, UsageLikePflag) {
  FlagSet f;
  bool a = false;
  std::string fmt;
  int64_t n = -1;
  f.Bool(&a, "a,all", "Show all containers (default shows just running)");
  f.String(&fmt, "format", "Pretty-print containers using a Go template");
  f.Int(&n, "n,last", "Show n last created containers (includes all states)", -1);
  EXPECT_EQ(f.Usage(),
            "  -a, --all             Show all containers (default shows just running)\n"
            "      --format string   Pretty-print containers using a Go template\n"
            "  -n, --last int        Show n last created containers (includes all\n"
            "                        states) (default -1)\n");
}

TEST(Flags, GoBool) {
  for (const char* s : {"1", "t", "T", "true", "TRUE", "True"}) EXPECT_EQ(ParseGoBool(s), true) << s;
  for (const char* s : {"0", "f", "F", "false", "FALSE", "False"}) EXPECT_EQ(ParseGoBool(s), false) << s;
  for (const char* s : {"", "yes", "on", "tRue"}) EXPECT_FALSE(ParseGoBool(s).has_value()) << s;
}

}  // namespace
}  // namespace skiff::cli
