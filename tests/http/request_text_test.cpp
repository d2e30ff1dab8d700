#include "http/request_text.h"

#include <gtest/gtest.h>

#include "http/static_assets.h"
#include "testlib/temp_tree.h"

namespace ztp::http {
namespace {

TEST(RequestText, ParsesQueries) {
  const auto q = parse_query("a=1&b=&c&&d=x%20y+z&a=2");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->count("a"), 2U);
  EXPECT_EQ(q->find("b")->second, "");
  EXPECT_EQ(q->find("c")->second, "");
  EXPECT_EQ(q->find("d")->second, "x y z");
  EXPECT_FALSE(parse_query("q=%zz"));
  EXPECT_FALSE(parse_query("q=%4"));
  EXPECT_FALSE(parse_query("q=%00"));
  EXPECT_TRUE(parse_query("")->empty());
}

TEST(RequestText, SplitsOriginFormTargetsOnly) {
  const auto t = split_target("/api/v1/nodes/%61?limit=5");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/api/v1/nodes/a");
  EXPECT_EQ(t->query, "limit=5");
  EXPECT_FALSE(split_target("*"));
  EXPECT_FALSE(split_target("http://x/api"));
  EXPECT_FALSE(split_target("/a%00b"));
}

TEST(RequestText, ReadsHostHeaders) {
  EXPECT_EQ(host_of("Example.COM:8080"), "example.com");
  EXPECT_EQ(host_of("localhost."), "localhost");
  EXPECT_EQ(host_of("[::1]:80"), "[::1]");
  EXPECT_EQ(host_of(" 10.0.0.1 "), "10.0.0.1");
  EXPECT_FALSE(host_of(""));
  EXPECT_FALSE(host_of("a:b"));
  EXPECT_FALSE(host_of("a b"));
  EXPECT_FALSE(host_of("[::1"));
  EXPECT_FALSE(host_of("a@b"));
}

TEST(RequestText, AllowsListedNamesAndIpLiterals) {
  const HostAllowList allow("0.0.0.0", {"ztp-prem-fleet.ztp-prem.svc"});
  for (const char* ok : {"localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "0.0.0.0",
                         "ztp-prem-fleet.ztp-prem.svc:8080", "10.4.0.7:8080", "[fd00::7]:80"}) {
    EXPECT_TRUE(allow.allows(ok)) << ok;
  }
  for (const char* bad : {"attacker.example", "localhost.attacker.example", "ztp-prem-fleet",
                          "1.2.3.4.example", "", "[::1", "999.1.1.1"}) {
    EXPECT_FALSE(allow.allows(bad)) << bad;
  }
  EXPECT_TRUE(HostAllowList("::1", {}).allows("[::1]:9"));
  EXPECT_TRUE(HostAllowList("fleet.local", {}).allows("FLEET.local"));
}

TEST(RequestText, MatchesBearerTokens) {
  EXPECT_TRUE(bearer_matches("Bearer tok", "tok"));
  EXPECT_TRUE(bearer_matches("bearer tok", "tok"));
  EXPECT_TRUE(bearer_matches("BeArEr  tok", "tok"));
  EXPECT_FALSE(bearer_matches("Bearer tok2", "tok"));
  EXPECT_FALSE(bearer_matches("Bearertok", "tok"));
  EXPECT_FALSE(bearer_matches("Basic tok", "tok"));
  EXPECT_FALSE(bearer_matches("", "tok"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));
}

TEST(StaticAssets, ServesOnlyBuildOutput) {
  testing::TempTree dir;
  dir.write("index.html", "<!doctype html>");
  dir.write("assets/app-1.js", "1");
  dir.write(".env", "SECRET=1");
  dir.write(".git/config", "[core]");
  dir.write("assets/.hidden.js", "2");
  dir.write("notes.md", "# not a web asset");
  dir.write("bin.exe", "MZ");
  dir.symlink("/etc/passwd", "passwd.txt");
  const auto assets = StaticAssets::load(dir.root());
  ASSERT_TRUE(assets);
  EXPECT_EQ(assets->size(), 2U);
  ASSERT_NE(assets->find("index.html"), nullptr);
  EXPECT_EQ(assets->find("index.html")->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(*assets->find("assets/app-1.js")->content, "1");
  for (const char* hidden : {".env", ".git/config", "assets/.hidden.js", "notes.md", "bin.exe",
                             "passwd.txt", "../index.html"}) {
    EXPECT_EQ(assets->find(hidden), nullptr) << hidden;
  }
  EXPECT_EQ(StaticAssets::load(dir.root() / "missing")->size(), 0U);
}

}  // namespace
}  // namespace ztp::http
