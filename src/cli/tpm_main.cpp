#include "cli/tpm_main.h"

#include <sys/stat.h>
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "attest/node_client.h"
#include "attest/sealed_cache.h"
#include "cli/probe_cli.h"
#include "common/cli_values.h"
#include "common/command_line.h"
#include "common/posix_file.h"
#include "esapi/attestation.h"
#include "esapi/esapi_session.h"
#include "tpmquote/quote_verify.h"

namespace ztp::cli {
namespace {

constexpr const char* k_name = "ztp-prem-tpm ak";

int fault(std::ostream& err, const Error& error) {
  err << k_name << ": " << error.message << "\n";
  return error.kind == ErrorKind::bad_input ? k_exit_usage : k_exit_internal;
}

constexpr const char* k_attest_name = "ztp-prem-tpm attest";
// A year and a day: the sealed copy is the revocation delay (docs/attest.md "Threat model").
constexpr std::chrono::seconds k_max_cache_ttl = std::chrono::hours(24 * 366);

int attest_fault(std::ostream& err, const Error& error) {
  err << k_attest_name << ": " << error.message << "\n";
  return error.kind == ErrorKind::bad_input ? k_exit_usage : k_exit_internal;
}

// The released secret: 0600, replaced atomically, and never over an existing file
// unless --force (a node must not silently lose the key it had).
Result<void> refuse_existing(const std::string& out_path, bool force) {
  struct stat st {};
  if (!force && ::lstat(out_path.c_str(), &st) == 0) {
    return fail(ErrorKind::bad_input, "'" + out_path + "' exists (use --force to replace it)");
  }
  return {};
}

Result<void> write_secret(const std::string& out_path, std::string_view secret, bool force) {
  ZTP_TRY_VOID(refuse_existing(out_path, force));
  const std::filesystem::path path(out_path);
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  return write_file_atomic(dir, path.filename().string(), secret, 0600);
}

struct AttestFlags {
  attest::NodeOptions node;
  std::string ca_file;
  std::string out_path;
  std::string cache_path;  // empty: <out>.sealed
  std::string cache_ttl = "24h";
  bool no_cache = false;
  bool force = false;
  long timeout_ms = 10000;
};

void add_attest_options(CLI::App& app, AttestFlags& f) {
  attest::NodeOptions& o = f.node;
  app.add_option("--verifier", o.verifier, "https://HOST:PORT of ztp-prem-attest serve")
      ->required();
  app.add_option("--ca", f.ca_file, "PEM CA bundle the verifier's certificate must chain to")
      ->required();
  app.add_option("--tcti", o.tcti, "The TPM: device:/dev/tpmrmN or swtpm:host=H,port=N")
      ->required();
  app.add_option("--node", o.node, "This node's name (as registered)")->required();
  app.add_option("--group", o.group, "The node's group (used when registering)")->required();
  app.add_option("--secret", o.secret, "Name of the secret to release")->required();
  app.add_option("--out", f.out_path, "File to write the secret to (0600)")->required();
  app.add_flag("--force", f.force, "Replace --out if it exists");
  app.add_option("--cache", f.cache_path,
                 "Sealed cache file (default: --out with .sealed appended; keep it on "
                 "persistent storage)");
  app.add_option("--cache-ttl", f.cache_ttl,
                 "How long (TPM clock) the sealed cache opens without the verifier: 90s, 30m, "
                 "24h, 7d (at most 366d)")
      ->check([](const std::string& text) {
        return parse_duration(text, k_max_cache_ttl) ? std::string()
                                                     : "--cache-ttl: not a duration up to 366d";
      })
      ->capture_default_str();
  app.add_flag("--no-cache", f.no_cache, "Neither use nor write the sealed cache");
  app.add_option("--timeout-ms", f.timeout_ms, "Per HTTPS request, connect to last byte")
      ->capture_default_str()
      ->check(CLI::Range(100L, 600000L));
}

// A cached secret, when the sealed cache opens in this boot state before its expiry; a
// line on stderr says why not otherwise (the node then asks the verifier).
std::optional<std::string> from_cache(esapi::Session& tpm, const AttestFlags& f,
                                      std::ostream& err) {
  auto read = attest::read_sealed_cache(tpm, f.cache_path, f.node.secret);
  if (!read) {
    err << k_attest_name << ": sealed cache not used: " << read.error().message << "\n";
    return std::nullopt;
  }
  if (!*read) {
    err << k_attest_name << ": sealed cache not used: " << attest::describe(read->error())
        << "; asking the verifier\n";
    return std::nullopt;
  }
  err << k_attest_name << ": unsealed from the sealed cache (expires in "
      << (*read)->remaining_ms / 1000 << " s of TPM clock)\n";
  return std::move((*read)->secret);
}

// The flags checked and completed before the TPM is opened: defaults, the verifier's URL,
// its CA bundle, and an --out that would be overwritten.
Result<void> complete_attest_flags(AttestFlags& f) {
  attest::NodeOptions& o = f.node;
  o.timeout = std::chrono::milliseconds(f.timeout_ms);
  if (f.cache_path.empty()) {
    f.cache_path = f.out_path + ".sealed";
  }
  if (!f.no_cache && std::filesystem::path(f.cache_path).lexically_normal() ==
                         std::filesystem::path(f.out_path).lexically_normal()) {
    return fail(ErrorKind::bad_input, "--cache must not be --out");
  }
  ZTP_TRY(url, attest::parse_verifier_url(o.verifier));  // before any cache use
  ZTP_TRY(ca, read_local_file(f.ca_file, 1024 * 1024));
  o.ca_pem = std::move(*ca);
  return refuse_existing(f.out_path, f.force);
}

// One round with the verifier; the released secret goes to --out and, unless --no-cache,
// a copy sealed to this TPM and boot state to the cache.
int release_from_verifier(esapi::Session& tpm, const AttestFlags& f, std::ostream& err) {
  const attest::NodeOptions& o = f.node;
  auto result = attest::attest_node(o, tpm);
  if (!result) {
    return attest_fault(err, result.error());
  }
  if (!*result) {
    err << k_attest_name << ": refused: " << result->error().code << ": " << result->error().reason
        << "\n";
    return k_exit_refused;
  }
  if (auto ok = write_secret(f.out_path, **result, f.force); !ok) {
    return attest_fault(err, ok.error());
  }
  err << k_attest_name << ": released; wrote secret " << o.secret << " to '" << f.out_path << "'\n";
  if (f.no_cache) {
    return k_exit_ok;
  }
  // The release stands even when the copy cannot be sealed: say so and exit 0.
  if (auto ok = attest::write_sealed_cache(tpm, f.cache_path, o.secret, **result,
                                           *parse_duration(f.cache_ttl, k_max_cache_ttl));
      !ok) {
    err << k_attest_name << ": warning: sealed cache not written: " << ok.error().message << "\n";
  } else {
    err << k_attest_name << ": sealed a copy to this TPM and boot state in '" << f.cache_path
        << "'\n";
  }
  return k_exit_ok;
}

}  // namespace

int run_attest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Prove this node's boot state to the verifier with a TPM quote and write the secret it "
      "releases (registers this TPM first when the verifier does not know the node); keep a "
      "copy sealed to this TPM and boot state, used without the verifier until it expires.",
      k_attest_name};
  AttestFlags f;
  add_attest_options(app, f);
  if (const auto done = parse_command_line(app, args, k_attest_name, out, err)) {
    return *done;
  }
  if (auto ok = complete_attest_flags(f); !ok) {
    return attest_fault(err, ok.error());
  }
  auto tpm = esapi::Session::open(f.node.tcti);
  if (!tpm) {
    return attest_fault(err, tpm.error());
  }
  if (!f.no_cache) {
    if (auto cached = from_cache(*tpm, f, err)) {
      if (auto ok = write_secret(f.out_path, *cached, f.force); !ok) {
        return attest_fault(err, ok.error());
      }
      err << k_attest_name << ": wrote secret " << f.node.secret << " to '" << f.out_path
          << "' (verifier not contacted)\n";
      return k_exit_ok;
    }
  }
  return release_from_verifier(*tpm, f, err);
}

