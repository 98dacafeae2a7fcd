// ContextPool: checkout/return and the bound on idle contexts.
#include "adapter/soap/gsoap_context.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

namespace voip::soap {
namespace {

BackendEndpoint Endpoint(int max_idle) {
  BackendEndpoint endpoint;
  endpoint.url = "http://127.0.0.1:1/unused";
  endpoint.max_idle_connections = max_idle;
  return endpoint;
}

// A returned context is reused by the next checkout.
TEST(soapContextPool, ReturnedContextIsReused) {
  ContextPool pool(Endpoint(4));
  struct ::soap* first = nullptr;
  {
    ContextLease lease = pool.Acquire();
    ASSERT_TRUE(lease);
    first = lease.soap();
  }
  EXPECT_EQ(pool.IdleCount(), 1u);
  ContextLease again = pool.Acquire();
  EXPECT_EQ(again.soap(), first);
  EXPECT_EQ(pool.IdleCount(), 0u);
}

// At most max_idle_connections contexts are kept; extra ones are freed.
TEST(soapContextPool, IdleContextsAreBounded) {
  ContextPool pool(Endpoint(1));
  {
    ContextLease a = pool.Acquire();
    ContextLease b = pool.Acquire();
    ContextLease c = pool.Acquire();
    EXPECT_NE(a.soap(), b.soap());
  }
  EXPECT_EQ(pool.IdleCount(), 1u);
}

// With max_idle_connections 0 nothing is kept.
TEST(soapContextPool, ZeroIdleKeepsNothing) {
  ContextPool pool(Endpoint(0));
  { ContextLease lease = pool.Acquire(); }
  EXPECT_EQ(pool.IdleCount(), 0u);
}

// The endpoint string handed to proxies is the pool's own copy and stays put.
TEST(soapContextPool, EndpointOutlivesTheConfigurationItCameFrom) {
  auto endpoint = std::make_unique<BackendEndpoint>(Endpoint(1));
  ContextPool pool(*endpoint);
  endpoint.reset();
  ContextLease lease = pool.Acquire();
  EXPECT_EQ(std::string(lease.endpoint()), "http://127.0.0.1:1/unused");
}

// A moved lease returns its context exactly once.
TEST(soapContextPool, MovedLeaseReturnsOnce) {
  ContextPool pool(Endpoint(4));
  {
    ContextLease a = pool.Acquire();
    ContextLease b = std::move(a);
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from state is specified
    EXPECT_TRUE(b);
  }
  EXPECT_EQ(pool.IdleCount(), 1u);
}

}  // namespace
}  // namespace voip::soap
