#include "adapter/soap/gsoap_context.h"

#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>
#include <optional>
#include <string_view>
#include <utility>

#include "adapter/soap/doctype_scan.h"
#include "adapter/soap/soap_fault_reader.h"
#include "platform/build_info.h"
#include "platform/username_token.h"
#include "soapH.h"

namespace voip::soap {

// One context plus the state its hooks write to. soap->user points here.
struct PooledContext {
  struct ::soap* soap = nullptr;
  std::atomic<std::uint64_t>* connections_opened = nullptr;        // the pool's counter
  std::atomic<std::uint64_t>* closed_stale_connections = nullptr;  // the pool's counter
  CallTrace trace;
  std::string extra_header;  // soap->http_extra_header points into it during an exchange
  // gSOAP's own I/O functions, called by the hooks.
  SOAP_SOCKET (*tcp_open)(struct ::soap*, const char*, const char*, int) = nullptr;
  size_t (*tcp_recv)(struct ::soap*, char*, size_t) = nullptr;
  int (*tcp_send)(struct ::soap*, const char*, size_t) = nullptr;
  int (*tcp_poll)(struct ::soap*) = nullptr;
  int (*prepare_recv)(struct ::soap*, const char*, size_t) = nullptr;
  int (*post_header)(struct ::soap*, const char*, const char*) = nullptr;
  // The last bytes of the previous received block, so that a DOCTYPE split
  // across two blocks is still found.
  std::string carry;
  // The character check of the answer's body (see CheckBodyCharacters).
  XmlCharValidator body_chars;
  // The last block read was read while the HTTP headers were still coming
  // (raw bytes, not yet body as gSOAP reads it); where in it the body starts
  // (its size when it does not).
  bool block_in_head = false;
  std::size_t block_body_from = 0;
  // The body bytes of the block that ended the headers, kept until it is
  // known whether gSOAP reads them as they are (plain) or de-chunks or
  // inflates them first and hands them over again.
  std::string head_block_body;
  bool head_block_body_open = false;
  std::uint64_t body_bytes_checked = 0;  // plain bodies: stop at Content-Length
  // The exchange's deadline: BackendEndpoint::timeout_ms from its start (or
  // from the connect, when it opens a connection). Every read waits at most
  // until then.
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point deadline{};
  // The request's deadline for the current exchange (CallContext::deadline),
  // which the exchange's deadline never passes.
  std::optional<std::chrono::steady_clock::time_point> request_deadline;
  // The connect time-out was the request's deadline, shorter than the endpoint's own.
  bool connect_clamped = false;
};

namespace {

PooledContext* ContextOf(struct ::soap* soap) { return static_cast<PooledContext*>(soap->user); }

// gSOAP time-outs: positive values are seconds, negative microseconds.
int GsoapTimeout(int ms) {
  if (ms <= 0) ms = 1;  // every exchange has a deadline
  if (ms >= 2'000'000) return (ms + 999) / 1000;
  return -ms * 1000;
}

// Whether gSOAP reads the body as received: neither chunked nor compressed.
bool PlainBody(const struct ::soap* soap) {
  return (soap->mode & SOAP_IO) != SOAP_IO_CHUNK && soap->zlib_in == SOAP_ZLIB_NONE;
}

// Feeds body bytes as gSOAP reads them to the character check; a plain body
// only up to its Content-Length (what follows is not part of this answer).
void FeedBody(const struct ::soap* soap, PooledContext* ctx, const char* data, std::size_t size) {
  if (PlainBody(soap) && soap->length > 0) {
    const std::uint64_t left = soap->length > ctx->body_bytes_checked ? soap->length - ctx->body_bytes_checked : 0;
    size = static_cast<std::size_t>(std::min<std::uint64_t>(size, left));
  }
  ctx->body_bytes_checked += size;
  if (!ctx->body_chars.Feed(std::string_view(data, size))) ctx->trace.bad_character = ctx->body_chars.error();
}

// The body bytes that came with the headers: checked now when gSOAP reads the
// body as it came, dropped when it de-chunks or inflates it (it hands those
// bytes over again, decoded).
void SettleHeadBlockBody(const struct ::soap* soap, PooledContext* ctx) {
  if (!ctx->head_block_body_open) return;
  ctx->head_block_body_open = false;
  if (PlainBody(soap)) FeedBody(soap, ctx, ctx->head_block_body.data(), ctx->head_block_body.size());
  ctx->head_block_body.clear();
}

// fpreparerecv's blocks, sorted: a block read while the HTTP headers were
// still coming is raw (headers, then perhaps the start of the body, still
// chunked or compressed); every later one is body as gSOAP reads it
// (de-chunked, inflated).
void CheckBodyCharacters(const struct ::soap* soap, PooledContext* ctx, const char* data, std::size_t size) {
  if (ctx->block_in_head) {
    ctx->block_in_head = false;
    if (ctx->trace.header_bytes > 0 && ctx->block_body_from < size) {
      ctx->head_block_body.assign(data + ctx->block_body_from, size - ctx->block_body_from);
      ctx->head_block_body_open = true;
    }
    return;
  }
  if (ctx->trace.header_bytes == 0) return;
  SettleHeadBlockBody(soap, ctx);
  FeedBody(soap, ctx, data, size);
}

// gSOAP hands every received block to fpreparerecv: first as read from the
// socket (HTTP headers included), then the body again after the headers were
// parsed and, for a compressed answer, inflated. Any DOCTYPE in there is
// recorded; an HTTP error page with one is still classified by its status.
int ScanReceived(struct ::soap* soap, const char* data, size_t size) {
  PooledContext* ctx = ContextOf(soap);
  if (!ctx->trace.doctype_in_body) {
    const std::string_view block(data, size);
    // The seam between the previous block and this one, then this block.
    std::array<char, 2 * kDoctype.size()> seam{};
    const std::size_t head = std::min(block.size(), kDoctype.size() - 1);
    std::copy_n(block.data(), head, std::copy(ctx->carry.begin(), ctx->carry.end(), seam.begin()));
    const std::string_view joined(seam.data(), ctx->carry.size() + head);
    if (ContainsDoctype(joined) || ContainsDoctype(block)) {
      ctx->trace.doctype_in_body = true;
    } else {
      const std::string_view tail = joined.size() > block.size() ? joined : block;
      ctx->carry.assign(tail.substr(tail.size() - std::min(tail.size(), kDoctype.size() - 1)));
    }
  }
  CheckBodyCharacters(soap, ctx, data, size);
  return ctx->prepare_recv != nullptr ? ctx->prepare_recv(soap, data, size) : SOAP_OK;
}

// gSOAP built with zlib asks every server for compression ("Accept-Encoding:
// gzip,deflate"). For answers of a few hundred bytes from systems on the same
// network that costs both ends far more than it saves (measured in
// docs/performance.md: inflate plus two 64 KiB buffer copies per answer here,
// deflate in the backend), so the header is left out. A backend that
// compresses anyway is still understood.
// gSOAP also names itself ("User-Agent: gSOAP/2.8"): the backends see the
// adapter and its version instead (platform/build_info.h).
int PostHeaderWithoutCompression(struct ::soap* soap, const char* key, const char* value) {
  if (key != nullptr && strcasecmp(key, "Accept-Encoding") == 0) return SOAP_OK;
  if (key != nullptr && strcasecmp(key, "User-Agent") == 0) value = BackendUserAgent().c_str();
  return ContextOf(soap)->post_header(soap, key, value);
}

SOAP_SOCKET TracedOpen(struct ::soap* soap, const char* endpoint, const char* host, int port) {
  PooledContext* ctx = ContextOf(soap);
  ctx->trace.opened_connection = true;
  const SOAP_SOCKET socket = ctx->tcp_open(soap, endpoint, host, port);
  ctx->trace.connect_failed = !soap_valid_socket(socket) || soap->error != SOAP_OK;
  if (!ctx->trace.connect_failed) {
    ctx->connections_opened->fetch_add(1, std::memory_order_relaxed);
    ctx->deadline = std::chrono::steady_clock::now() + ctx->timeout;
    if (ctx->request_deadline) ctx->deadline = std::min(ctx->deadline, *ctx->request_deadline);
  }
  return socket;
}

// Finds the end of the HTTP headers in the raw bytes read: an empty line, as
// gSOAP reads lines (ended by LF, a CR before it dropped), so "\r\n\r\n",
// "\n\n" and the mixed forms all end them. header_end_matched: 0 inside a
// line, 1 at the start of one (after LF), 2 after LF then CR.
void TrackHeaderEnd(CallTrace& trace, const char* data, std::size_t size) {
  for (std::size_t i = 0; i < size && trace.header_bytes == 0; ++i) {
    const char c = data[i];
    if (c == '\n') {
      if (trace.header_end_matched != 0) trace.header_bytes = trace.bytes_received + i + 1;
      trace.header_end_matched = 1;
    } else {
      trace.header_end_matched = c == '\r' && trace.header_end_matched == 1 ? 2 : 0;
    }
  }
}

size_t TracedRecv(struct ::soap* soap, char* buffer, size_t size) {
  PooledContext* ctx = ContextOf(soap);
  // gSOAP reads a plain (not chunked, not compressed) body past its
  // Content-Length when the XML in it is incomplete, and would wait for the
  // backend to close the connection. The body has ended where its framing
  // says: report the end of the stream now (a complete but malformed answer).
  if (soap->length > 0 && ctx->trace.header_bytes > 0 &&
      ctx->trace.bytes_received - ctx->trace.header_bytes >= soap->length) {
    return 0;
  }
  // gSOAP's recv_timeout bounds one read, and its transfer_timeout did not
  // bound the whole answer (measured: with both at 400 ms, an answer dripping
  // in one byte per 100 ms ran for 85 s). So each read waits at most what is
  // left until the exchange's deadline, and none starts after it.
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(ctx->deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    ctx->trace.read_ended = true;  // a time-out, as if the read had waited for it
    return 0;
  }
  const int read_timeout = soap->recv_timeout;
  soap->recv_timeout = GsoapTimeout(static_cast<int>(std::min(left, ctx->timeout).count()));
  const size_t received = ctx->tcp_recv(soap, buffer, size);
  soap->recv_timeout = read_timeout;
  if (received == 0) {
    ctx->trace.read_ended = true;
    // gSOAP reports a time-out and a closed connection alike; a non-blocking
    // peek tells them apart (EAGAIN: still open, so it was a time-out).
    char byte;
    const ssize_t peeked =
        soap_valid_socket(soap->socket) ? ::recv(soap->socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT) : 0;
    const int peek_errno = errno;
    ctx->trace.peer_closed = peeked == 0 || (peeked < 0 && peek_errno != EAGAIN && peek_errno != EWOULDBLOCK);
    // A reset shows as ECONNRESET on the read that met it (gSOAP keeps that
    // errno), or on the peek when the read ended otherwise.
    ctx->trace.peer_reset = soap->errnum == ECONNRESET || (peeked < 0 && peek_errno == ECONNRESET);
    return 0;
  }
  ctx->block_in_head = ctx->trace.header_bytes == 0;
  TrackHeaderEnd(ctx->trace, buffer, received);
  ctx->block_body_from = ctx->block_in_head && ctx->trace.header_bytes > 0
                             ? ctx->trace.header_bytes - ctx->trace.bytes_received
                             : received;
  ctx->trace.bytes_received += received;
  return received;
}

// gSOAP's send waits in poll() for the socket to be writable before every
// send(), though a request of a few hundred bytes always fits the empty socket
// buffer of a connection between exchanges. A plain connection's bytes are
// sent at once, without waiting; only what does not fit (EAGAIN) goes through
// gSOAP's own send, which waits with the send time-out. TLS, and anything but a
// connected socket, goes through gSOAP's send as before.
int SendFirstWaitIfFull(struct ::soap* soap, const char* data, size_t size) {
  PooledContext* ctx = ContextOf(soap);
  const SOAP_SOCKET socket = soap_valid_socket(soap->sendsk) ? soap->sendsk : soap->socket;
  if (soap->ssl != nullptr || soap->os != nullptr || !soap_valid_socket(socket)) {
    return ctx->tcp_send(soap, data, size);
  }
  while (size > 0) {
    const ssize_t sent = ::send(socket, data, size, soap->socket_flags | MSG_DONTWAIT);
    if (sent > 0) {
      data += sent;
      size -= static_cast<size_t>(sent);
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return ctx->tcp_send(soap, data, size);
    } else {
      soap->errnum = errno;
      return SOAP_EOF;
    }
  }
  return SOAP_OK;
}

// gSOAP checks a kept connection before reusing it (soap_connect_command ->
// fpoll: a poll() and perhaps a peek). For a plain connection
// ContextLease::BeginExchange has just made the same check with one
// non-blocking peek and closed the connection if the backend had closed it, so
// one still open here is good. A TLS connection keeps gSOAP's check, which
// reads a pending close_notify through OpenSSL (the raw peek sees only bytes).
int KeptConnectionChecked(struct ::soap* soap) {
  if (soap->ssl == nullptr) return SOAP_OK;
  PooledContext* ctx = ContextOf(soap);
  return ctx->tcp_poll != nullptr ? ctx->tcp_poll(soap) : SOAP_EOF;  // none: gSOAP reconnects
}

std::string OneLine(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (char c : text.substr(0, std::min(text.size(), max_bytes))) {
    out.push_back(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
  }
  return out;
}

// For operators' logs: one line, and runs of 7 or more digits (telephone and
// account numbers a backend may have echoed) replaced by '#'.
std::string LogSafe(std::string_view text, std::size_t max_bytes) {
  std::string line = OneLine(text, max_bytes);
  std::string out;
  std::size_t i = 0;
  while (i < line.size()) {
    std::size_t j = i;
    while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j]))) ++j;
    if (j - i >= 7) {
      out.push_back('#');
      i = j;
    } else if (j > i) {
      out.append(line, i, j - i);
      i = j;
    } else {
      out.push_back(line[i++]);
    }
  }
  return out;
}

