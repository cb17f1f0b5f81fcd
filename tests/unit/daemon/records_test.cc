// Names, IDs, filters, events and the container record: pure pieces of the daemon.
#include <gtest/gtest.h>

#include <set>

#include "daemon/container.h"
#include "daemon/events.h"
#include "daemon/filters.h"
#include "daemon/names.h"

namespace skiff::daemon {
namespace {

TEST(Names, IdsAndRandomNames) {
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    std::string id = NewId();
    ASSERT_EQ(id.size(), 64u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(id.substr(0, 12).find_first_not_of("0123456789"), std::string::npos) << "all-digit prefix " << id;
    ids.insert(id);
    std::string n = RandomName();
    EXPECT_NE(n.find('_'), std::string::npos);
    EXPECT_TRUE(ValidateName(n).ok()) << n;
  }
  EXPECT_EQ(ids.size(), 200u);
  EXPECT_TRUE(ValidateName("/web-1.a_b").ok());
  EXPECT_EQ(*ValidateName("/web"), "web");
  EXPECT_EQ(ValidateName("-x").error().message(), "Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  EXPECT_FALSE(ValidateName("a").ok());
  EXPECT_FALSE(ValidateName("a b").ok());
}

TEST(Filters, BothJsonShapesAndLabels) {
  auto f = Filters::ParseText(R"({"status":["running","exited"],"label":{"a=1":true,"b":true}})", {"status", "label"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->MatchExact("status", "exited"));
  EXPECT_FALSE(f->MatchExact("status", "paused"));
  EXPECT_TRUE(f->MatchLabels({{"a", "1"}, {"b", "x"}}));
  EXPECT_FALSE(f->MatchLabels({{"a", "2"}, {"b", "x"}}));
  EXPECT_FALSE(f->MatchLabels({{"a", "1"}}));
  auto bad = Filters::ParseText(R"({"nope":["x"]})", {"status"});
  EXPECT_EQ(bad.error().message(), "Invalid filter 'nope'");
  EXPECT_TRUE(Filters::ParseText("", {}).ok());
}

TEST(Filters, TimeValues) {
  int64_t now = 2'000'000'000LL * 1'000'000'000LL;
  EXPECT_EQ(*Filters::ParseTimeFilter("10m", now), now - 600'000'000'000LL);
  EXPECT_EQ(*Filters::ParseTimeFilter("1h30m", now), now - 5400'000'000'000LL);
  EXPECT_EQ(*Filters::ParseTimeFilter("1700000000.5", now), 1700000000'500000000LL);
  EXPECT_EQ(*Filters::ParseTimeFilter("2023-11-14T22:13:20Z", now), 1700000000LL * 1'000'000'000LL);
  EXPECT_FALSE(Filters::ParseTimeFilter("soon", now).ok());
}

TEST(Container, HumanStatusIsDockers) {
  ContainerRecord c;
  int64_t now = 1700000100LL * 1'000'000'000LL;
  c.state.status = ContainerStatus::kCreated;
  EXPECT_EQ(HumanStatus(c, now), "Created");
  c.state.status = ContainerStatus::kRunning;
  c.state.started_at = "2023-11-14T22:13:20Z";  // 100 s before now
  EXPECT_EQ(HumanStatus(c, now), "Up About a minute");
  c.state.health = Health{"starting", 0, {}};
  EXPECT_EQ(HumanStatus(c, now), "Up About a minute (health: starting)");
  c.state.health->status = "healthy";
  EXPECT_EQ(HumanStatus(c, now), "Up About a minute (healthy)");
  c.state.health.reset();
  c.state.status = ContainerStatus::kPaused;
  EXPECT_EQ(HumanStatus(c, now), "Up About a minute (Paused)");
  c.state.status = ContainerStatus::kExited;
  c.state.exit_code = 3;
  c.state.finished_at = "2023-11-14T22:14:57Z";  // 3 s before now
  EXPECT_EQ(HumanStatus(c, now), "Exited (3) 3 seconds ago");
  c.state.status = ContainerStatus::kRestarting;
  EXPECT_EQ(HumanStatus(c, now), "Restarting (3) 3 seconds ago");
}

TEST(Container, RecordRoundTrip) {
  ContainerRecord c;
  c.id = NewId();
  c.name = "web";
  c.created = "2026-12-01T07:00:00.5Z";
  c.path = "sh";
  c.args = {"-c", "true"};
  c.config = {{"Image", "busybox"}, {"Tty", true}};
  c.host_config = {{"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 3}}}, {"AutoRemove", false}};
  c.state.status = ContainerStatus::kExited;
  c.state.exit_code = 7;
  c.state.health = Health{"unhealthy", 3, {{"a", "b", 1, "out"}}};
  c.restart_count = 2;
  c.manually_stopped = true;
  c.mounts.push_back({"volume", "v1", "/src", "/data", "local", "z", true, "", true, "", false});
  auto back = ContainerRecord::FromJson(c.ToJson());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->ToJson(), c.ToJson());
  EXPECT_TRUE(back->tty());
  EXPECT_EQ(back->restart_policy(), "on-failure");
  EXPECT_EQ(back->max_retries(), 3);
  EXPECT_FALSE(ContainerRecord::FromJson(Json::array()).ok());
}

TEST(Container, TimeParsing) {
  EXPECT_EQ(ParseTimeNs(kZeroTime), 0);
  EXPECT_EQ(ParseTimeNs("2023-11-14T22:13:20.123Z"), 1700000000123000000LL);
  EXPECT_EQ(FormatTimeNs(1700000000123000000LL), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatTimeNs(1700000000000000000LL), "2023-11-14T22:13:20Z");
}

TEST(Events, ReplayLiveAndFilters) {
  EventBus bus;
  bus.Publish({"container", "create", "c1", {{"name", "web"}, {"image", "busybox"}}, 100});
  bus.Publish({"container", "start", "c1", {{"name", "web"}, {"image", "busybox"}}, 200});
  bus.Publish({"image", "tag", "sha256:x", {{"name", "busybox:latest"}}, 300});
  auto f = Filters::ParseText(R"({"type":["container"],"event":["start"]})", {"type", "event"});
  ASSERT_TRUE(f.ok());
  auto sub = bus.Subscribe(50, 1000, *f);
  auto e = sub.Next({});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->action, "start");
  EXPECT_FALSE(sub.Next({}));  // until has passed
  Json j = e->ToJson();
  EXPECT_EQ(j["status"], "start");
  EXPECT_EQ(j["from"], "busybox");
  EXPECT_EQ(j["Actor"]["Attributes"]["name"], "web");
  EXPECT_EQ(j["timeNano"], 200);
  // Live: a subscriber without since sees only later events.
  auto live = bus.Subscribe(0, 0, Filters());
  bus.Publish({"container", "die", "c1", {{"exitCode", "0"}}, 0});
  auto d = live.Next({});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->action, "die");
  EXPECT_GT(d->time_ns, 0);
  // exec_start: sh matches event=exec_start.
  auto ef = Filters::ParseText(R"({"event":["exec_start"]})", {"event"});
  EXPECT_TRUE((Event{"container", "exec_start: sh -c x", "c1", {}, 1}.Matches(*ef)));
}

}  // namespace
}  // namespace skiff::daemon
