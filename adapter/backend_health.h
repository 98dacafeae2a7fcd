#pragma once

#include "adapter/backends.h"
#include "adapter/resilience/circuit_breaker.h"

namespace voip {

CallHealth HealthOf(const BackendError& error);

}  // namespace voip
