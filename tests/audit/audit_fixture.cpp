#include "audit_fixture.h"

#include <fstream>
#include <sstream>

#include "audit/key_state.h"
#include "audit/segments.h"

namespace ztp::audit::testing {

std::string LogFixture::segment_file(int index) {
  return segment_name(static_cast<std::uint64_t>(index));
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> LogFixture::lines(int index) const {
  std::vector<std::string> out;
  std::istringstream in(read_text(segment(index)));
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

void LogFixture::write_lines(const std::vector<std::string>& lines, int index) const {
  std::string text;
  for (const auto& line : lines) {
    text += line + "\n";
  }
  write_text(segment(index), text);
}

Bytes32 LogFixture::steal_key() const {
  auto state = KeyState::open(m_dir / KeyState::k_file_name);
  EXPECT_TRUE(state) << (state ? "" : state.error().message);
  return state ? state->key() : Bytes32{};
}

std::string forge(Record record, const Bytes32& key) {
  record.hash = compute_hash(record).value();
  record.seal = hmac_sha256(key, std::string_view(reinterpret_cast<const char*>(record.hash.data()),
                                                  record.hash.size()))
                    .value();
  return to_line(record);
}

Record parse(const std::string& line) {
  auto r = parse_record(line);
  EXPECT_TRUE(r) << (r ? "" : r.error().message) << ": " << line;
  return r.value_or(Record{});
}

Witness witness_of(const AuditHead& head) { return Witness{head.seq, head.hash}; }

}  // namespace ztp::audit::testing