// The fault code QName as received (SOAP 1.1 faultcode or SOAP 1.2 Code/Value).
std::string FaultCodeText(struct ::soap* soap) {
  const SOAP_ENV__Fault* fault = soap->fault;
  if (fault == nullptr) return {};
  if (fault->faultcode != nullptr) return OneLine(fault->faultcode, 64);
  if (fault->SOAP_ENV__Code != nullptr && fault->SOAP_ENV__Code->SOAP_ENV__Value != nullptr) {
    return OneLine(fault->SOAP_ENV__Code->SOAP_ENV__Value, 64);
  }
  return {};
}

bool IsIoError(int error) { return error == SOAP_EOF || error == SOAP_TCP_ERROR || error == SOAP_SSL_ERROR; }

bool IsFaultCode(int error) { return error == SOAP_CLI_FAULT || error == SOAP_SVR_FAULT || error == SOAP_FAULT; }

bool IsHttps(const std::string& url) { return url.rfind("https://", 0) == 0; }

const char* OrNull(const std::string& text) { return text.empty() ? nullptr : text.c_str(); }

// For an https:// endpoint: TLS 1.2 or 1.3 only, the server's certificate
// verified (host name included, gSOAP's default) against the configured CA
// file only, or the system's CAs when none is configured; the client
// certificate presented when configured. The strings belong to the pool's
// endpoint and outlive the context. False when the files cannot be loaded.
bool ConfigureTls(struct ::soap* soap, const BackendEndpoint& endpoint) {
  if (!IsHttps(endpoint.url)) return true;
  unsigned short flags = SOAP_SSL_REQUIRE_SERVER_AUTHENTICATION | SOAP_TLSv1_2 | SOAP_TLSv1_3;
  if (!endpoint.ca_file.empty()) flags |= SOAP_SSL_NO_DEFAULT_CA_PATH;
  return soap_ssl_client_context(soap, flags, OrNull(endpoint.client_cert_file), OrNull(endpoint.client_key_password),
                                 OrNull(endpoint.ca_file), nullptr, nullptr) == SOAP_OK;
}

}  // namespace

