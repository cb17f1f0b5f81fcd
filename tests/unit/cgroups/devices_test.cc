#include "runtime/cgroups/devices.h"

#include <gtest/gtest.h>

namespace skiff::runtime::cgroups {
namespace {

// A tiny interpreter for the instructions DeviceFilterProgram emits, to check the program's verdicts
// without root. Anything else fails the test.
int Eval(const std::vector<bpf_insn>& prog, char type, int major, int minor, const std::string& access) {
  uint32_t acc = 0;
  for (char c : access) acc |= c == 'r' ? BPF_DEVCG_ACC_READ : c == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  uint32_t ctx[3] = {(acc << 16) | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK),
                     static_cast<uint32_t>(major), static_cast<uint32_t>(minor)};
  uint64_t r[11] = {};
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const bpf_insn& i = prog[pc];
    switch (i.code) {
      case BPF_LDX | BPF_MEM | BPF_W:
        EXPECT_EQ(i.src_reg, BPF_REG_1);
        r[i.dst_reg] = ctx[i.off / 4];
        break;
      case BPF_ALU | BPF_AND | BPF_K: r[i.dst_reg] = static_cast<uint32_t>(r[i.dst_reg] & static_cast<uint32_t>(i.imm)); break;
      case BPF_ALU | BPF_RSH | BPF_K: r[i.dst_reg] = static_cast<uint32_t>(r[i.dst_reg]) >> i.imm; break;
      case BPF_ALU | BPF_MOV | BPF_X: r[i.dst_reg] = static_cast<uint32_t>(r[i.src_reg]); break;
      case BPF_ALU | BPF_MOV | BPF_K: r[i.dst_reg] = static_cast<uint32_t>(i.imm); break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (r[i.dst_reg] != static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        if (r[i.dst_reg] == static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
        break;
      case BPF_JMP | BPF_JNE | BPF_X:
        if (r[i.dst_reg] != r[i.src_reg]) pc += i.off;
        break;
      case BPF_JMP | BPF_EXIT: return static_cast<int>(r[0]);
      default: ADD_FAILURE() << "unexpected opcode " << int(i.code); return -1;
    }
  }
  ADD_FAILURE() << "fell off the end";
  return -1;
}

TEST(DeviceEmulator, DenyAllThenAllows) {
  auto p = EmulateDeviceRules({{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rwm"}, {true, 'c', 1, 5, "r"},
                               {true, 'c', 1, 5, "w"}, {true, 'b', 8, -1, "m"}});
  EXPECT_FALSE(p.default_allow);
  ASSERT_EQ(p.exceptions.size(), 3u);
  EXPECT_EQ(p.exceptions[1].V1String(), "c 1:5 rw");  // merged
  auto writes = V1DeviceWrites(p);
  ASSERT_EQ(writes.size(), 4u);
  EXPECT_EQ(writes[0], (std::pair<std::string, std::string>{"devices.deny", "a"}));
  EXPECT_EQ(writes[1], (std::pair<std::string, std::string>{"devices.allow", "c 1:3 rwm"}));
  EXPECT_EQ(writes[3], (std::pair<std::string, std::string>{"devices.allow", "b 8:* m"}));
}

TEST(DeviceEmulator, StartsDenyAllAndResets) {
  EXPECT_FALSE(EmulateDeviceRules({}).default_allow);
  auto p = EmulateDeviceRules({{true, 'c', 1, 3, "rwm"}, {true, 'a', -1, -1, "rwm"}, {false, 'c', 1, 9, "w"}});
  EXPECT_TRUE(p.default_allow);
  ASSERT_EQ(p.exceptions.size(), 1u);
  EXPECT_EQ(p.exceptions[0].V1String(), "c 1:9 w");
  auto writes = V1DeviceWrites(p);
  EXPECT_EQ(writes[0], (std::pair<std::string, std::string>{"devices.allow", "a"}));
  EXPECT_EQ(writes[1], (std::pair<std::string, std::string>{"devices.deny", "c 1:9 w"}));
}

TEST(DeviceEmulator, DenyRemovesExactAccess) {
  auto p = EmulateDeviceRules({{true, 'c', 1, 3, "rwm"}, {false, 'c', 1, 3, "w"}, {true, 'c', 1, 5, "r"},
                               {false, 'c', 1, 5, "rwm"}});
  ASSERT_EQ(p.exceptions.size(), 1u);
  EXPECT_EQ(p.exceptions[0].V1String(), "c 1:3 rm");
}

TEST(DeviceEmulator, ParseListAndCompare) {
  auto want = EmulateDeviceRules({{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rwm"}, {true, 'c', 136, -1, "rw"}});
  EXPECT_TRUE(SamePolicy(ParseV1DeviceList("c 136:* rw\nc 1:3 rwm\n"), want));
  EXPECT_FALSE(SamePolicy(ParseV1DeviceList("c 1:3 rwm\n"), want));
  EXPECT_FALSE(SamePolicy(ParseV1DeviceList("c 1:3 rwm\nc 136:* rwm\n"), want));
  EXPECT_TRUE(ParseV1DeviceList("a *:* rwm\n").default_allow);
}

TEST(DeviceFilterProgram, VerdictsFollowPolicy) {
  std::vector<DeviceRule> rules = {{false, 'a', -1, -1, "rwm"}};
  for (const auto& d : DefaultAllowedDevices()) rules.push_back(d);
  rules.push_back({true, 'b', 8, 0, "r"});
  auto prog = DeviceFilterProgram(EmulateDeviceRules(rules));
  ASSERT_TRUE(prog.ok());
  EXPECT_EQ(Eval(*prog, 'c', 1, 3, "rw"), 1);    // /dev/null
  EXPECT_EQ(Eval(*prog, 'c', 1, 3, "rwm"), 1);
  EXPECT_EQ(Eval(*prog, 'c', 136, 7, "rw"), 1);  // pts wildcard minor
  EXPECT_EQ(Eval(*prog, 'c', 4, 1, "m"), 1);     // mknod any char
  EXPECT_EQ(Eval(*prog, 'c', 4, 1, "r"), 0);
  EXPECT_EQ(Eval(*prog, 'b', 8, 0, "r"), 1);
  EXPECT_EQ(Eval(*prog, 'b', 8, 0, "rw"), 0);    // write not granted
  EXPECT_EQ(Eval(*prog, 'b', 8, 1, "r"), 0);
  EXPECT_EQ(Eval(*prog, 'c', 10, 200, "rw"), 1);
  EXPECT_EQ(Eval(*prog, 'b', 1, 3, "r"), 0);     // type matters
}

TEST(DeviceFilterProgram, AllowAllWithDenies) {
  auto prog = DeviceFilterProgram(EmulateDeviceRules({{true, 'a', -1, -1, "rwm"}, {false, 'c', 1, 9, "w"}}));
  ASSERT_TRUE(prog.ok());
  EXPECT_EQ(Eval(*prog, 'c', 1, 9, "r"), 1);
  EXPECT_EQ(Eval(*prog, 'c', 1, 9, "w"), 0);
  EXPECT_EQ(Eval(*prog, 'c', 1, 9, "rw"), 0);  // like v1: any denied bit denies the request
  EXPECT_EQ(Eval(*prog, 'b', 8, 0, "rwm"), 1);
  auto empty = DeviceFilterProgram(EmulateDeviceRules({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(Eval(*empty, 'c', 1, 3, "r"), 0);
}

TEST(DeviceFilterProgram, RejectsHugeNumbers) {
  auto prog = DeviceFilterProgram(EmulateDeviceRules({{true, 'c', 3000000000LL, 1, "r"}}));
  ASSERT_FALSE(prog.ok());
  EXPECT_EQ(prog.error().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace skiff::runtime::cgroups
