// A backend call whose socket's descriptor is above 1024, the most select()
// can watch: gSOAP's runtime, built here (generated/README.md, "The gSOAP
// runtime"), waits for its sockets with poll().
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "adapter/soap/work_order_client.h"
#include "sim/simulators.h"
#include "tests/support/backend_calls.h"
#include "tests/support/results.h"

namespace voip {
namespace {

constexpr int kDescriptorsToOpen = 1100;
constexpr rlim_t kDescriptorLimit = 4096;

// Descriptors held open for the test's lifetime, closed by the destructor.
class OpenDescriptors {
 public:
  OpenDescriptors() = default;
  OpenDescriptors(const OpenDescriptors&) = delete;
  OpenDescriptors& operator=(const OpenDescriptors&) = delete;
  ~OpenDescriptors() {
    for (const int fd : fds_) ::close(fd);
  }

  // Opens `count` descriptors on /dev/null; false when one cannot be opened.
  bool Open(int count) {
    for (int i = 0; i < count; ++i) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return false;
      fds_.push_back(fd);
    }
    return true;
  }

 private:
  std::vector<int> fds_;
};

// The lowest free descriptor number (the one the next socket gets), or -1.
int LowestFreeDescriptor() {
  const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (probe >= 0) ::close(probe);
  return probe;
}

// Raises the soft limit on open descriptors to kDescriptorLimit (or the hard limit, if lower);
// false when that leaves too few for the test.
bool RaiseDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? kDescriptorLimit : std::min(limit.rlim_max, kDescriptorLimit);
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = wanted;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  }
  return limit.rlim_cur >= kDescriptorsToOpen + 100;
}

// With 1,100 descriptors open first, the work-order call's socket is above 1024: the order is
// created, and the work-order system received exactly that one request.
TEST(HighDescriptor, WorkOrderCallOnDescriptorAbove1024Succeeds) {
  ASSERT_TRUE(RaiseDescriptorLimit());
  std::unique_ptr<sim::Simulators> simulators = testing::ResultValue(sim::Simulators::Start(sim::SimOptions{}));
  ASSERT_NE(simulators, nullptr);
  GsoapWorkOrderSystem client(testing::QuickEndpoint(simulators->WorkOrderUrl()));
  OpenDescriptors held;
  ASSERT_TRUE(held.Open(kDescriptorsToOpen));
  ASSERT_GT(LowestFreeDescriptor(), 1024);

  const auto result = client.CreateMigrationWorkOrder(testing::SampleWorkOrderRequest(), CallContext{"corr-high-fd"});

  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result));
  const auto received = simulators->WorkOrderRequests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(std::get<WorkOrderCreated>(result).order_number, received[0].order_number);
  EXPECT_EQ(received[0].telephone_number, "447874384949");
  EXPECT_EQ(received[0].correlation_id, "corr-high-fd");
  simulators->Stop();
}

}  // namespace
}  // namespace voip