// ----- ContextLease -----------------------------------------------------------

ContextLease::ContextLease(ContextLease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), context_(std::exchange(other.context_, nullptr)) {}

ContextLease& ContextLease::operator=(ContextLease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    context_ = std::exchange(other.context_, nullptr);
  }
  return *this;
}

ContextLease::~ContextLease() { Release(); }

void ContextLease::Release() {
  if (context_ != nullptr) pool_->Return(std::exchange(context_, nullptr));
}

struct ::soap* ContextLease::soap() const {
  return context_->soap;
}

const char* ContextLease::endpoint() const { return pool_->endpoint().url.c_str(); }

const CallTrace& ContextLease::trace() const { return context_->trace; }

bool ContextLease::CutByRequestDeadline(bool connecting) const {
  const auto& request_deadline = context_->request_deadline;
  if (!request_deadline || std::chrono::steady_clock::now() < *request_deadline) return false;
  return connecting ? context_->connect_clamped : context_->deadline == *request_deadline;
}

namespace {

// Puts a fresh WS-Security UsernameToken into the context's SOAP Header (all
// in the context's memory, freed at the end of the exchange). mustUnderstand
// is set: a backend that asks for a token must process it, and one that does
// not know WS-Security must say so rather than ignore the credentials.
bool AddSecurityHeader(struct ::soap* soap, const BackendEndpoint& endpoint) {
  const auto token = NewUsernameToken(endpoint.wsse_user, endpoint.wsse_password, endpoint.wsse_password_type,
                                      std::chrono::system_clock::now());
  if (!token) return false;
  auto* password = soap_new__wsse__Password(soap);
  auto* nonce = soap_new__wsse__Nonce(soap);
  auto* username_token = soap_new__wsse__UsernameToken(soap);
  auto* security = soap_new__wsse__Security(soap);
  if (password == nullptr || nonce == nullptr || username_token == nullptr || security == nullptr) return false;
  // soap_new_X leaves a struct's members uninitialised: default them (the
  // __size/__any members included) before filling in the token.
  soap_default__wsse__Password(soap, password);
  soap_default__wsse__Nonce(soap, nonce);
  soap_default__wsse__UsernameToken(soap, username_token);
  soap_default__wsse__Security(soap, security);
  password->__item = soap_strdup(soap, token->password.c_str());
  password->Type = soap_strdup(soap, token->password_type.c_str());
  nonce->__item = soap_strdup(soap, token->nonce.c_str());
  nonce->EncodingType = soap_strdup(soap, kBase64EncodingType);
  username_token->Username = soap_strdup(soap, token->username.c_str());
  username_token->Password = password;
  username_token->Nonce = nonce;
  username_token->wsu__Created = soap_strdup(soap, token->created.c_str());
  security->UsernameToken = username_token;
  ::soap_header(soap);
  if (soap->header == nullptr) return false;
  soap->header->wsse__Security = security;
  return true;
}

}  // namespace

