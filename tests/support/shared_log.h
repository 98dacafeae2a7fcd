// A log sink that the adapter's threads write (through voip::Logger) while the
// test's thread reads it.
#pragma once

#include <mutex>
#include <ostream>
#include <sstream>
#include <string>

namespace voip::testing {

// A std::ostream over a string in which every write and every str() hold one
// mutex, so a test reads only whole writes and the order between a worker's
// log line and the test's read is one ThreadSanitizer can see (a line written
// before an answer is sent is otherwise ordered before the test's read only by
// the socket, which TSan does not model). Not copyable.
class SharedLog : public std::ostream {
 public:
  SharedLog() : std::ostream(&buffer_) {}
  SharedLog(const SharedLog&) = delete;
  SharedLog& operator=(const SharedLog&) = delete;

  // Everything written so far.
  [[nodiscard]] std::string str() const { return buffer_.Text(); }

 private:
  class Buffer : public std::stringbuf {
   public:
    std::string Text() const {
      const std::lock_guard<std::recursive_mutex> lock(mutex_);
      return std::stringbuf::str();
    }

   protected:
    // std::stringbuf::xsputn may call overflow(): hence a recursive mutex.
    std::streamsize xsputn(const char* text, std::streamsize count) override {
      const std::lock_guard<std::recursive_mutex> lock(mutex_);
      return std::stringbuf::xsputn(text, count);
    }
    int_type overflow(int_type c) override {
      const std::lock_guard<std::recursive_mutex> lock(mutex_);
      return std::stringbuf::overflow(c);
    }

   private:
    mutable std::recursive_mutex mutex_;
  };

  Buffer buffer_;
};

}  // namespace voip::testing
