#include "publish/file_sinks.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/posix_file.h"
#include "publish/k8s_sink.h"
#include "testlib/fixtures.h"
#include "testlib/temp_tree.h"

namespace ztp::publish {
namespace {

using ztp::testing::read_file;
using ztp::testing::TempTree;

report::Document cc_doc(std::string node = "worker-1") {
  report::Document d;
  d.envelope.kind = "CCStatus";
  d.envelope.node = std::move(node);
  d.envelope.generated_at = std::chrono::system_clock::time_point(std::chrono::seconds(1778580000));
  d.envelope.wave = "w1";
  d.envelope.probe = {"ztp-prem-detect", "0.1.0"};
  d.body["mode"] = "sev-snp";
  d.body["hostCapabilities"] = {"sev", "sev-es"};
  d.body["reason"] = "has spaces, not a label value";
  d.body["nested"] = {{"ok", true}, {"count", 3}};
  d.findings.signal("cpuidAvailable", true);
  return d;
}

std::vector<std::string> dir_names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(PublishKey, FromKind) {
  EXPECT_EQ(publish_key("CCStatus"), "cc");
  EXPECT_EQ(publish_key("TPMStatus"), "tpm");
}

TEST(AtomicFile, WritesWholeContentAndLeavesNoTempFile) {
  TempTree tree;
  ASSERT_TRUE(write_file_atomic(tree.root(), "a.json", "first\n"));
  ASSERT_TRUE(write_file_atomic(tree.root(), "a.json", "second\n"));
  EXPECT_EQ(read_file(tree.root() / "a.json"), "second\n");
  EXPECT_EQ(dir_names(tree.root()), std::vector<std::string>{"a.json"});
  EXPECT_EQ(std::filesystem::status(tree.root() / "a.json").permissions() &
                std::filesystem::perms::others_read,
            std::filesystem::perms::others_read);
}

TEST(AtomicFile, FailsCleanlyInAMissingDirectory) {
  TempTree tree;
  const auto r = write_file_atomic(tree.root() / "absent", "a.json", "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("absent"), std::string::npos);
}

TEST(AtomicFile, RemovesStaleTempFilesOfItsOwnNameOnly) {
  TempTree tree;
  tree.write(".n1.cc.json.tmp.AbC123", "half");
  tree.write(".other.json.tmp.AbC123", "keep");
  remove_stale_temp_files(tree.root(), "n1.cc.json");
  EXPECT_EQ(dir_names(tree.root()), std::vector<std::string>{".other.json.tmp.AbC123"});
}

TEST(DirSink, WritesNodeKeyJsonExactlyAsPrinted) {
  TempTree tree;
  tree.write(".worker-1.cc.json.tmp.XyZ789", "left by a killed writer");
  auto sink = dir_sink(tree.root());
  ASSERT_TRUE(sink);
  const Produced p = produce(cc_doc());
  ASSERT_TRUE(sink->publish(p.view()));
  EXPECT_EQ(read_file(tree.root() / "worker-1.cc.json"), report::render_json(p.doc));
  EXPECT_EQ(dir_names(tree.root()), std::vector<std::string>{"worker-1.cc.json"});
}

TEST(DirSink, RejectsAMissingDirectoryUpFront) {
  TempTree tree;
  EXPECT_FALSE(dir_sink(tree.root() / "absent"));
  tree.write("file", "x");
  EXPECT_FALSE(dir_sink(tree.root() / "file"));
}

TEST(DirSink, ReportsAWriteFailure) {
  TempTree tree;
  tree.mkdir("out");
  auto sink = dir_sink(tree.root() / "out");
  ASSERT_TRUE(sink);
  std::filesystem::remove_all(tree.root() / "out");
  const Produced p = produce(cc_doc());
  const auto r = sink->publish(p.view());
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().retry_after);
}

TEST(StdoutSink, PrintsTheJsonDocument) {
  std::ostringstream out;
  const Produced p = produce(cc_doc());
  ASSERT_TRUE(stdout_sink(out).publish(p.view()));
  EXPECT_EQ(out.str(), p.json);
}

TEST(LabelSyntax, ValuesAndNames) {
  EXPECT_TRUE(valid_label_value(""));
  EXPECT_TRUE(valid_label_value("sev-snp"));
  EXPECT_TRUE(valid_label_value("a.b_c-9"));
  EXPECT_FALSE(valid_label_value("-a"));
  EXPECT_FALSE(valid_label_value("a-"));
  EXPECT_FALSE(valid_label_value("has space"));
  EXPECT_FALSE(valid_label_value(std::string(64, 'a')));
  EXPECT_TRUE(valid_label_value(std::string(63, 'a')));
  EXPECT_FALSE(valid_label_name(""));
}

TEST(NfdFeatureFile, OneValidLabelPerBodyScalarWithExpiry) {
  const Produced p = produce(cc_doc());
  const auto expires = p.doc.envelope.generated_at + std::chrono::hours(1);
  const std::string file = nfd_feature_file(p.view(), expires);
  EXPECT_EQ(file,
            "# Written by ztp-prem-detect from its CCStatus document; replaced by atomic rename.\n"
            "# +expiry-time=2026-05-12T11:00:00Z\n"
            "ztp-prem.tlsstress.art/cc.mode=sev-snp\n"
            "ztp-prem.tlsstress.art/cc.hostCapabilities.sev=true\n"
            "ztp-prem.tlsstress.art/cc.hostCapabilities.sev-es=true\n"
            "ztp-prem.tlsstress.art/cc.nested.ok=true\n"
            "ztp-prem.tlsstress.art/cc.nested.count=3\n");
  // Every feature line is "<prefix>/<name>=<value>" with valid label syntax.
  std::istringstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line[0] == '#') {
      continue;
    }
    const auto slash = line.find('/');
    const auto eq = line.find('=');
    EXPECT_EQ(line.substr(0, slash), k_nfd_label_prefix);
    EXPECT_TRUE(valid_label_name(line.substr(slash + 1, eq - slash - 1))) << line;
    EXPECT_TRUE(valid_label_value(line.substr(eq + 1))) << line;
  }
}