std::vector<std::string> CallHeaderLines(const CallContext& context, std::size_t max_correlation_id_bytes) {
  std::vector<std::string> lines;
  const std::string correlation_id = context.correlation_id.substr(0, max_correlation_id_bytes);
  if (!correlation_id.empty()) lines.push_back("X-Correlation-ID: " + correlation_id);
  const TraceContext call = ChildSpan(context.trace);
  if (!call.empty()) {
    lines.push_back("traceparent: " + call.Traceparent());
    if (!call.tracestate.empty()) lines.push_back("tracestate: " + call.tracestate);
  }
  return lines;
}

bool ContextLease::BeginExchange(const std::vector<std::string>& header_lines,
                                 std::optional<std::chrono::steady_clock::time_point> request_deadline) {
  context_->trace = CallTrace{};
  // A kept connection the backend closed (or reset) while it was idle is
  // closed here, before anything is sent on it, so that the exchange opens a
  // new one. gSOAP's own check before reuse (soap_connect_command ->
  // soap->fpoll) is replaced by this one (KeptConnectionChecked). A close that
  // arrives after this check is seen by the send or the answer: classified
  // as usual, and a create is never repeated (see work_order_client.h).
  struct ::soap* soap = context_->soap;
  if (soap_valid_socket(soap->socket)) {
    char byte;
    const ssize_t peeked = ::recv(soap->socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      soap_force_closesock(soap);
      context_->closed_stale_connections->fetch_add(1, std::memory_order_relaxed);
    }
  }
  const auto now = std::chrono::steady_clock::now();
  context_->deadline = now + context_->timeout;
  context_->request_deadline = request_deadline;
  // Connect and send never wait past the request's deadline either.
  const BackendEndpoint& limits = pool_->endpoint();
  int connect_ms = limits.connect_timeout_ms;
  int send_ms = limits.timeout_ms;
  if (request_deadline) {
    context_->deadline = std::min(context_->deadline, *request_deadline);
    const int left = static_cast<int>(
        std::max<long long>(1, std::chrono::ceil<std::chrono::milliseconds>(*request_deadline - now).count()));
    context_->connect_clamped = left < connect_ms;
    connect_ms = std::min(connect_ms, left);
    send_ms = std::min(send_ms, left);
  } else {
    context_->connect_clamped = false;
  }
  context_->soap->connect_timeout = GsoapTimeout(connect_ms);
  context_->soap->send_timeout = GsoapTimeout(send_ms);
  context_->carry.clear();
  context_->body_chars.Reset();
  context_->block_in_head = false;
  context_->head_block_body.clear();
  context_->head_block_body_open = false;
  context_->body_bytes_checked = 0;
  context_->extra_header.clear();
  for (const std::string& line : header_lines) {
    if (line.empty()) continue;
    if (!context_->extra_header.empty()) context_->extra_header += "\r\n";  // gSOAP ends the last line itself
    for (const char c : line) {
      if (c != '\r' && c != '\n') context_->extra_header.push_back(c);
    }
  }
  context_->soap->http_extra_header = context_->extra_header.empty() ? nullptr : context_->extra_header.c_str();
  // HTTP Basic credentials, when configured; the strings are owned by the pool.
  const BackendEndpoint& endpoint = pool_->endpoint();
  const bool basic = !endpoint.username.empty();
  context_->soap->userid = basic ? endpoint.username.c_str() : nullptr;
  context_->soap->passwd = basic ? endpoint.password.c_str() : nullptr;
  context_->soap->header = nullptr;
  return endpoint.wsse_user.empty() || AddSecurityHeader(context_->soap, endpoint);
}

