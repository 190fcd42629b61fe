// File: tests/support/sitod_child.hpp
//
// The sitod binary as a child process, for the tests that need a real one
// (kill -9 is real, signals reach it): started with its stderr in a log
// file and only its own descriptors (none of the test's client sockets),
// awaited until it logs "sitod listening", then killed, signalled or
// stopped.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace sito::testing {

class sitod_child {
 public:
  sitod_child(std::string binary, std::filesystem::path config)
      : binary_(std::move(binary)), config_(std::move(config)) {}
  ~sitod_child() { kill9(); }
  sitod_child(const sitod_child&) = delete;
  sitod_child& operator=(const sitod_child&) = delete;

  /// Starts sitod with its stderr in `log` and waits up to a minute (a
  /// ThreadSanitizer build takes about 15 s to load the morphology) for its
  /// "sitod listening" line; false when it died on the way or never said it.
  bool start(const std::filesystem::path& log) {
    kill9();
    const pid_t pid = ::fork();
    if (pid == 0) {  // only async-signal-safe calls between fork and exec (the parent has threads)
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || ::dup2(fd, 2) < 0) std::_Exit(126);
      ::close_range(3, ~0U, 0);  // not the test's client sockets: sitod's descriptors are its own
      ::execl(binary_.c_str(), "sitod", "--config", config_.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    pid_ = pid;
    for (int i = 0; i < 1200; ++i) {
      if (int st = 0; ::waitpid(pid_, &st, WNOHANG) == pid_) {  // died on the way up: no use waiting
        pid_ = -1;
        return false;
      }
      std::ifstream in(log);
      std::string line;
      while (std::getline(in, line)) {
        // The line may still be half written: take it only once it is complete.
        if (line.find("sitod listening") == std::string::npos || line.empty() || line.back() != '}') continue;
        port_ = number_after(line, "\"port\":");
        http_port_ = number_after(line, "\"http_port\":");
        return port_ != 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  uint16_t port() const { return port_; }            ///< from the listening line
  uint16_t http_port() const { return http_port_; }  ///< 0 when HTTP is off
  pid_t pid() const { return pid_; }                   ///< -1 when not running
  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  void kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  /// SIGTERM and the wait; whether it exited with status 0.
  bool terminate() {
    if (pid_ <= 0) return false;
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }

 private:
  static uint16_t number_after(const std::string& line, const std::string& key) {
    const size_t at = line.find(key);
    if (at == std::string::npos) return 0;
    const unsigned long v = std::strtoul(line.c_str() + at + key.size(), nullptr, 10);
    return v < 65536 ? static_cast<uint16_t>(v) : 0;
  }

  std::string binary_;
  std::filesystem::path config_;
  pid_t pid_ = -1;
  uint16_t port_ = 0, http_port_ = 0;
};

}  // namespace sito::testing
