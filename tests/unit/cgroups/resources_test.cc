#include "runtime/cgroups/resources.h"

#include <gtest/gtest.h>

namespace skiff::runtime::cgroups {
namespace {

Json J(const char* s) { return Json::parse(s); }

TEST(ParseResources, NullAndAbsentAreEmpty) {
  auto r = ParseResources(Json());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->Empty());
  auto r2 = ParseResources(J("{}"));
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->Empty());
  auto r3 = ParseResources(J(R"({"memory": null, "cpu": {"shares": null}})"));
  ASSERT_TRUE(r3.ok());
  EXPECT_TRUE(r3->Empty());
}

TEST(ParseResources, FullSpecExample) {
  auto r = ParseResources(J(R"({
    "devices": [{"allow": false, "access": "rwm"},
                {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"},
                {"allow": true, "type": "b", "major": 8, "minor": 0, "access": "r"}],
    "memory": {"limit": 536870912, "reservation": 536870912, "swap": 536870912, "kernel": -1,
               "kernelTCP": -1, "swappiness": 0, "disableOOMKiller": false, "useHierarchy": true},
    "cpu": {"shares": 1024, "quota": 1000000, "burst": 1000000, "period": 500000, "realtimeRuntime": 950000,
            "realtimePeriod": 1000000, "cpus": "2-3", "mems": "0-7", "idle": 0},
    "pids": {"limit": 32771},
    "blockIO": {"weight": 10, "leafWeight": 10,
                "weightDevice": [{"major": 8, "minor": 0, "weight": 500, "leafWeight": 300},
                                 {"major": 8, "minor": 16, "weight": 500}],
                "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 600}],
                "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 300}]},
    "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}, {"pageSize": "64KB", "limit": 1000000}],
    "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
    "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}, "mlx4_0": {"hcaObjects": 1000}},
    "unified": {"io.max": "259:0 rbps=2097152", "hugetlb.1GB.max": "1073741824"}
  })"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->devices.size(), 3u);
  EXPECT_EQ(r->devices[0], (DeviceRule{false, 'a', -1, -1, "rwm"}));
  EXPECT_EQ(r->devices[1], (DeviceRule{true, 'c', 10, 229, "rw"}));
  EXPECT_EQ(r->devices[2].V1String(), "b 8:0 r");
  EXPECT_EQ(r->memory.limit, 536870912);
  EXPECT_EQ(r->memory.kernel, -1);
  EXPECT_EQ(r->memory.swappiness, 0u);
  EXPECT_EQ(r->memory.disable_oom_killer, false);
  EXPECT_EQ(r->memory.use_hierarchy, true);
  EXPECT_EQ(r->cpu.shares, 1024u);
  EXPECT_EQ(r->cpu.quota, 1000000);
  EXPECT_EQ(r->cpu.realtime_runtime, 950000);
  EXPECT_EQ(r->cpu.cpus, "2-3");
  EXPECT_EQ(r->cpu.idle, 0);
  EXPECT_EQ(r->pids_limit, 32771);
  EXPECT_EQ(r->block_io.weight, 10);
  ASSERT_EQ(r->block_io.weight_device.size(), 2u);
  EXPECT_EQ(r->block_io.weight_device[0].leaf_weight, 300);
  EXPECT_FALSE(r->block_io.weight_device[1].leaf_weight);
  ASSERT_EQ(r->block_io.throttle_write_iops.size(), 1u);
  EXPECT_EQ(r->block_io.throttle_write_iops[0].rate, 300u);
  ASSERT_EQ(r->hugepage_limits.size(), 2u);
  EXPECT_EQ(r->hugepage_limits[0].page_size, "2MB");
  EXPECT_EQ(r->hugepage_limits[1].page_size, "64KB");
  EXPECT_EQ(r->network.class_id, 1048577u);
  EXPECT_EQ(r->network.priorities[0].name, "eth0");
  EXPECT_EQ(r->rdma.at("mlx5_1").hca_handles, 3u);
  EXPECT_FALSE(r->rdma.at("mlx4_0").hca_handles);
  EXPECT_EQ(r->unified.at("io.max"), "259:0 rbps=2097152");
}

struct BadCase {
  const char* json;
  const char* message;
};

TEST(ParseResources, ErrorsNameTheField) {
  const BadCase cases[] = {
      {R"({"memory": {"limit": "1g"}})", "linux.resources.memory.limit: expected integer"},
      {R"({"memory": {"limit": 1.5}})", "linux.resources.memory.limit: expected integer"},
      {R"({"memory": {"limit": -2}})", "linux.resources.memory.limit: -2 is invalid"},
      {R"({"memory": {"swappiness": 101}})", "linux.resources.memory.swappiness: 101 is out of range"},
      {R"({"memory": {"disableOOMKiller": 1}})", "linux.resources.memory.disableOOMKiller: expected boolean"},
      {R"({"memory": []})", "linux.resources.memory: expected object"},
      {R"({"cpu": {"shares": -5}})", "linux.resources.cpu.shares: -5 is negative"},
      {R"({"cpu": {"cpus": 3}})", "linux.resources.cpu.cpus: expected string"},
      {R"({"cpu": {"quota": 100, "burst": 200}})", "linux.resources.cpu.burst: must not be larger than quota"},
      {R"({"cpu": {"idle": 2}})", "linux.resources.cpu.idle: must be 0 or 1"},
      {R"({"pids": {"limit": -3}})", "linux.resources.pids.limit"},
      {R"({"devices": [{"access": "rwm"}]})", "linux.resources.devices[0].allow: required"},
      {R"({"devices": [{"allow": true}, {"allow": true, "type": "x"}]})", "linux.resources.devices[1].type"},
      {R"({"devices": [{"allow": true, "access": "rwx"}]})", "linux.resources.devices[0].access"},
      {R"({"devices": {}})", "linux.resources.devices: expected array"},
      {R"({"blockIO": {"weight": 70000}})", "linux.resources.blockIO.weight: 70000 is out of range"},
      {R"({"blockIO": {"weightDevice": [{"major": 8, "minor": 0}]}})",
       "linux.resources.blockIO.weightDevice[0]: one of weight or leafWeight is required"},
      {R"({"blockIO": {"throttleReadBpsDevice": [{"major": 8, "rate": 1}]}})",
       "linux.resources.blockIO.throttleReadBpsDevice[0].minor: required"},
      {R"({"hugepageLimits": [{"pageSize": "2XB", "limit": 1}]})", "linux.resources.hugepageLimits[0].pageSize"},
      {R"({"hugepageLimits": [{"pageSize": "2MB"}]})", "linux.resources.hugepageLimits[0].limit: required"},
      {R"({"network": {"classID": 4294967296}})", "linux.resources.network.classID: 4294967296 is out of range"},
      {R"({"network": {"priorities": [{"priority": 1}]}})", "linux.resources.network.priorities[0].name: required"},
      {R"({"rdma": {"mlx": {}}})", "linux.resources.rdma.mlx: one of hcaHandles or hcaObjects is required"},
      {R"({"unified": {"memory.max": 5}})", "linux.resources.unified[\"memory.max\"]: expected string"},
      {R"({"unified": {"../x": "1"}})", "linux.resources.unified[\"../x\"]"},
      {R"([])", "linux.resources: expected object"},
  };
  for (const auto& c : cases) {
    auto r = ParseResources(J(c.json));
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().code(), Errc::kInvalidArgument) << c.json;
    EXPECT_EQ(r.error().message().rfind(c.message, 0), 0u) << c.json << " -> " << r.error().message();
  }
}

TEST(ParseResources, FieldPrefixIsAParameter) {
  auto r = ParseResources(J(R"({"memory": {"limit": true}})"), "update");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "update.memory.limit: expected integer");
}