void ContextLease::CloseConnection() { soap_force_closesock(context_->soap); }

void ContextLease::FinishAnswer() {
  SettleHeadBlockBody(context_->soap, context_);
  if (!context_->trace.bad_character && !context_->body_chars.Finish()) {
    context_->trace.bad_character = context_->body_chars.error();
  }
}

// ----- ContextPool ------------------------------------------------------------

ContextPool::ContextPool(BackendEndpoint endpoint, Connector connector)
    : endpoint_(std::move(endpoint)), connector_(connector) {}

ContextPool::~ContextPool() {
  for (PooledContext* ctx : idle_) {
    soap_force_closesock(ctx->soap);
    soap_destroy(ctx->soap);
    soap_end(ctx->soap);
    soap_free(ctx->soap);
    delete ctx;
  }
}

PooledContext* ContextPool::NewContext() {
  auto* ctx = new (std::nothrow) PooledContext;
  if (ctx == nullptr) return nullptr;
  struct ::soap* soap = soap_new1(SOAP_IO_KEEPALIVE | SOAP_C_UTFSTRING | SOAP_XML_STRICT);
  if (soap == nullptr) {
    delete ctx;
    return nullptr;
  }
  soap->user = ctx;
  ctx->connections_opened = &connections_opened_;
  ctx->closed_stale_connections = &closed_stale_connections_;
  ctx->timeout = std::chrono::milliseconds(std::max(1, endpoint_.timeout_ms));
  if (!ConfigureTls(soap, endpoint_)) {
    soap_free(soap);
    delete ctx;
    return nullptr;
  }
  // The program's one table (adapter/soap/namespaces.cc).
  soap_set_namespaces(soap, namespaces);
  soap->socket_flags = MSG_NOSIGNAL;  // a write to a closed connection must not raise SIGPIPE
  soap->maxlevel = kMaxXmlDepth;
  soap->recv_maxlength = kMaxResponseBytes;
  soap->connect_timeout = GsoapTimeout(endpoint_.connect_timeout_ms);
  soap->send_timeout = GsoapTimeout(endpoint_.timeout_ms);
  soap->recv_timeout = GsoapTimeout(endpoint_.timeout_ms);
  soap->transfer_timeout = GsoapTimeout(endpoint_.timeout_ms);
  ctx->soap = soap;
  ctx->tcp_open = connector_ != nullptr ? connector_ : soap->fopen;
  ctx->tcp_recv = soap->frecv;
  ctx->tcp_send = soap->fsend;
  ctx->tcp_poll = soap->fpoll;
  soap->fopen = TracedOpen;
  soap->frecv = TracedRecv;
  soap->fsend = SendFirstWaitIfFull;
  soap->fpoll = KeptConnectionChecked;
  ctx->prepare_recv = soap->fpreparerecv;
  soap->fpreparerecv = ScanReceived;
  ctx->post_header = soap->fposthdr;
  soap->fposthdr = PostHeaderWithoutCompression;
  return ctx;
}

