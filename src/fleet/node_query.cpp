#include "fleet/node_query.h"

#include <array>
#include <charconv>
#include <functional>

#include "fleet/render.h"
#include "fleet/vocabulary.h"

namespace ztp::fleet {

namespace {

constexpr std::array<std::string_view, 12> k_params = {"mode",  "family",   "readiness", "missing",
                                                       "stale", "attested", "wave",      "q",
                                                       "sort",  "limit",    "continue",  "v"};
// "v" is accepted and ignored: a cache-busting parameter a page may add.

tl::unexpected<Error> bad(std::string message) {
  return fail(ErrorKind::bad_input, std::move(message));
}

std::optional<std::size_t> parse_size(std::string_view s) {
  std::size_t value = 0;
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (ec != std::errc{} || ptr != end || s.empty()) {
    return std::nullopt;
  }
  return value;
}

// The filters and the sort, in one string: a continue token is only good for the query
// that produced it.
std::string query_identity(const NodeQuery& q) {
  std::string id;
  const auto add = [&](std::string_view part) {
    id += part;
    id += '\x1f';  // ASCII unit separator: cannot occur in validated values
  };
  add(q.mode ? k_modes[static_cast<std::size_t>(*q.mode)] : "");
  add(q.family ? k_families[static_cast<std::size_t>(*q.family)] : "");
  add(q.readiness ? k_readiness[static_cast<std::size_t>(*q.readiness)] : "");
  add(q.missing_part ? k_missing_parts[static_cast<std::size_t>(*q.missing_part)] : "");
  add(q.stale ? (*q.stale ? "t" : "f") : "");
  add(q.attestation ? std::to_string(*q.attestation) : "");
  add(q.wave.value_or(""));
  add(q.name_contains);
  add(std::to_string(static_cast<int>(q.sort)) + (q.descending ? "-" : "+"));
  return id;
}

std::string hex(std::size_t value) {
  std::array<char, 2 * sizeof(std::size_t)> buf{};
  const auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, 16);
  (void)ec;  // the buffer holds any size_t in hex
  return std::string(buf.data(), ptr);
}

// "<offset>.<hash of the query>": opaque to clients, checked on the way back.
std::string make_token(const NodeQuery& q, std::size_t offset) {
  return std::to_string(offset) + "." + hex(std::hash<std::string>{}(query_identity(q)));
}

Result<std::size_t> read_token(const NodeQuery& q, std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) {
    return bad("continue: not a token this service issued");
  }
  const auto offset = parse_size(token.substr(0, dot));
  if (!offset || token.substr(dot + 1) != hex(std::hash<std::string>{}(query_identity(q)))) {
    return bad("continue: token belongs to a different query");
  }
  return *offset;
}

template <std::size_t N>
Result<int> vocabulary_value(const std::array<std::string_view, N>& words, std::string_view name,
                             std::string_view value) {
  const auto index = index_of(words, value);
  if (!index) {
    std::string allowed;
    for (const auto w : words) {
      allowed += allowed.empty() ? "" : " ";
      allowed += w;
    }
    return bad(std::string(name) + ": must be one of " + allowed);
  }
  return *index;
}

bool matches(const Row& row, const NodeQuery& q) {
  return (!q.mode || row.mode == *q.mode) && (!q.family || row.family == *q.family) &&
         (!q.readiness || row.readiness == *q.readiness) &&
         (!q.missing_part || ((row.missing_parts >> *q.missing_part) & 1U) != 0) &&
         (!q.stale || row.stale == *q.stale) &&
         (!q.attestation || row.attestation == *q.attestation) &&
         (!q.wave || row.wave == *q.wave) &&
         (q.name_contains.empty() || row.name.find(q.name_contains) != std::string::npos);
}

}  // namespace

