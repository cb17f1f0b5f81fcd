// Word expansion as Docker's shell.Lex does it. The expected values follow Docker's behaviour (the
// legacy builder of docker 20.10 and BuildKit's frontend agree on all of these but the `${V-w}`/`${V+w}`,
// `#`, `%` and `/` forms, which only BuildKit has).
#include "build/dockerfile/expand.h"

#include <gtest/gtest.h>

namespace skiff::build::dockerfile {
namespace {

const std::vector<std::string> kEnv = {"PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL=", "SPACE=abc  def",
                                       "LEADING=  ab c", "TRAILING=ab c   ", "PATHV=/usr/local/bin/app.tar.gz"};

struct Case {
  const char* in;
  const char* out;  // nullptr: an error
};

const Case kWord[] = {
    {"hello", "hello"},
    {"he'll'o", "hello"},
    {"he'llo", nullptr},
    {"he\\'llo", "he'llo"},
    {"he\\\\'llo", nullptr},
    {"abc\\tdef", "abctdef"},
    {"\"abc\\tdef\"", "abc\\tdef"},
    {"\"abc\\\\tdef\"", "abc\\tdef"},
    {"'abc\\tdef'", "abc\\tdef"},
    {"hello\\", "hello"},
    {"hello\\\\", "hello\\"},
    {"\"hello", nullptr},
    {"\"hello\\\"", nullptr},
    {"\"hel'lo\"", "hel'lo"},
    {"'hello", nullptr},
    {"'hello\\'", "hello\\"},
    {"\"''\"", "''"},
    {"$.", "$."},
    {"$", "$"},
    {"he$1x", "hex"},
    {"he$.x", "he$.x"},
    {"he$pwd.", "he."},
    {"he$PWD", "he/home"},
    {"he\\$PWD", "he$PWD"},
    {"he\\\\$PWD", "he\\/home"},
    {"\"he\\$PWD\"", "he$PWD"},
    {"\"he\\\\$PWD\"", "he\\/home"},
    {"\\${}", "${}"},
    {"he\\${}xx", "he${}xx"},
    {"${}", nullptr},
    {"he${}xx", nullptr},
    {"he${hi}xx", "hexx"},
    {"he${PWD}", "he/home"},
    {"he${.}", nullptr},
    {"he${XXX:-000}xx", "he000xx"},
    {"he${PWD:-000}xx", "he/homexx"},
    {"he${XXX:-$PWD}xx", "he/homexx"},
    {"he${XXX:-${PWD:-yyy}}xx", "he/homexx"},
    {"he${XXX:-${YYY:-yyy}}xx", "heyyyxx"},
    {"he${XXX:YYY}", nullptr},
    {"he${XXX?}", nullptr},
    {"he${XXX:?}", nullptr},
    {"he${PWD?}", "he/home"},
    {"he${PWD:?}", "he/home"},
    {"he${NULL?}", "he"},
    {"he${NULL:?}", nullptr},
    {"he${XXX:+${PWD}}xx", "hexx"},
    {"he${PWD:+${XXX}}xx", "hexx"},
    {"he${PWD:+${SHELL}}xx", "hebashxx"},
    {"he${XXX:+000}xx", "hexx"},
    {"he${PWD:+000}xx", "he000xx"},
    {"'he${XX}'", "he${XX}"},
    {"\"he${PWD}\"", "he/home"},
    {"\"he'$PWD'\"", "he'/home'"},
    {"'$PWD'", "$PWD"},
    {"'\\$PWD'", "\\$PWD"},
    {"'\"hello\"'", "\"hello\""},
    {"he${PWD", nullptr},
    {"he${PWD:=000}xx", nullptr},
    {"he${PWD:+${PWD}:}xx", "he/home:xx"},
    {"he${XXX:-\\$PWD:}xx", "he$PWD:xx"},
    {"he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"},
    {"안녕$KOREAN", "안녕한국어"},
    {"안'녕'하세요", "안녕하세요"},
    {"${{aaa}", nullptr},
    {"${aaa}}", "}"},
    {"${aaa:-bbb}}", "bbb}"},
    {"${aaa:-bbb", nullptr},
    {"${aaa:-bbb ${foo}", nullptr},
    {"${aaa:-bbb {foo}", "bbb {foo"},
    {"${:}", nullptr},
    {"${:-bbb}", nullptr},
    {"$1", ""},
    {"${1:-bbb}", "bbb"},
    // set-but-empty vs unset: ':' treats empty as unset
    {"${NULL-x}", ""},
    {"${NULL:-x}", "x"},
    {"${XXX-x}", "x"},
    {"${NULL+x}", "x"},
    {"${NULL:+x}", ""},
    {"${XXX+x}", ""},
    {"${PWD+x}", "x"},
    // quotes inside a default are removed; spaces kept (no splitting in ExpandWord)
    {"${XXX:-\"a  b\"}", "a  b"},
    {"${XXX:-'$PWD'}", "$PWD"},
    {"\"${SPACE}\"", "abc  def"},
    {"x${SPACE}y", "xabc  defy"},
    // BuildKit's pattern forms
    {"${PATHV#*/}", "usr/local/bin/app.tar.gz"},
    {"${PATHV##*/}", "app.tar.gz"},
    {"${PATHV%.*}", "/usr/local/bin/app.tar"},
    {"${PATHV%%.*}", "/usr/local/bin/app"},
    {"${PATHV/local/opt}", "/usr/opt/bin/app.tar.gz"},
    {"${PATHV//\\//_}", "_usr_local_bin_app.tar.gz"},
    {"${PATHV:#x}", nullptr},
    {"${XXX#x}", ""},
};

TEST(Expand, WordTable) {
  Lookup env = LookupIn(kEnv);
  for (const Case& c : kWord) {
    auto r = ExpandWord(c.in, env);
    if (c.out == nullptr) {
      EXPECT_FALSE(r.ok()) << c.in << " -> " << (r.ok() ? *r : "");
      if (!r.ok()) {
        EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
      }
    } else {
      ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().message();
      EXPECT_EQ(*r, c.out) << c.in;
    }
  }
}

TEST(Expand, ErrorMessagesAsDocker) {
  Lookup env = LookupIn(kEnv);
  EXPECT_EQ(ExpandWord("${X:?oops}", env).error().message(), "failed to process \"${X:?oops}\": X: oops");
  EXPECT_EQ(ExpandWord("${X?}", env).error().message(), "failed to process \"${X?}\": X: is not allowed to be unset");
  EXPECT_EQ(ExpandWord("${NULL:?}", env).error().message(),
            "failed to process \"${NULL:?}\": NULL: is not allowed to be empty");
  EXPECT_EQ(ExpandWord("\"abc", env).error().message(),
            "failed to process \"\\\"abc\": unexpected end of statement while looking for matching double-quote");
  EXPECT_EQ(ExpandWord("'abc", env).error().message(),
            "failed to process \"'abc\": unexpected end of statement while looking for matching single-quote");
  EXPECT_EQ(ExpandWord("${}", env).error().message(), "failed to process \"${}\": syntax error: bad substitution");
  EXPECT_EQ(ExpandWord("${A", env).error().message(), "failed to process \"${A\": syntax error: missing '}'");
  EXPECT_EQ(ExpandWord("${A:=x}", env).error().message(),
            "failed to process \"${A:=x}\": unsupported modifier (:=) in substitution");
}

struct WordsCase {
  const char* in;
  std::vector<std::string> out;
};

TEST(Expand, WordsSplitAfterExpansion) {
  Lookup env = LookupIn({"hi=hi", "space=abc  def", "leading=  ab c", "trailing=ab c   ", "empty="});
  const WordsCase cases[] = {
      {"hello", {"hello"}},
      {"hello${hi}bye", {"hellohibye"}},
      {"hello${space}bye", {"helloabc", "defbye"}},
      {"hello\"${space}\"bye", {"helloabc  defbye"}},
      {"hello \"${space}\"bye", {"hello", "abc  defbye"}},
      {"hello${leading}def", {"hello", "ab", "cdef"}},
      {"hello\"${leading}\" def", {"hello  ab c", "def"}},
      {"hello${leading}", {"hello", "ab", "c"}},
      {"hello${trailing}", {"helloab", "c"}},
      {"hello${trailing}d", {"helloab", "c", "d"}},
      {"hello\"${trailing}\"d", {"helloab c   d"}},
      {"hello\" there  \"", {"hello there  "}},
      {"hello there     ", {"hello", "there"}},
      {"hello\\ there", {"hello there"}},
      {"hello\\\" there", {"hello\"", "there"}},
      {"  a\tb\n c  ", {"a", "b", "c"}},
      {"\"\" x ''", {"x"}},  // empty quoted words vanish, as in Docker
      {"${empty} x", {"x"}},
      {"80/tcp ${hi}:90", {"80/tcp", "hi:90"}},
  };
  for (const WordsCase& c : cases) {
    auto r = ExpandWords(c.in, env);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().message();
    EXPECT_EQ(*r, c.out) << c.in;
  }
  EXPECT_FALSE(ExpandWords("hello\" there", env).ok());
}

TEST(Expand, BacktickEscape) {
  Lookup env = LookupIn({"A=x"});
  ExpandOptions o;
  o.escape = '`';
  EXPECT_EQ(*ExpandWord("c:\\dir\\$A", env, o), "c:\\dir\\x");
  EXPECT_EQ(*ExpandWord("`$A", env, o), "$A");
  EXPECT_EQ(*ExpandWord("\"`\"q`$A\"", env, o), "\"q$A");
  EXPECT_EQ(*ExpandWord("\"a\\b\"", env, o), "a\\b");
  EXPECT_EQ(*ExpandWords("a` b c", env, o), (std::vector<std::string>{"a b", "c"}));
}

TEST(Expand, UsedNamesAndLookup) {
  std::set<std::string> used;
  ExpandOptions o;
  o.used = &used;
  Lookup env = LookupIn({"A=1", "B=2", "A=3", "EMPTY", "C=x=y"});
  EXPECT_EQ(*ExpandWord("$A-${B}-${U:-$V}-'$W'-\\$X-\"$Y\"", env, o), "3-2--$W-$X-");
  EXPECT_EQ(used, (std::set<std::string>{"A", "B", "U", "V", "Y"}));
  EXPECT_EQ(env("EMPTY"), std::optional<std::string>(""));
  EXPECT_EQ(env("C"), std::optional<std::string>("x=y"));
  EXPECT_EQ(env("D"), std::nullopt);
  EXPECT_EQ(*ExpandWord("$A", Lookup()), "");  // no lookup at all: everything unset
}

}  // namespace
}  // namespace skiff::build::dockerfile