TEST(NfdSink, WritesZtpPremKeyAtomically) {
  TempTree tree;
  auto sink = nfd_sink(tree.root(), std::chrono::seconds(1800));
  ASSERT_TRUE(sink);
  const Produced p = produce(cc_doc());
  ASSERT_TRUE(sink->publish(p.view()));
  EXPECT_EQ(dir_names(tree.root()), std::vector<std::string>{"ztp-prem-cc"});
  const std::string content = read_file(tree.root() / "ztp-prem-cc");
  EXPECT_NE(content.find("# +expiry-time=2026-05-12T10:30:00Z\n"), std::string::npos);
  EXPECT_FALSE(nfd_sink(tree.root() / "absent", std::chrono::seconds(1)));
}

TEST(ConfigMapTarget, NameLabelsAndKey) {
  const Produced p = produce(cc_doc());
  const auto t = configmap_target(p.view(), {"ztp-prem", "ztp-prem-detect"});
  EXPECT_EQ(t.name, "ztp-prem-worker-1");
  EXPECT_EQ(t.namespace_name, "ztp-prem");
  EXPECT_EQ(t.field_manager, "ztp-prem-detect");
  EXPECT_EQ(t.key, "cc.json");
  EXPECT_EQ(t.value, p.json);
  EXPECT_EQ(t.labels.at("app.kubernetes.io/part-of"), "ztp-prem");
  EXPECT_EQ(t.labels.at("ztp-prem.tlsstress.art/node"), "worker-1");
  // A node name longer than a label value allows keeps its ConfigMap, not the label.
  const Produced long_name = produce(cc_doc(std::string(70, 'n')));
  EXPECT_EQ(configmap_target(long_name.view(), {"ns", "m"}).labels.count(k_node_label), 0u);
}

}  // namespace
}  // namespace ztp::publish
