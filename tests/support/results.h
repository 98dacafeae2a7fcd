// Factory results in tests: the value a Result (std::variant<T, XError>)
// holds, or a test failure naming the error.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <variant>

namespace voip::testing {

// The value `result` holds; when it holds an error, a non-fatal test failure
// with the error's message and an empty value (a null pointer), so that an
// ASSERT on the value stops the test.
template <typename T, typename E>
T ResultValue(std::variant<T, E> result) {
  if (const E* failure = std::get_if<E>(&result)) {
    ADD_FAILURE() << failure->message;
    return T{};
  }
  return std::move(std::get<T>(result));
}

// The error `result` holds; a test failure and an empty error when it holds a value.
template <typename T, typename E>
E ResultError(const std::variant<T, E>& result) {
  if (const E* failure = std::get_if<E>(&result)) return *failure;
  ADD_FAILURE() << "expected a failure, got a value";
  return E{};
}

// Moves the value `result` holds into `out`; the error when it holds one.
template <typename T, typename E>
std::optional<E> Take(std::variant<T, E> result, T& out) {
  if (E* failure = std::get_if<E>(&result)) return std::move(*failure);
  out = std::move(std::get<T>(result));
  return std::nullopt;
}

}  // namespace voip::testing