ContextLease ContextPool::Acquire() {
  PooledContext* ctx = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      ctx = idle_.back();
      idle_.pop_back();
    }
  }
  if (ctx == nullptr) ctx = NewContext();
  return ctx == nullptr ? ContextLease() : ContextLease(this, ctx);
}

void ContextPool::Return(PooledContext* ctx) {
  struct ::soap* soap = ctx->soap;
  // Keep the connection only after a fully read answer: success or SOAP fault.
  const bool clean = soap->error == SOAP_OK || IsFaultCode(soap->error);
  if (!clean || ctx->trace.doctype_in_body || ctx->trace.bad_character) soap_force_closesock(soap);
  // Frees what the exchange deserialised, and closes the connection when the
  // backend asked to, as soap_end() would. Not soap_end() itself: its
  // soap_free_temp() clears gSOAP's pointer and id hash tables (a 32 KiB memset
  // and a walk over about 2,000 buckets, 10 % of the adapter's instructions),
  // which the next exchange's soap_begin() does again anyway.
  soap_destroy(soap);
  soap_dealloc(soap, nullptr);
  soap_closesock(soap);
  soap->error = SOAP_OK;
  soap->http_extra_header = nullptr;
  soap->header = nullptr;  // the WS-Security header, freed by soap_dealloc above
  ctx->extra_header.clear();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < static_cast<std::size_t>(std::max(0, endpoint_.max_idle_connections))) {
      idle_.push_back(ctx);
      return;
    }
  }
  soap_force_closesock(soap);
  soap_free(soap);
  delete ctx;
}

std::size_t ContextPool::IdleCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_.size();
}

// ----- classification ----------------------------------------------------------

std::string Diagnostic(const ContextLease& lease, const std::string& what) {
  struct ::soap* soap = lease.soap();
  std::string text = what + " (gSOAP error " + std::to_string(soap->error);
  if (IsFaultCode(soap->error)) {
    // The fault string is the backend's own text and may hold personal data.
    const std::string code = FaultCodeText(soap);
    if (!code.empty()) text += ", faultcode " + LogSafe(code, 64);
  } else if (soap->error != SOAP_OK) {
    // gSOAP's own text for a local error; filled in lazily by soap_set_fault.
    soap_set_fault(soap);
    const char* reason = soap_fault_string(soap);
    if (reason != nullptr) text += ": " + LogSafe(reason, 160);
    const char* detail = soap_fault_detail(soap);
    if (detail != nullptr) text += "; " + LogSafe(detail, 120);
  }
  if (soap->errnum != 0) text += "; errno " + std::to_string(soap->errnum);
  text += ")";
  return OneLine(text, kMaxDiagnosticBytes);
}

