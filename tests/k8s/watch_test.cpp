#include "k8s/watch.h"

#include <gtest/gtest.h>

#include <string>

namespace ztp::k8s {
namespace {

const std::string k_added =
    R"({"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"ztp-prem-a",)"
    R"("resourceVersion":"7","labels":{"ztp-prem.tlsstress.art/node":"a"}},)"
    R"("data":{"cc.json":"{\"x\":1}\n"}}})";
const std::string k_bookmark =
    R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"12"}}})";
const std::string k_gone =
    R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})";

TEST(WatchLineSplitter, EventsSurviveEveryChunkBoundary) {
  const std::string stream = k_added + "\n" + k_bookmark + "\n\n" + k_gone + "\n";
  // Every split point, and one byte at a time.
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    WatchLineSplitter splitter(1 << 20);
    auto first = splitter.feed(std::string_view(stream).substr(0, cut));
    auto second = splitter.feed(std::string_view(stream).substr(cut));
    ASSERT_TRUE(first && second);
    std::vector<std::string> lines = *first;
    lines.insert(lines.end(), second->begin(), second->end());
    ASSERT_EQ(lines.size(), 3U) << "cut at " << cut;
    EXPECT_EQ(lines[0], k_added);
    EXPECT_EQ(lines[1], k_bookmark);
    EXPECT_EQ(lines[2], k_gone);
    EXPECT_EQ(splitter.pending(), 0U);
  }
  WatchLineSplitter bytewise(1 << 20);
  std::vector<std::string> lines;
  for (const char c : stream) {
    auto got = bytewise.feed(std::string_view(&c, 1));
    ASSERT_TRUE(got);
    lines.insert(lines.end(), got->begin(), got->end());
  }
  EXPECT_EQ(lines.size(), 3U);
}

TEST(WatchLineSplitter, KeepsAnUnterminatedTailAndRefusesOversizedLines) {
  WatchLineSplitter splitter(16);
  auto got = splitter.feed("{\"a\":1}\r\n{\"b\"");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1U);
  EXPECT_EQ((*got)[0], "{\"a\":1}");  // CRLF tolerated
  EXPECT_EQ(splitter.pending(), 4U);
  EXPECT_FALSE(splitter.feed("0123456789abcdef"));  // the line would pass 16 bytes
  EXPECT_EQ(splitter.pending(), 0U);
}

TEST(WatchEvent, ParsesTypesObjectsAndErrors) {
  auto added = parse_watch_event(k_added);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->type, WatchEventType::added);
  EXPECT_EQ(added->object.name, "ztp-prem-a");
  EXPECT_EQ(added->object.resource_version, "7");
  EXPECT_EQ(added->object.labels.at("ztp-prem.tlsstress.art/node"), "a");
  EXPECT_EQ(added->object.data.at("cc.json"), "{\"x\":1}\n");

  auto bookmark = parse_watch_event(k_bookmark);
  ASSERT_TRUE(bookmark);
  EXPECT_EQ(bookmark->type, WatchEventType::bookmark);
  EXPECT_EQ(bookmark->object.resource_version, "12");

  auto gone = parse_watch_event(k_gone);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->type, WatchEventType::error);
  EXPECT_EQ(gone->error_code, 410);
  EXPECT_EQ(gone->error_reason, "Expired");

  for (const char* bad : {"", "{", "[]", R"({"type":"ADDED"})", R"({"type":"RENAMED","object":{}})",
                          R"({"type":"ADDED","object":{"metadata":{"labels":{"a":1}}}})",
                          R"({"type":"ADDED","object":{"metadata":{},"data":[]}})",
                          R"({"type":"MODIFIED","object":"x"})"}) {
    EXPECT_FALSE(parse_watch_event(bad)) << bad;
  }
}

TEST(ConfigMapList, ParsesPageMetadata) {
  auto page = parse_configmap_list(
      R"({"kind":"ConfigMapList","metadata":{"resourceVersion":"1005","continue":"tok"},)"
      R"("items":[{"metadata":{"name":"x","resourceVersion":"1001"},"data":{"k":"v"}}]})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->resource_version, "1005");
  EXPECT_EQ(page->continue_token, "tok");
  ASSERT_EQ(page->items.size(), 1U);
  EXPECT_EQ(page->items[0].data.at("k"), "v");
  EXPECT_FALSE(parse_configmap_list(R"({"kind":"Status","code":410})"));
  EXPECT_FALSE(parse_configmap_list(R"({"items":[{"metadata":{},"data":{"k":2}}]})"));
}

TEST(ConfigMapsPath, EscapesTheNamespace) {
  EXPECT_EQ(configmaps_path("/k8s", "ztp-prem"), "/k8s/api/v1/namespaces/ztp-prem/configmaps");
  EXPECT_EQ(configmaps_path("", "a/b"), "/api/v1/namespaces/a%2Fb/configmaps");
}

}  // namespace
}  // namespace ztp::k8s
