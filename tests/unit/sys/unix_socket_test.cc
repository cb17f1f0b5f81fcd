// Unix sockets at paths longer than sun_path (108 bytes) bind and connect through the directory's fd.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "base/file.h"
#include "sys/unix_socket.h"

namespace skiff::sys {
namespace {

TEST(UnixSocket, LongPathsBindAndConnect) {
  auto tmp = TempDir::Create();
  ASSERT_TRUE(tmp.ok());
  std::string dir = tmp->path() + "/" + std::string(60, 'a') + "/" + std::string(60, 'b');
  ASSERT_TRUE(MkdirAll(dir).ok());
  std::string path = dir + "/shim.sock";
  ASSERT_GT(path.size(), 108u);
  auto l = ListenUnix(path);
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_TRUE(PathExists(path));
  auto c = ConnectUnix(path);
  ASSERT_TRUE(c.ok()) << c.error().message();
  int a = ::accept4(l->get(), nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(a, 0);
  UniqueFd accepted(a);
  ASSERT_TRUE(SendMsg(c->get(), "hello").ok());
  EXPECT_EQ(ConnectUnix(dir + "/missing.sock").error().code(), Errc::kNotFound);
}

}  // namespace
}  // namespace skiff::sys