namespace {

BackendError Failure(BackendErrorKind kind, std::string diagnostic) {
  BackendError result;
  result.kind = kind;
  result.diagnostic = std::move(diagnostic);
  return result;
}

// A request that could not be sent whole.
BackendError SendFailure(const ContextLease& lease) {
  struct ::soap* soap = lease.soap();
  const int error = soap->error;
  if (lease.trace().connect_failed) {
    BackendError result = Failure(BackendErrorKind::kConnectFailed, Diagnostic(lease, "connect failed, nothing sent"));
    result.cut_by_request_deadline = lease.CutByRequestDeadline(/*connecting=*/true);
    return result;
  }
  if (IsIoError(error) && (soap->errnum == ECONNRESET || soap->errnum == EPIPE)) {
    // The backend reset or closed the connection while the request was
    // going out: part of it may have arrived, so the outcome is unknown.
    const bool reset = soap->errnum == ECONNRESET;
    return Failure(reset ? BackendErrorKind::kConnectionReset : BackendErrorKind::kConnectionClosed,
                   Diagnostic(lease, reset ? "connection reset by the backend while sending, outcome unknown"
                                           : "connection closed by the backend while sending, outcome unknown"));
  }
  if (IsIoError(error)) {
    BackendError result = Failure(
        BackendErrorKind::kTimeout,
        Diagnostic(lease, lease.trace().opened_connection ? "sending failed after connecting, outcome unknown"
                                                          : "sending on a kept connection failed, outcome unknown"));
    result.cut_by_request_deadline = lease.CutByRequestDeadline(/*connecting=*/false);
    return result;
  }
  return Failure(BackendErrorKind::kInternal, Diagnostic(lease, "request could not be prepared"));
}

// An answer whose HTTP status line is the problem; nullopt otherwise.
std::optional<BackendError> StatusLineFailure(const ContextLease& lease) {
  // gSOAP reports the HTTP status as the error when the body is not a SOAP
  // fault; measured: also 200 when a 200 body holds an unexpected element.
  // An error equal to soap->status is the answer's own HTTP status.
  const int error = lease.soap()->error;
  const bool status_error = error == lease.soap()->status;
  if (error > 0 && error < 100 && status_error) {
    // A status line with a number below 100 (not HTTP): gSOAP returns it as
    // the error, where it reads as one of its own codes (20 out of memory,
    // 28 time-out...). Found by tests/fuzz/backend_answer_fuzzer.cc.
    return Failure(BackendErrorKind::kMalformedResponse,
                   Diagnostic(lease, "answer with HTTP status " + std::to_string(error) + ", not valid HTTP"));
  }
  if (error >= 300 && error < 600 && status_error) {
    BackendError result =
        Failure(BackendErrorKind::kHttpError, Diagnostic(lease, "HTTP error status, body is not a SOAP fault"));
    result.http_status = error;
    return result;
  }
  if (error >= 300 && error < 600) {
    // No "HTTP/1.x NNN" status line: gSOAP reads the answer as a request and
    // refuses it with a status of its own (405), which the backend never sent.
    // Found by tests/fuzz/backend_answer_fuzzer.cc.
    return Failure(BackendErrorKind::kMalformedResponse, Diagnostic(lease, "answer without a valid HTTP status line"));
  }
  return std::nullopt;
}

// A connection that failed after the request was sent: reset, closed (with
// or without part of an answer), or silent until the time-out.
BackendError TransportFailure(const ContextLease& lease) {
  const CallTrace& trace = lease.trace();
  const std::string received = std::to_string(trace.bytes_received);
  if (trace.peer_closed && trace.peer_reset) {
    // A reset (RST) is not a time-out: the backend dropped the exchange after
    // the request was sent, and whether it acted on it is unknown.
    return Failure(BackendErrorKind::kConnectionReset,
                   Diagnostic(lease, "connection reset by the backend (ECONNRESET) after the request was sent, " +
                                         received + " answer bytes received"));
  }
  if (trace.peer_closed && trace.bytes_received > 0) {
    // The backend began to answer, then closed or reset the connection: an
    // answer cut short is not a valid one, wherever the cut fell (gSOAP says
    // SOAP_EOF past the envelope's start, the HTTP status before it).
    return Failure(
        BackendErrorKind::kMalformedResponse,
        Diagnostic(lease, "answer cut short: connection closed by the backend after " + received + " bytes"));
  }
  if (trace.peer_closed) {
    return Failure(BackendErrorKind::kConnectionClosed,
                   Diagnostic(lease, "connection closed by the backend after the request was sent, no answer"));
  }
  BackendError result =
      Failure(BackendErrorKind::kTimeout,
              Diagnostic(lease, "no complete answer within the time-out (" + received + " bytes received)"));
  result.cut_by_request_deadline = lease.CutByRequestDeadline(/*connecting=*/false);
  return result;
}

// A request sent whole whose answer is not a valid SOAP response.
BackendError ReceiveFailure(const ContextLease& lease) {
  if (std::optional<BackendError> status_line = StatusLineFailure(lease)) return std::move(*status_line);
  struct ::soap* soap = lease.soap();
  const CallTrace& trace = lease.trace();
  const int error = soap->error;
  if (trace.doctype_in_body) return DoctypeRejected(lease);
  if (error == SOAP_EOF && soap->recv_maxlength > 0 && soap->count > soap->recv_maxlength) {
    // Measured: gSOAP stops at recv_maxlength with SOAP_EOF ("max message length exceeded").
    return Failure(BackendErrorKind::kMalformedResponse,
                   Diagnostic(lease, "answer larger than " + std::to_string(soap->recv_maxlength) + " bytes"));
  }
  if (error == SOAP_EOF && !trace.read_ended && trace.bytes_received > 0) {
    // The body ended where its HTTP framing (Content-Length) said, in the
    // middle of the XML: a complete but malformed answer, not a time-out.
    return Failure(BackendErrorKind::kMalformedResponse, Diagnostic(lease, "answer ended inside the XML document"));
  }
  if (IsIoError(error)) return TransportFailure(lease);
  if (error == SOAP_EOM)
    return Failure(BackendErrorKind::kInternal, Diagnostic(lease, "out of memory reading the answer"));
  return Failure(BackendErrorKind::kMalformedResponse, Diagnostic(lease, "answer is not a valid SOAP response"));
}

}  // namespace

