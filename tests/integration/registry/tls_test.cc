// TLS: a docker-registry serving only https with a CA of its own; certs.d trust, verification failures.
#include <gtest/gtest.h>

#include "helpers.h"
#include "registry/http.h"

namespace skiff::registry::testing {
namespace {

TEST(RegistryTls, HttpsOnlyRegistryWithCertsDir) {
  SKIFF_START_REGISTRY(reg, "--tls");
  RegistryOptions opts;
  opts.certs_dir = reg->dir() + "/reg/certs.d";
  auto c = Client::Create(reg->addr(), {}, opts, false);
  ASSERT_TRUE(c.ok()) << c.error().message();
  // The http fallback would get "Client sent an HTTP request to an HTTPS server" (400), not a 404.
  auto nf = (*c)->GetManifest("x", "latest");
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.error().code(), Errc::kNotFound) << nf.error().message();
  EXPECT_EQ(nf.error().message(), "manifest for " + reg->addr() + "/x:latest not found: manifest unknown: manifest unknown");
}

TEST(RegistryTls, VerificationUsesTheCertsDirCa) {
  SKIFF_START_REGISTRY(reg, "--tls");
  std::string url = "https://" + reg->addr() + "/v2/";
  http::Request req;
  req.url = url;

  auto tls = http::LoadTlsConfig(reg->dir() + "/reg/certs.d", reg->addr(), true);
  ASSERT_TRUE(tls.ok()) << tls.error().message();
  EXPECT_FALSE(tls->ca_pem.empty());
  auto ok = http::Transport(*tls, "skiff-test").Do(req);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->status, 200);

  // No CA for this host: the system roots do not know it.
  auto none = http::LoadTlsConfig(reg->dir() + "/reg/none", reg->addr(), true);
  ASSERT_TRUE(none.ok());
  auto bad = http::Transport(*none, "skiff-test").Do(req);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), Errc::kUnavailable);
  EXPECT_EQ(bad.error().message(), "Get \"" + url + "\": x509: certificate signed by unknown authority");

  // Without verification (an insecure registry) the same handshake passes.
  http::TlsConfig insecure;
  insecure.verify = false;
  auto ins = http::Transport(insecure, "skiff-test").Do(req);
  ASSERT_TRUE(ins.ok()) << ins.error().message();

  // Plain http to the TLS port is answered with a 400, which still counts as "answering".
  http::Request plain;
  plain.url = "http://" + reg->addr() + "/v2/";
  auto p = http::Transport(insecure, "skiff-test").Do(plain);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->status, 400);
}

TEST(RegistryTls, ClientCertificateNeedsItsKey) {
  auto tmp = TempDir::Create("/tmp", "skiff-regtest-");
  ASSERT_TRUE(tmp.ok());
  std::string certs = tmp->path() + "/certs", host = "reg.invalid:5000", d = certs + "/" + host;
  ASSERT_TRUE(MkdirAll(d).ok());
  ASSERT_TRUE(WriteFileAtomic(d + "/client.cert", "x", 0644, false).ok());
  auto tls = http::LoadTlsConfig(certs, host, true);
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.error().message(),
            "missing key client.key for client certificate client.cert. CA certificates must use the extension .crt");
  ASSERT_TRUE(WriteFileAtomic(d + "/client.key", "y", 0600, false).ok());
  tls = http::LoadTlsConfig(certs, host, true);
  ASSERT_TRUE(tls.ok());
  EXPECT_EQ(tls->client_cert, d + "/client.cert");
  EXPECT_EQ(tls->client_key, d + "/client.key");
}

}  // namespace
}  // namespace skiff::registry::testing
