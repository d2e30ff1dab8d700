#include "http/request_text.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace ztp::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool is_ipv4_literal(std::string_view host) {
  // Four decimal octets (RFC 3986 3.2.2 IPv4address).
  int parts = 0;
  std::size_t i = 0;
  while (i <= host.size()) {
    std::size_t digits = 0;
    int value = 0;
    while (i < host.size() && host[i] >= '0' && host[i] <= '9' && digits < 3) {
      value = value * 10 + (host[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || value > 255) {
      return false;
    }
    ++parts;
    if (i == host.size()) {
      break;
    }
    if (host[i] != '.' || parts == 4) {
      return false;
    }
    ++i;
  }
  return parts == 4;
}

bool is_ipv6_literal(std::string_view host) {
  // "[...]" of hex digits, colons and dots (an embedded IPv4); at least two colons.
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') {
    return false;
  }
  const std::string_view inner = host.substr(1, host.size() - 2);
  const bool chars_ok = std::all_of(
      inner.begin(), inner.end(), [](char c) { return hex_value(c) >= 0 || c == ':' || c == '.'; });
  return chars_ok && std::count(inner.begin(), inner.end(), ':') >= 2;
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return fail(ErrorKind::bad_input, "malformed percent-encoding");
      }
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') {
        return fail(ErrorKind::bad_input, "percent-encoded NUL");
      }
      out += decoded;
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<QueryParams> parse_query(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) {
      continue;
    }
    const auto eq = piece.find('=');
    auto name = percent_decode(piece.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? "" : piece.substr(eq + 1), true);
    if (!name || !value) {
      return fail(ErrorKind::bad_input, "query: malformed percent-encoding");
    }
    params.emplace(std::move(*name), std::move(*value));
  }
  return params;
}

Result<Target> split_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return fail(ErrorKind::bad_input, "request target is not a path (origin-form)");
  }
  const auto question = target.find('?');
  auto path = percent_decode(target.substr(0, question), false);
  if (!path) {
    return fail(ErrorKind::bad_input, "path: " + path.error().message);
  }
  Target out;
  out.path = std::move(*path);
  if (question != std::string_view::npos) {
    out.query = std::string(target.substr(question + 1));
  }
  return out;
}

std::optional<std::string> host_of(std::string_view value) {
  // OWS around the field value is not part of it (RFC 9110 5.5).
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  std::string_view host = value;
  std::string_view port;
  if (value.starts_with('[')) {
    const auto close = value.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = value.substr(0, close + 1);
    port = value.substr(close + 1);
    if (!port.empty() && !port.starts_with(':')) {
      return std::nullopt;
    }
  } else if (const auto colon = value.find(':'); colon != std::string_view::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon);
  }
  if (!port.empty()) {
    port.remove_prefix(1);
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
  }
  if (host.ends_with('.')) {
    host.remove_suffix(1);
  }
  if (host.empty()) {
    return std::nullopt;
  }
  const bool bracketed = host.starts_with('[');
  // reg-name characters (RFC 3986 3.2.2) that a DNS name or an IP literal uses.
  const bool chars_ok = std::all_of(host.begin(), host.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
           (bracketed && (c == ':' || c == '[' || c == ']'));
  });
  if (!chars_ok) {
    return std::nullopt;
  }
  return lowercase(host);
}

HostAllowList::HostAllowList(std::string_view listen_host, const std::vector<std::string>& names) {
  m_names = {"localhost", "127.0.0.1", "[::1]"};
  const bool v6 = listen_host.find(':') != std::string_view::npos && !listen_host.starts_with('[');
  if (auto host = host_of(v6 ? "[" + std::string(listen_host) + "]" : std::string(listen_host))) {
    m_names.insert(std::move(*host));
  }
  for (const auto& name : names) {
    if (auto host = host_of(name)) {
      m_names.insert(std::move(*host));
    }
  }
}

bool HostAllowList::allows(std::string_view host_header) const {
  const auto host = host_of(host_header);
  if (!host) {
    return false;
  }
  return m_names.contains(*host) || is_ipv4_literal(*host) || is_ipv6_literal(*host);
}

bool bearer_matches(std::string_view authorization, std::string_view expected) {
  constexpr std::string_view k_scheme = "bearer";
  if (authorization.size() <= k_scheme.size() || expected.empty() ||
      lowercase(authorization.substr(0, k_scheme.size())) != k_scheme ||
      authorization[k_scheme.size()] != ' ') {
    return false;
  }
  std::string_view given = authorization.substr(k_scheme.size());
  while (given.starts_with(' ')) {
    given.remove_prefix(1);
  }
  // Constant-time compare (OpenSSL CRYPTO_memcmp) so timing does not reveal the token.
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace ztp::http
