// Host headers and public base URLs: only what can safely go into a WSDL.
#include "platform/public_url.h"

#include <gtest/gtest.h>

namespace voip {
namespace {

// Names, IPv4 and bracketed IPv6 literals, with or without a port, are hosts.
TEST(IsValidHostAndPortTest, AcceptsHostsAndPorts) {
  EXPECT_TRUE(IsValidHostAndPort("adapter.cableco.example"));
  EXPECT_TRUE(IsValidHostAndPort("adapter.cableco.example:8443"));
  EXPECT_TRUE(IsValidHostAndPort("127.0.0.1:8080"));
  EXPECT_TRUE(IsValidHostAndPort("[::1]:8080"));
  EXPECT_TRUE(IsValidHostAndPort("[2001:db8::7]"));
}

// Anything that could break out of an XML attribute or name another resource is refused.
TEST(IsValidHostAndPortTest, RefusesJunk) {
  for (const char* junk : {"", "evil\"><x", "a b", "host:", "host:0", "host:65536", "host:80a", "-host", "user@host",
                           "host/path", "[::1", "[]", "[xyz::1]", "host:8080:1"}) {
    EXPECT_FALSE(IsValidHostAndPort(junk)) << junk;
  }
  EXPECT_FALSE(IsValidHostAndPort(std::string(254, 'a')));
}

// http and https URLs with a path are accepted; trailing slashes are dropped.
TEST(NormalisePublicBaseUrlTest, AcceptsAndNormalises) {
  EXPECT_EQ(NormalisePublicBaseUrl("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(NormalisePublicBaseUrl("https://api.cableco.example/voip/"), "https://api.cableco.example/voip");
  EXPECT_EQ(NormalisePublicBaseUrl("https://[::1]:8443/a/b"), "https://[::1]:8443/a/b");
}

// Other schemes, queries, fragments, quotes and markup are refused.
TEST(NormalisePublicBaseUrlTest, RefusesJunk) {
  for (const char* junk :
       {"", "api.example", "ftp://api.example", "http://", "http://api.example?x=1", "http://api.example/#f",
        "http://api.example/\"", "http://api.example/<x>", "http://api.example/a&b", "http://bad host/"}) {
    EXPECT_EQ(NormalisePublicBaseUrl(junk), std::nullopt) << junk;
  }
}

}  // namespace
}  // namespace voip