TEST(ParseResources, DockerUnsetSwappinessIsIgnored) {
  auto r = ParseResources(J(R"({"memory": {"swappiness": -1}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->memory.swappiness);
  auto r2 = ParseResources(J(R"({"memory": {"swappiness": 18446744073709551615}})"));
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(r2->memory.swappiness);
}

TEST(ParseResources, PidsZeroIsARealLimit) {
  auto r = ParseResources(J(R"({"pids": {"limit": 0}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pids_limit, 0);
}

TEST(PageSize, ParseAndName) {
  EXPECT_EQ(*ParsePageSize("2MB"), 2u << 20);
  EXPECT_EQ(*ParsePageSize("1GB"), 1u << 30);
  EXPECT_EQ(*ParsePageSize("64KB"), 64u << 10);
  EXPECT_FALSE(ParsePageSize("MB").ok());
  EXPECT_FALSE(ParsePageSize("2M").ok());
  EXPECT_FALSE(ParsePageSize("0MB").ok());
  EXPECT_EQ(PageSizeName(2u << 20), "2MB");
  EXPECT_EQ(PageSizeName(1u << 30), "1GB");
  EXPECT_EQ(PageSizeName(2048u << 10), "2MB");
  EXPECT_EQ(PageSizeName(1536), "1536B");
}

TEST(DefaultAllowedDevices, MatchesRunc) {
  auto d = DefaultAllowedDevices();
  ASSERT_EQ(d.size(), 11u);
  EXPECT_EQ(d[0].V1String(), "c *:* m");
  EXPECT_EQ(d[1].V1String(), "b *:* m");
  EXPECT_EQ(d[2].V1String(), "c 1:3 rwm");
  EXPECT_EQ(d[8].V1String(), "c 136:* rwm");
}

}  // namespace
}  // namespace skiff::runtime::cgroups
