#include "tests/support/canned_connection.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace voip::testing {
namespace {

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;  // well within a socketpair's buffer

std::string_view next_answer;
std::vector<int> backend_ends;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "canned_connection: %s\n", what);
  std::abort();
}

}  // namespace

void SetNextAnswer(std::string_view answer) {
  if (answer.size() > kMaxAnswerBytes) Fail("answer larger than 64 KiB");
  next_answer = answer;
}

int ConnectToCannedAnswer(struct soap*, const char*, const char*, int) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) Fail("socketpair failed (descriptors leaked?)");
  if (::fcntl(ends[1], F_SETFL, O_NONBLOCK) != 0) Fail("fcntl failed");
  std::size_t sent = 0;
  while (sent < next_answer.size()) {
    const ssize_t n = ::write(ends[1], next_answer.data() + sent, next_answer.size() - sent);
    if (n <= 0) Fail("the answer does not fit the socketpair's buffer");
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(ends[1], SHUT_WR);
  backend_ends.push_back(ends[1]);
  return ends[0];
}

void CloseCannedConnections() {
  for (int end : backend_ends) ::close(end);
  backend_ends.clear();
}

}  // namespace voip::testing
