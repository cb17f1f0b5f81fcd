#include "runtime/cgroups/devices.h"

#include <fcntl.h>

#include <algorithm>
#include <limits>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "sys/bpf.h"

namespace skiff::runtime::cgroups {
namespace {

unsigned AccessBits(const std::string& access) {
  unsigned bits = 0;
  for (char c : access) {
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
  }
  return bits;
}

std::string AccessString(unsigned bits) {
  std::string s;
  if (bits & BPF_DEVCG_ACC_READ) s += 'r';
  if (bits & BPF_DEVCG_ACC_WRITE) s += 'w';
  if (bits & BPF_DEVCG_ACC_MKNOD) s += 'm';
  return s;
}

bool SameDevice(const DeviceRule& a, const DeviceRule& b) {
  return a.type == b.type && a.major == b.major && a.minor == b.minor;
}

}  // namespace

DevicePolicy EmulateDeviceRules(const std::vector<DeviceRule>& rules) {
  DevicePolicy p;
  for (const auto& rule : rules) {
    if (rule.type == 'a') {
      p.default_allow = rule.allow;
      p.exceptions.clear();
      continue;
    }
    unsigned bits = AccessBits(rule.access);
    auto it = std::find_if(p.exceptions.begin(), p.exceptions.end(),
                           [&](const DeviceRule& e) { return SameDevice(e, rule); });
    if (rule.allow == p.default_allow) {
      // Matches the default: take the access away from an exact exception (the kernel's dev_exception_rm).
      if (it == p.exceptions.end()) continue;
      unsigned left = AccessBits(it->access) & ~bits;
      if (left == 0) {
        p.exceptions.erase(it);
      } else {
        it->access = AccessString(left);
      }
    } else if (it != p.exceptions.end()) {
      it->access = AccessString(AccessBits(it->access) | bits);
    } else {
      DeviceRule e = rule;
      e.access = AccessString(bits);
      if (!e.access.empty()) p.exceptions.push_back(e);
    }
  }
  return p;
}

std::vector<std::pair<std::string, std::string>> V1DeviceWrites(const DevicePolicy& p) {
  std::vector<std::pair<std::string, std::string>> out;
  if (p.default_allow) {
    out.emplace_back("devices.allow", "a");
    for (const auto& e : p.exceptions) out.emplace_back("devices.deny", e.V1String());
  } else {
    out.emplace_back("devices.deny", "a");
    for (const auto& e : p.exceptions) out.emplace_back("devices.allow", e.V1String());
  }
  return out;
}

DevicePolicy ParseV1DeviceList(const std::string& text) {
  DevicePolicy p;
  for (const auto& raw : Split(text, '\n')) {
    auto line = Trim(raw);
    if (line.empty()) continue;
    auto parts = Split(line, ' ');
    if (parts.size() != 3 || parts[0].size() != 1) continue;
    DeviceRule r;
    r.allow = true;
    r.type = parts[0][0];
    if (r.type == 'a') {
      p.default_allow = true;
      p.exceptions.clear();
      return p;
    }
    auto mm = Split(parts[1], ':');
    if (mm.size() != 2) continue;
    auto num = [](const std::string& s) -> int64_t {
      if (s == "*") return -1;
      return ParseInt(s).value_or(-1);
    };
    r.major = num(mm[0]);
    r.minor = num(mm[1]);
    r.access = AccessString(AccessBits(parts[2]));
    p.exceptions.push_back(r);
  }
  return p;
}

bool SamePolicy(const DevicePolicy& a, const DevicePolicy& b) {
  if (a.default_allow != b.default_allow || a.exceptions.size() != b.exceptions.size()) return false;
  for (const auto& e : a.exceptions) {
    auto it = std::find_if(b.exceptions.begin(), b.exceptions.end(),
                           [&](const DeviceRule& x) { return SameDevice(x, e); });
    if (it == b.exceptions.end() || AccessBits(it->access) != AccessBits(e.access)) return false;
  }
  return true;
}

namespace {

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

bpf_insn LdxW(uint8_t dst, uint8_t src, int16_t off) { return Insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0); }
bpf_insn Alu32Imm(uint8_t op, uint8_t dst, int32_t imm) { return Insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm); }
bpf_insn Mov32Reg(uint8_t dst, uint8_t src) { return Insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn JneImm(uint8_t dst, int32_t imm) { return Insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm); }
bpf_insn JeqImm(uint8_t dst, int32_t imm) { return Insn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, 0, imm); }
bpf_insn JneReg(uint8_t dst, uint8_t src) { return Insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, 0, 0); }
bpf_insn Exit() { return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

constexpr unsigned kAllAccess = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

}  // namespace

