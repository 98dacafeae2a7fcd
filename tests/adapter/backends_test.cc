// BackendError::NothingWasDone and MigrationStatusName.
#include "adapter/backends.h"

#include <gtest/gtest.h>

#include <string>

namespace voip {
namespace {

// Only a failed connect guarantees that nothing was done on the backend.
TEST(soapBackendValues, NothingWasDoneOnlyForConnectFailed) {
  const BackendErrorKind kinds[] = {
      BackendErrorKind::kBusinessFault, BackendErrorKind::kSystemFault,       BackendErrorKind::kUntypedFault,
      BackendErrorKind::kTimeout,       BackendErrorKind::kConnectionReset,   BackendErrorKind::kConnectionClosed,
      BackendErrorKind::kHttpError,     BackendErrorKind::kMalformedResponse, BackendErrorKind::kInternal};
  for (BackendErrorKind kind : kinds) {
    BackendError error;
    error.kind = kind;
    EXPECT_FALSE(error.NothingWasDone()) << static_cast<int>(kind);
  }
  BackendError refused;
  refused.kind = BackendErrorKind::kConnectFailed;
  EXPECT_TRUE(refused.NothingWasDone());
}

// Status names are the MIDAS schema's enumeration values.
TEST(soapBackendValues, MigrationStatusNames) {
  EXPECT_EQ(std::string(MigrationStatusName(MigrationStatus::kWorkOrderCreated)), "WORK_ORDER_CREATED");
  EXPECT_EQ(std::string(MigrationStatusName(MigrationStatus::kWorkOrderFailed)), "WORK_ORDER_FAILED");
  EXPECT_EQ(std::string(MigrationStatusName(MigrationStatus::kWorkOrderOutcomeUnknown)), "WORK_ORDER_OUTCOME_UNKNOWN");
}

}  // namespace
}  // namespace voip
