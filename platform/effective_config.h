// The whole effective configuration as JSON, for --check-config and the
// start-up log line (the same function makes both).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "platform/config.h"

namespace voip {

// One member per setting of ConfigSettings(), named as the setting (its flag
// without "--"), holding the value in effect: numbers as numbers, switches as
// booleans, the rest as text. Secrets are "set" or "unset", never their value;
// api-key-sha256 is how many digests it gave.
[[nodiscard]] nlohmann::json EffectiveConfig(const Config& config);

// Where each setting not left at its default came from: {"threads": "flag",
// "listen": "environment", "database": "file"...}.
[[nodiscard]] nlohmann::json ConfigSources(const Config& config);

// What --check-config prints: {"config": EffectiveConfig, "sources":
// ConfigSources}, indented by two spaces, invalid UTF-8 replaced.
[[nodiscard]] std::string CheckConfigText(const Config& config);

}  // namespace voip