Result<std::vector<bpf_insn>> DeviceFilterProgram(const DevicePolicy& p) {
  // Registers after the prologue: r2 = device type, r3 = requested access, r4 = major, r5 = minor.
  std::vector<bpf_insn> prog = {
      LdxW(BPF_REG_2, BPF_REG_1, 0),  Alu32Imm(BPF_AND, BPF_REG_2, 0xffff),
      LdxW(BPF_REG_3, BPF_REG_1, 0),  Alu32Imm(BPF_RSH, BPF_REG_3, 16),
      LdxW(BPF_REG_4, BPF_REG_1, 4),  LdxW(BPF_REG_5, BPF_REG_1, 8),
  };
  const int32_t verdict = p.default_allow ? 0 : 1;
  for (const auto& e : p.exceptions) {
    constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
    if (e.major > kMax || e.minor > kMax)
      return Error(Errc::kInvalidArgument, "device rule " + e.V1String() + ": major/minor too large");
    std::vector<bpf_insn> block;
    std::vector<size_t> jumps;  // indexes of "skip this rule" jumps
    if (e.type == 'c' || e.type == 'b') {
      jumps.push_back(block.size());
      block.push_back(JneImm(BPF_REG_2, e.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
    }
    unsigned bits = AccessBits(e.access);
    if (bits != kAllAccess) {
      block.push_back(Mov32Reg(BPF_REG_1, BPF_REG_3));
      block.push_back(Alu32Imm(BPF_AND, BPF_REG_1, static_cast<int32_t>(bits)));
      jumps.push_back(block.size());
      if (p.default_allow) {
        // A deny exception hits when any requested bit is denied (v1's partial match): skip if none is.
        block.push_back(JeqImm(BPF_REG_1, 0));
      } else {
        // An allow exception hits only when it grants every requested bit.
        block.push_back(JneReg(BPF_REG_1, BPF_REG_3));
      }
    }
    if (e.major >= 0) {
      jumps.push_back(block.size());
      block.push_back(JneImm(BPF_REG_4, static_cast<int32_t>(e.major)));
    }
    if (e.minor >= 0) {
      jumps.push_back(block.size());
      block.push_back(JneImm(BPF_REG_5, static_cast<int32_t>(e.minor)));
    }
    block.push_back(Alu32Imm(BPF_MOV, BPF_REG_0, verdict));
    block.push_back(Exit());
    for (size_t j : jumps) block[j].off = static_cast<int16_t>(block.size() - (j + 1));
    prog.insert(prog.end(), block.begin(), block.end());
  }
  prog.push_back(Alu32Imm(BPF_MOV, BPF_REG_0, p.default_allow ? 1 : 0));
  prog.push_back(Exit());
  return prog;
}

Status ApplyDeviceFilter(const std::string& dir, const DevicePolicy& p) {
  auto insns = SKIFF_TRY_CTX(DeviceFilterProgram(p), dir);
  UniqueFd dfd = SKIFF_TRY(OpenFile(dir, O_RDONLY | O_DIRECTORY));
  // Programs attached before (by an earlier create/update) are detached after the new one is in place,
  // so the cgroup is never without a filter.
  std::vector<UniqueFd> old;
  if (auto ids = sys::BpfProgQuery(dfd.get(), BPF_CGROUP_DEVICE); ids.ok()) {
    for (uint32_t id : *ids) {
      auto fd = sys::BpfProgGetFdById(id);
      if (!fd.ok()) return std::move(fd).error().Wrap("device filter " + dir);
      old.push_back(std::move(*fd));
    }
  }
  UniqueFd prog = SKIFF_TRY_CTX(sys::BpfLoadCgroupDeviceProgram(insns, "Apache"), "device filter " + dir);
  Status st = sys::BpfProgAttach(dfd.get(), prog.get(), BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
  if (!st.ok() && (st.error().sys_errno() == EPERM || st.error().sys_errno() == EINVAL) ) {
    // A program attached without BPF_F_ALLOW_MULTI (by someone else): replace it outright.
    if (old.size() <= 1) {
      SKIFF_TRY_CTX(sys::BpfProgAttach(dfd.get(), prog.get(), BPF_CGROUP_DEVICE, 0), "device filter " + dir);
      return Ok();
    }
  }
  if (!st.ok()) return std::move(st).error().Wrap("device filter " + dir);
  for (auto& fd : old) {
    if (auto d = sys::BpfProgDetach(dfd.get(), fd.get(), BPF_CGROUP_DEVICE); !d.ok())
      return std::move(d).error().Wrap("device filter " + dir + ": detach old program");
  }
  return Ok();
}

}  // namespace skiff::runtime::cgroups