BackendError ClassifyExchangeFailure(const ContextLease& lease, ExchangePhase phase) {
  return phase == ExchangePhase::kSend ? SendFailure(lease) : ReceiveFailure(lease);
}

const SOAP_ENV__Detail* ReceivedFaultDetail(const struct soap* ctx) {
  const SOAP_ENV__Fault* fault = ctx->fault;
  if (fault == nullptr) return nullptr;
  return fault->detail != nullptr ? fault->detail : fault->SOAP_ENV__Detail;
}

BackendError UntypedFault(const ContextLease& lease) {
  struct ::soap* soap = lease.soap();
  BackendError result;
  result.kind = BackendErrorKind::kUntypedFault;
  const char* detail = soap_fault_detail(soap);
  const FaultDetailFields fields = ReadFaultDetail(detail == nullptr ? "" : detail);
  result.backend_code = fields.code;
  result.backend_message = fields.message;
  if (result.backend_message.empty()) {
    const char* reason = soap_fault_string(soap);
    if (reason != nullptr) result.backend_message = OneLine(reason, kMaxFaultFieldBytes);
  }
  if (result.backend_code.empty()) result.backend_code = FaultCodeText(soap);
  result.diagnostic = Diagnostic(lease, "SOAP fault without the declared detail");
  return result;
}

BackendError NoContextError() {
  BackendError error;
  error.kind = BackendErrorKind::kInternal;
  error.diagnostic = "no gSOAP context could be allocated";
  return error;
}

BackendError SecurityHeaderError() {
  BackendError error;
  error.kind = BackendErrorKind::kInternal;
  error.diagnostic = "the WS-Security UsernameToken could not be made (no random nonce)";
  return error;
}

std::optional<BackendError> RejectedAnswer(ContextLease& lease, bool success) {
  lease.FinishAnswer();
  const CallTrace& trace = lease.trace();
  if (trace.doctype_in_body) return DoctypeRejected(lease);
  BackendError result;
  result.kind = BackendErrorKind::kMalformedResponse;
  if (trace.bad_character) {
    result.diagnostic = OneLine(std::string("answer holds ") + XmlCharProblemText(trace.bad_character->problem) +
                                    " at body byte " + std::to_string(trace.bad_character->offset),
                                kMaxDiagnosticBytes);
    return result;
  }
  const int status = lease.soap()->status;
  if (success && (status < 200 || status > 299)) {
    result.diagnostic = "answer with HTTP status " + std::to_string(status) + " holds a success response";
    return result;
  }
  return std::nullopt;
}

BackendError DoctypeRejected(const ContextLease& lease) {
  BackendError result;
  result.kind = BackendErrorKind::kMalformedResponse;
  result.diagnostic = Diagnostic(lease, "answer contains a DOCTYPE, rejected");
  return result;
}

}  // namespace voip::soap