namespace {

// A vocabulary filter (mode, family, readiness, missing) into its slot of the query.
template <std::size_t N>
Result<void> set_word(const std::array<std::string_view, N>& words, std::string_view name,
                      std::string_view value, std::optional<int>& slot) {
  auto v = vocabulary_value(words, name, value);
  if (!v) {
    return tl::unexpected(v.error());
  }
  slot = *v;
  return {};
}

Result<void> set_sort(std::string_view value, NodeQuery& q) {
  constexpr std::array<std::pair<std::string_view, SortKey>, 5> k_sorts = {{
      {"name", SortKey::name},
      {"mode", SortKey::mode},
      {"family", SortKey::family},
      {"readiness", SortKey::readiness},
      {"lastSeen", SortKey::last_seen},
  }};
  std::string_view key = value;
  if (key == "-name" || key == "-lastSeen") {
    q.descending = true;
    key.remove_prefix(1);
  }
  for (const auto& [word, sort] : k_sorts) {
    if (word == key) {
      q.sort = sort;
      return {};
    }
  }
  return bad("sort: must be one of name -name mode family readiness lastSeen -lastSeen");
}

// One known parameter into the query; "continue" is only kept (read once all are known).
Result<void> set_param(const std::string& name, const std::string& value, NodeQuery& q,
                       std::optional<std::string>& token) {
  if (name == "mode") {
    return set_word(k_modes, name, value, q.mode);
  }
  if (name == "family") {
    return set_word(k_families, name, value, q.family);
  }
  if (name == "readiness") {
    return set_word(k_readiness, name, value, q.readiness);
  }
  if (name == "missing") {
    return set_word(k_missing_parts, name, value, q.missing_part);
  }
  if (name == "stale") {
    if (value != "true" && value != "false") {
      return bad("stale: must be true or false");
    }
    q.stale = value == "true";
  } else if (name == "attested") {
    if (value != "true" && value != "false" && value != "none") {
      return bad("attested: must be true, false or none");
    }
    q.attestation = value == "true" ? 1 : value == "false" ? 0 : -1;
  } else if (name == "wave") {
    q.wave = value;
  } else if (name == "q") {
    q.name_contains = value;
  } else if (name == "sort") {
    return set_sort(value, q);
  } else if (name == "limit") {
    const auto limit = parse_size(value);
    if (!limit || *limit < 1 || *limit > k_max_limit) {
      return bad("limit: must be an integer from 1 to 1000");
    }
    q.limit = *limit;
  } else if (name == "continue") {
    token = value;
  }
  return {};
}

}  // namespace

Result<NodeQuery> parse_node_query(const QueryParams& params) {
  NodeQuery q;
  std::optional<std::string> token;
  for (const auto& [name, value] : params) {
    if (!index_of(k_params, name)) {
      return bad(
          "unknown query parameter (allowed: mode family readiness missing stale attested wave "
          "q sort limit continue)");
    }
    if (params.count(name) > 1) {
      return bad(name + ": given more than once");
    }
    if (auto ok = set_param(name, value, q, token); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  if (token && !token->empty()) {
    auto offset = read_token(q, *token);
    if (!offset) {
      return tl::unexpected(offset.error());
    }
    q.offset = *offset;
  }
  return q;
}

NodePageWriter::NodePageWriter(std::shared_ptr<const Snapshot> snapshot, NodeQuery query)
    : m_snapshot(std::move(snapshot)), m_query(std::move(query)) {}

bool NodePageWriter::next(std::string& out) {
  const Snapshot& snap = *m_snapshot;
  const auto& order = snap.order[static_cast<std::size_t>(m_query.sort)];
  const std::size_t n = snap.rows.size();
  const std::size_t first = m_query.offset;
  const std::size_t end = m_query.offset + m_query.limit;
  const std::size_t start_size = out.size();
  if (!m_started) {
    out += R"({"items":[)";
    m_started = true;
  }
  // Past the page only counting is left: that runs to the end in this part.
  while (m_pos < n && (out.size() - start_size < k_part_bytes || m_total >= end)) {
    const std::size_t pos = m_query.descending ? n - 1 - m_pos : m_pos;
    const Row& row = snap.rows[order.empty() ? pos : order[pos]];
    ++m_pos;
    if (!matches(row, m_query)) {
      continue;
    }
    if (m_total >= first && m_total < end) {
      if (m_total > first) {
        out += ',';
      }
      out += row_json(row).dump();
    }
    ++m_total;
  }
  if (m_pos < n) {
    return true;
  }
  const std::size_t next_offset = m_query.offset + m_query.limit;
  out += R"(],"total":)" + std::to_string(m_total) + R"(,"continue":)" +
         (next_offset < m_total ? nlohmann::json(make_token(m_query, next_offset)).dump()
                                : std::string("null")) +
         R"(,"revision":)" + std::to_string(snap.revision) + "}";
  return false;
}

nlohmann::ordered_json run_node_query(const Snapshot& snapshot, const NodeQuery& query) {
  // One writer for both, so the streamed and the whole answer cannot differ. The
  // snapshot is borrowed, not shared (an aliasing pointer that owns nothing).
  NodePageWriter writer(std::shared_ptr<const Snapshot>(std::shared_ptr<void>(), &snapshot), query);
  std::string text;
  while (writer.next(text)) {
  }
  return nlohmann::ordered_json::parse(text);
}

}  // namespace ztp::fleet
