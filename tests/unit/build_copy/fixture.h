// Test helpers for skiff_build_copy: a context dir and a destination root in temp dirs, file makers, and
// a listing of a tree ("type mode uid:gid path[ -> target]") to compare against.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "base/file.h"
#include "build/copy/copy.h"

namespace skiff::build::copy::testing {

class CopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = std::make_unique<TempDir>(TempDir::Create("/tmp", "copy-ctx-").value());
    dst_ = std::make_unique<TempDir>(TempDir::Create("/tmp", "copy-dst-").value());
  }
  std::string Ctx(const std::string& rel = "") const { return rel.empty() ? ctx_->path() : ctx_->path() + "/" + rel; }
  std::string Dst(const std::string& rel = "") const { return rel.empty() ? dst_->path() : dst_->path() + "/" + rel; }

  static void Write(const std::string& path, const std::string& content, mode_t mode = 0644) {
    ASSERT_TRUE(MkdirAll(Dirname(path)).ok());
    ::unlink(path.c_str());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
    ASSERT_GE(fd, 0) << path;
    ASSERT_TRUE(WriteAll(fd, content).ok());
    ::close(fd);
    ::chmod(path.c_str(), mode);
  }
  static void Link(const std::string& target, const std::string& path) {
    ASSERT_TRUE(MkdirAll(Dirname(path)).ok());
    ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0) << path;
  }
  static void Mkdir(const std::string& path, mode_t mode = 0755) {
    ASSERT_TRUE(MkdirAll(path).ok());
    ::chmod(path.c_str(), mode);
  }
  static void SetMtime(const std::string& path, time_t sec, long nsec = 0) {
    struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0);
  }
  static std::string Read(const std::string& path) { return ReadFile(path).value_or("<missing>"); }
  static struct stat Lstat(const std::string& path) {
    struct stat st{};
    ::lstat(path.c_str(), &st);
    return st;
  }

  CopyRequest Req(std::vector<std::string> sources, std::string dest) const {
    CopyRequest r;
    r.src_root = Ctx();
    r.sources = std::move(sources);
    r.dest = std::move(dest);
    return r;
  }
  Status Copy(const CopyRequest& r) const { return CopyInto(r, Dst()); }

  // "f 644 path", "d 755 path/", "l path -> target" for everything under dir, sorted.
  static std::vector<std::string> List(const std::string& dir) {
    std::vector<std::string> out;
    for (auto it = std::filesystem::recursive_directory_iterator(dir); it != std::filesystem::end(it); ++it) {
      std::string rel = it->path().string().substr(dir.size() + 1);
      struct stat st = Lstat(it->path().string());
      char mode[8];
      std::snprintf(mode, sizeof mode, "%o", st.st_mode & 07777);
      if (S_ISDIR(st.st_mode)) out.push_back(std::string("d ") + mode + " " + rel + "/");
      else if (S_ISLNK(st.st_mode)) out.push_back("l " + rel + " -> " + std::filesystem::read_symlink(it->path()).string());
      else out.push_back(std::string("f ") + mode + " " + rel);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::unique_ptr<TempDir> ctx_, dst_;
};

}  // namespace skiff::build::copy::testing