int run_ak(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Write the attestation key's public area (the AK file `ztp-prem-audit verify --ak` "
      "takes). The AK is derived from the TPM's owner seed: the same key every boot.",
      k_name};
  std::string tcti;
  std::string out_path;
  app.add_option("--tcti", tcti, "The TPM: device:/dev/tpmrmN or swtpm:host=H,port=N")->required();
  app.add_option("--out", out_path, "AK file to write (copy it off the node)")->required();
  if (const auto done = parse_command_line(app, args, k_name, out, err)) {
    return *done;
  }
  auto session = esapi::Session::open(tcti);
  if (!session) {
    return fault(err, session.error());
  }
  auto pub = esapi::attestation_key_public(*session);
  if (!pub) {
    return fault(err, pub.error());
  }
  auto ak = tpmquote::ak_from_public(*pub);
  if (!ak) {
    return fault(err, ak.error());
  }
  const std::filesystem::path path(out_path);
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  if (auto ok = write_file_atomic(dir, path.filename().string(), tpmquote::ak_file_text(*ak));
      !ok) {
    return fault(err, ok.error());
  }
  // The AK identifies this TPM: it goes to the file only, never to stdout or a log.
  err << k_name << ": wrote the AK public area to '" << out_path
      << "'. Copy it to where audit logs are verified and delete it from this node.\n";
  return k_exit_ok;
}

int tpm_main(int argc, char** argv) {
  // tpm2-tss logs WARNING/ERROR lines of its own on stderr, which would break the agent's
  // JSON lines; each failure reaches our log as an error value instead. An operator's own
  // TSS2_LOG still wins (tpm2-tss doc/logging.md).
  (void)::setenv("TSS2_LOG", "all+NONE", 0);
  if (argc > 1 && std::string_view(argv[1]) == "ak") {
    try {
      return run_ak(std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
    } catch (const std::exception& e) {
      std::cerr << k_name << ": internal error: " << e.what() << "\n";
      return k_exit_internal;
    }
  }
  if (argc > 1 && std::string_view(argv[1]) == "attest") {
    try {
      return run_attest(std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
    } catch (const std::exception& e) {
      std::cerr << k_attest_name << ": internal error: " << e.what() << "\n";
      return k_exit_internal;
    }
  }
  return probe_main(argc, argv, tpm_probe());
}

}  // namespace ztp::cli
