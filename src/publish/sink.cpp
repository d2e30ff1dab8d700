#include "publish/sink.h"

#include "report/digest.h"

namespace ztp::publish {

std::string publish_key(std::string_view kind) {
  constexpr std::string_view k_suffix = "Status";
  if (kind.size() > k_suffix.size() && kind.substr(kind.size() - k_suffix.size()) == k_suffix) {
    kind.remove_suffix(k_suffix.size());
  }
  std::string key;
  for (const char c : kind) {
    key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return key;
}

Produced produce(report::Document doc) {
  Produced p{std::move(doc), {}, {}, {}};
  p.json = report::render_json(p.doc);
  // Fails only if OpenSSL cannot allocate: an internal fault, reported at the top level.
  p.digest = report::content_digest(p.doc).value();
  p.key = publish_key(p.doc.envelope.kind);
  return p;
}

}  // namespace ztp::publish
