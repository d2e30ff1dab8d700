#include "publish/file_sinks.h"

#include <ostream>

#include "common/posix_file.h"
#include "report/document.h"

namespace ztp::publish {
namespace {

// NFD's local source skips a feature file larger than this whole
// (node-feature-discovery source/local/local.go, maxFeatureFileSize).
constexpr std::size_t k_nfd_max_file_size = 65536;

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}
bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Result<void> require_dir(const std::filesystem::path& dir, std::string_view flag) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorKind::bad_input,
                std::string(flag) + " '" + dir.string() + "' is not an existing directory");
  }
  return {};
}

void add_features(std::string& out, const std::string& path, const nlohmann::ordered_json& v) {
  auto line = [&](const std::string& name, const std::string& value) {
    if (valid_label_name(name) && valid_label_value(value)) {
      out += std::string(k_nfd_label_prefix) + "/" + name + "=" + value + "\n";
    }
  };
  if (v.is_object()) {
    for (const auto& [key, item] : v.items()) {
      add_features(out, path + "." + key, item);
    }
  } else if (v.is_array()) {
    for (const auto& item : v) {
      if (item.is_string()) {
        line(path + "." + item.get<std::string>(), "true");
      }
    }
  } else if (v.is_string()) {
    line(path, v.get<std::string>());
  } else if (v.is_boolean()) {
    line(path, v.get<bool>() ? "true" : "false");
  } else if (v.is_number_integer()) {
    line(path, v.dump());
  }
}

}  // namespace

bool valid_label_value(std::string_view v) {
  if (v.empty()) {
    return true;
  }
  if (v.size() > 63 || !alnum(v.front()) || !alnum(v.back())) {
    return false;
  }
  for (const char c : v) {
    if (!label_char(c)) {
      return false;
    }
  }
  return true;
}

bool valid_label_name(std::string_view v) { return !v.empty() && valid_label_value(v); }

Sink stdout_sink(std::ostream& out) {
  return Sink{"stdout", [&out](const Publication& p) -> Outcome {
                out << p.json;
                out.flush();
                if (!out) {
                  return tl::unexpected(Failure{"cannot write to stdout", std::nullopt});
                }
                return {};
              }};
}

std::string dir_file_name(const Publication& p) {
  return p.doc.envelope.node + "." + p.key + ".json";
}

Result<Sink> dir_sink(const std::filesystem::path& dir) {
  if (auto ok = require_dir(dir, "--publish dir:"); !ok) {
    return tl::unexpected(ok.error());
  }
  return Sink{"dir", [dir, cleaned = false](const Publication& p) mutable -> Outcome {
                const std::string name = dir_file_name(p);
                if (!cleaned) {
                  remove_stale_temp_files(dir, name);
                  cleaned = true;
                }
                if (auto ok = write_file_atomic(dir, name, p.json); !ok) {
                  return tl::unexpected(Failure{ok.error().message, std::nullopt});
                }
                return {};
              }};
}

std::string nfd_feature_file(const Publication& p, std::chrono::system_clock::time_point expires) {
  std::string out = "# Written by " + p.doc.envelope.probe.name + " from its " +
                    p.doc.envelope.kind + " document; replaced by atomic rename.\n";
  out += "# +expiry-time=" + report::format_rfc3339(expires) + "\n";
  add_features(out, p.key, p.doc.body);
  return out;
}

Result<Sink> nfd_sink(const std::filesystem::path& dir, std::chrono::seconds expiry_after) {
  if (auto ok = require_dir(dir, "--nfd-features-dir"); !ok) {
    return tl::unexpected(ok.error());
  }
  return Sink{
      "nfd", [dir, expiry_after, cleaned = false](const Publication& p) mutable -> Outcome {
        const std::string name = "ztp-prem-" + p.key;
        if (!cleaned) {
          remove_stale_temp_files(dir, name);
          cleaned = true;
        }
        const std::string content = nfd_feature_file(p, p.doc.envelope.generated_at + expiry_after);
        if (content.size() > k_nfd_max_file_size) {
          return tl::unexpected(Failure{"feature file exceeds NFD's 64 KiB limit", std::nullopt});
        }
        if (auto ok = write_file_atomic(dir, name, content); !ok) {
          return tl::unexpected(Failure{ok.error().message, std::nullopt});
        }
        return {};
      }};
}

}  // namespace ztp::publish
