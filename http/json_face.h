// The JSON face: request body -> MigrationRequestInput, outcome -> JSON body.
// No sockets here; http/server.cc calls these.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapter/fault.h"
#include "adapter/migration_flow.h"
#include "adapter/migration_request.h"

namespace voip {

// Deepest nesting accepted in a request body (the contract needs 2).
inline constexpr int kMaxJsonDepth = 16;

// Reads the body without applying the service's rules. A body that is not JSON
// (including invalid UTF-8), too deeply nested, has duplicate member names, or
// is not an object gives one BUSINESS fault saying so.
std::variant<MigrationRequestInput, Fault> ParseJsonRequest(std::string_view body);

// True for application/json and application/*+json, with any parameters.
[[nodiscard]] bool IsJsonContentType(std::string_view content_type);

// {"CreateVOIPMigrationWorkOrder":{"success":{"orderNumber":..,"fault":[..]}}} or
// {"CreateVOIPMigrationWorkOrder":{"failure":{"fault":[..]}}}.
std::string RenderJson(const MigrationOutcome& outcome);

}  // namespace voip
