#include "http/connection_scheduler.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace voip {

SchedulerSettings SchedulerSettingsFor(const Config& config, const HeadLimits& head_limits) {
  using std::chrono::seconds;
  SchedulerSettings settings{};
  settings.workers = static_cast<std::size_t>(config.threads);
  settings.max_queued_requests = static_cast<std::size_t>(config.max_queued_connections);
  settings.room.max_connections = static_cast<std::size_t>(config.max_connections);
  settings.room.max_shed_connections = kMaxShedConnections;
  settings.room.head = head_limits;
  settings.room.first_request_timeout = seconds(config.first_request_timeout_s);
  settings.room.keep_alive_timeout = seconds(config.keep_alive_timeout_s);
  settings.room.read_timeout = seconds(config.read_timeout_s);
  settings.room.request_read_timeout = seconds(config.request_read_timeout_s);
  settings.keep_alive_max_count = static_cast<std::size_t>(config.keep_alive_max_count);
  settings.read_timeout = seconds(config.read_timeout_s);
  settings.write_timeout = seconds(config.read_timeout_s);
  settings.next_request_wait = kNextRequestWait;
  settings.next_request_wait_slice = kNextRequestWaitSlice;
  return settings;
}

bool IsOperatorRequestLine(std::string_view request_line) {
  std::string_view target;
  if (request_line.rfind("GET ", 0) == 0) {
    target = request_line.substr(4);
  } else if (request_line.rfind("HEAD ", 0) == 0) {
    target = request_line.substr(5);
  } else {
    return false;
  }
  return IsOperatorPath(target.substr(0, target.find_first_of(" ?")));
}

ConnectionScheduler::ConnectionScheduler(const SchedulerSettings& settings, ServeRequest serve_request)
    : settings_(settings),
      serve_request_(std::move(serve_request)),
      lanes_(settings.workers, settings.max_queued_requests),
      room_(WaitingRoom::Open(settings.room,
                              [this](const std::shared_ptr<ClientConnection>& connection) { Route(connection); })) {}

ConnectionScheduler::~ConnectionScheduler() { shutdown(); }

void ConnectionScheduler::shutdown() {
  stopping_ = true;
  if (room_) room_->Stop();
  lanes_.shutdown();
}

void ConnectionScheduler::Admit(std::shared_ptr<ClientConnection> connection) {
  if (room_) room_->Admit(std::move(connection));
}

void ConnectionScheduler::Route(const std::shared_ptr<ClientConnection>& connection) {
  ConnectionState& state = connection->state();
  state.operator_request = IsOperatorRequestLine(connection->RequestLine());
  const bool shed_lane = state.shed || state.operator_request;
  std::function<void()> job = [this, connection] { Serve(connection); };
  if (shed_lane) {
    lanes_.EnqueueShed(std::move(job));
  } else {
    lanes_.enqueue(std::move(job));
  }
}

void ConnectionScheduler::Serve(const std::shared_ptr<ClientConnection>& connection) {
  while (ServeOne(connection) && NextRequestHere(connection)) {
  }
}

bool ConnectionScheduler::ServeOne(const std::shared_ptr<ClientConnection>& connection) {
  ClientConnection& client = *connection;
  const ConnectionState& state = client.state();
  const auto now = ParkingClock::now();
  // The shedding threads answer from the head: whatever else they read gets
  // kShedHeadTimeout. A request shed there is the connection's last.
  const bool shed_lane = BoundedTaskQueue::ServingShedConnection();
  const auto read_deadline =
      shed_lane ? now + kShedHeadTimeout : state.head_started.value_or(now) + settings_.room.request_read_timeout;
  const bool last = state.shed || (shed_lane && !state.operator_request) ||
                    state.requests_served + 1 >= settings_.keep_alive_max_count;
  DeadlineStream stream(client.io(), client.read_ahead(), settings_.read_timeout, settings_.write_timeout,
                        read_deadline);
  ConnectionEnd end;
  const bool keep = serve_request_(client, stream, last, end);
  if (!keep || last || stopping_) {
    // Closed; lingering in the waiting room when the client may still be sending.
    if (end.input_left && room_) room_->Linger(connection);
    return false;
  }
  client.FinishRequest(ParkingClock::now());
  return true;
}

bool ConnectionScheduler::NextRequestHere(const std::shared_ptr<ClientConnection>& connection) {
  const bool on_worker = !BoundedTaskQueue::ServingShedConnection();
  const auto wait_until =
      ParkingClock::now() + (on_worker ? settings_.next_request_wait : std::chrono::milliseconds(0));
  for (;;) {
    // Nothing buffered: wait first, rather than try a read that would fail.
    if (NothingBuffered(*connection) && !WaitForMore(*connection, wait_until)) break;
    switch (connection->AdvanceHead(settings_.room.head, ParkingClock::now())) {
      case HeadProgress::kReady:
        if (on_worker && !IsOperatorRequestLine(connection->RequestLine())) return true;
        Route(connection);
        return false;
      case HeadProgress::kWantRead:
      case HeadProgress::kWantWrite:
        if (!NothingBuffered(*connection) && !WaitForMore(*connection, wait_until)) break;
        continue;
      case HeadProgress::kClosed: return false;
    }
    break;
  }
  if (room_) room_->Park(connection);
  return false;
}

bool ConnectionScheduler::NothingBuffered(ClientConnection& connection) {
  return connection.read_ahead().empty() && !connection.io().HasPending();
}

bool ConnectionScheduler::WaitForMore(ClientConnection& connection, ParkingClock::time_point until) {
  pollfd watched{connection.socket(), static_cast<short>(connection.wants_write() ? POLLOUT : POLLIN), 0};
  // In slices, so that the wait ends once no other worker is free.
  while (!stopping_ && lanes_.WorkerToSpare()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - ParkingClock::now());
    if (left.count() <= 0) return false;
    const int polled = ::poll(&watched, 1, static_cast<int>(std::min(left, settings_.next_request_wait_slice).count()));
    if (polled > 0) return true;
    if (polled < 0 && errno != EINTR) return false;
  }
  return false;
}

}  // namespace voip
