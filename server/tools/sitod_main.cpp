#include <unistd.h>

#include <cstdlib>
// sitod: the sito appliance server.
//   sitod --config sitod.yaml [--listen HOST:PORT] [--http HOST:PORT] [--data-dir DIR]
//   sitod --version            prints `sitod <version>` (the project's version)
// Logs are JSON lines on stderr; secrets are never logged. SIGINT/SIGTERM
// stop it gracefully: no new connections, acknowledged posts are matched,
// sessions closed. SIGHUP reloads the config (sitod::reload).
#include <CLI/CLI.hpp>

#include "sito/server/json_log.hpp"

#include <csignal>
#include <fstream>

#include "default_config.hpp"
#include "sito/server/server.hpp"

int main(int argc, char** argv) {
  // Tesseract (the OCR lane) runs OpenMP inside each engine; sitod
  // parallelizes over images instead, and libgomp reads its thread cap only
  // when it loads: set it and start again, once. An operator's own
  // OMP_THREAD_LIMIT is kept.
  if (!std::getenv("OMP_THREAD_LIMIT")) {
    ::setenv("OMP_THREAD_LIMIT", "1", 1);
    ::execv("/proc/self/exe", argv);  // returns only on failure: run on with OpenMP's default
  }
  CLI::App app{"sitod: the sito matching appliance server"};
  app.set_version_flag("--version", "sitod " SITO_VERSION);  // SITO_VERSION: server/CMakeLists.txt
  std::string config_path, listen, http, data_dir;
  app.add_option("--config", config_path, "YAML config (default: the embedded sample configuration)");
  app.add_option("--listen", listen, "protocol listener, HOST:PORT (overrides the config)");
  app.add_option("--http", http, "metrics and health listener, HOST:PORT (overrides the config)");
  app.add_option("--data-dir", data_dir, "where the post and mention logs live (overrides the config)");
  CLI11_PARSE(app, argc, argv);

  // Without --config: the embedded default (ops/sample/sitod.yaml): loopback
  // only, the sample tenant and its demo tokens. Fine to try sito out; a
  // deployment passes its own config with its own tokens. The command line
  // overrides the config, at start and at every reload.
  auto load = [&]() -> sito::result<sito::server::server_config> {
    sito::result<sito::server::server_config> cfg =
        config_path.empty() ? sito::server::parse_config(sito::server::default_config_yaml, "embedded default config")
                            : sito::server::load_config(config_path);
    if (!cfg.ok()) return cfg;
    if (config_path.empty())
      for (auto& t : cfg->tenants)
        if (!t.topics_file.empty() && !std::ifstream(t.topics_file)) t.topics_file.clear();  // outside the source tree
    std::string overrides;
    if (!listen.empty()) overrides += "listen: \"" + listen + "\"\n";
    if (!http.empty()) overrides += "http: \"" + http + "\"\n";
    if (!overrides.empty()) {
      auto o = sito::server::parse_config(overrides, "command line");
      if (!o.ok()) return o.error();
      if (!listen.empty()) { cfg->listen_host = o->listen_host; cfg->listen_port = o->listen_port; }
      if (!http.empty()) { cfg->http_host = o->http_host; cfg->http_port = o->http_port; }
    }
    if (!data_dir.empty()) cfg->data_dir = data_dir;
    return cfg;
  };
  sito::result<sito::server::server_config> cfg = load();
  if (!cfg.ok()) {
    sito::server::log_error("bad config").with("error", cfg.error().message());
    return 2;
  }
  if (config_path.empty())
    sito::server::log_warning("no --config: running the embedded default (loopback, sample tenant with demo tokens)");

  // Block the signals in every thread; main waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = sito::server::sitod::create(*cfg);
  if (!server.ok()) {
    sito::server::log_error("cannot start").with("error", server.error().message());
    return 1;
  }
  if (auto st = (*server)->start(); !st.ok()) {
    sito::server::log_error("cannot listen").with("error", st.message());
    return 1;
  }
  sito::server::log_info("sitod listening")
      .with("port", (*server)->port())
      .with("http_port", (*server)->http_port())
      .with("data_dir", cfg->data_dir)
      .with("tenants", cfg->tenants.size());
  int sig = 0;
  // SIGHUP reloads the config file: tenants, tokens, rate and connection
  // limits change in place (sitod::reload); a file that does not parse or
  // validate is refused with its reason and the running config stays.
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    auto next = load();
    if (!next.ok()) {
      sito::server::log_error("config reload refused: the running config stays").with("error", next.error().message());
      continue;
    }
    (void)(*server)->reload(*next);  // logs what it applied and what needs a restart
  }
  sito::server::log_info("stopping").with("signal", sig);
  (*server)->stop();
  sito::server::log_info("stopped");
  return 0;
}
