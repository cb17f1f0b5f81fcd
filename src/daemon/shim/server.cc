#include "daemon/shim/server.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "daemon/shim/protocol.h"
#include "runtime/cgroups/oom.h"
#include "runtime/state.h"
#include "sys/process.h"
#include "sys/unix_socket.h"

namespace skiff::daemon::shim {
namespace {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;

constexpr auto kDrainGrace = 2000ms;   // output still open after the process exited (stray holders)
constexpr auto kClientGrace = 10000ms; // attached clients that do not read their last output
constexpr auto kExitGrace = 15000ms;   // everything else (requests in flight, execs) once the init is done
constexpr auto kOrphanKeep = 30s;      // how long an unclaimed child exit status is kept
constexpr size_t kKeepFinishedExecs = 256;
constexpr const char* kDefaultRuntimeRoot = "/run/skiff-runtime";  // skiff-runtime's default --root

struct Pipe {
  UniqueFd r, w;
};

Result<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::Sys("pipe2");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::string NowRfc3339() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return logs::FormatRfc3339Nano(ns.count());
}

// recvmsg that also collects SCM_RIGHTS fds.
ssize_t RecvWithFds(int fd, char* buf, size_t n, std::vector<UniqueFd>& fds) {
  struct msghdr msg {};
  struct iovec iov {buf, n};
  alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * 4)];
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  ssize_t r = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (r < 0) return r;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.emplace_back(got);
    }
  }
  return r;
}

Result<pid_t> ReadPidFile(const std::string& path) {
  std::string text = SKIFF_TRY(ReadFile(path));
  auto v = ParseInt(Trim(text));
  if (!v || *v <= 0) return Error(Errc::kInternal, fmt::format("{}: no pid in \"{}\"", path, Trim(text)));
  return static_cast<pid_t>(*v);
}

// Receives the pty master the runtime sent over the console socket (it has exited already).
Result<UniqueFd> ReceiveConsole(int listener, const std::string& path) {
  UniqueFd conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) return Error::Sys("console socket " + path + ": the runtime sent no terminal");
  auto got = SKIFF_TRY_CTX(sys::RecvFd(conn.get()), "console socket " + path);
  return std::move(got.first);
}

Result<UniqueFd> ListenConsole(const std::string& path) {
  ::unlink(path.c_str());
  UniqueFd l = SKIFF_TRY(sys::ListenUnix(path));
  int fl = ::fcntl(l.get(), F_GETFL);
  ::fcntl(l.get(), F_SETFL, fl | O_NONBLOCK);
  return l;
}

// True when the bundle's config gives the container a new pid namespace (then the kernel ends every
// process of it when the init exits).
bool OwnPidNamespace(const std::string& config_path) {
  auto j = ReadJsonFile(config_path);
  if (!j.ok() || !j->is_object()) return true;  // runtime create reports a bad config
  auto linux_it = j->find("linux");
  if (linux_it == j->end() || !linux_it->is_object()) return false;
  auto ns = linux_it->find("namespaces");
  if (ns == linux_it->end() || !ns->is_array()) return false;
  for (const auto& n : *ns)
    if (n.is_object() && n.value("type", "") == "pid") return n.value("path", "").empty();
  return false;
}

Status ReadyWrite(int fd, const std::string& line) {
  if (fd < 0) return Ok();
  return WriteAll(fd, line);
}

}  // namespace

Server::Server(std::string dir, ShimConfig cfg) : dir_(std::move(dir)), cfg_(std::move(cfg)) {}

Server::~Server() {
  // Processes end before their io; the io objects remove their watches from the loop.
  init_.io.reset();
  for (auto& [id, p] : execs_) p.io.reset();
  for (auto& [id, c] : conns_) loop_->Remove(c->token);
}

std::string Server::Path(const char* name) const { return JoinPath(dir_, name); }

std::vector<std::string> Server::RuntimeCmd(std::initializer_list<std::string> args) const {
  auto argv = RuntimeArgv(cfg_.runtime, cfg_.runtime_root, Path(proto::kRuntimeLog));
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// ---- setup ----

Status Server::Setup() {
  loop_ = SKIFF_TRY(EventLoop::Create());
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return Error::Sys("prctl PR_SET_CHILD_SUBREAPER");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return Error::Sys("sigprocmask");
  signal_fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd_) return Error::Sys("signalfd");
  SKIFF_TRY(loop_->Add(signal_fd_.get(), EPOLLIN, [this](uint32_t) { OnSignal(); }));
  uint64_t start = SKIFF_TRY(sys::ProcessStartTime(::getpid()));
  SKIFF_TRY(WriteFileAtomic(Path(proto::kPidFile), fmt::format("{}\n{}\n", ::getpid(), start), 0644, false));
  SKIFF_TRY(ListenControl());
  if (cfg_.log_driver == "json-file") log_ = SKIFF_TRY(logs::JsonFileWriter::Open(cfg_.log));
  return Ok();
}

Status Server::ListenControl() {
  std::string path = Path(proto::kSocket);
  ::unlink(path.c_str());
  mode_t old = ::umask(077);
  auto l = sys::ListenUnix(path);
  ::umask(old);
  listener_ = SKIFF_TRY(std::move(l));
  ::listen(listener_.get(), 128);  // ListenUnix's backlog is small; daemon threads may connect at once
  int fl = ::fcntl(listener_.get(), F_GETFL);
  ::fcntl(listener_.get(), F_SETFL, fl | O_NONBLOCK);
  listener_token_ = SKIFF_TRY(loop_->Add(listener_.get(), EPOLLIN, [this](uint32_t) { OnAccept(); }));
  return Ok();
}

void Server::CloseControl() {
  if (!listener_) return;
  loop_->Remove(listener_token_);
  listener_token_ = 0;
  listener_.reset();
  ::unlink(Path(proto::kSocket).c_str());
  ::unlink(Path(proto::kPidFile).c_str());
}

Result<Spawned> Server::Create() {
  auto undo_setup = [this] {
    CloseControl();
    ::unlink(Path(proto::kPidFile).c_str());
  };
  if (auto st = Setup(); !st) {
    if (loop_) undo_setup();
    return st.error();
  }
  ::unlink(Path(proto::kInitPidFile).c_str());
  ::unlink(Path(proto::kExitFile).c_str());
  kill_all_on_exit_ = !OwnPidNamespace(JoinPath(cfg_.bundle, "config.json"));

  Pipe in, out, err;
  UniqueFd console;
  std::string console_path = Path("console.sock");
  ChildStdio io;
  auto prepare = [&]() -> Status {
    if (cfg_.tty) {
      console = SKIFF_TRY(ListenConsole(console_path));
      return Ok();
    }
    if (cfg_.open_stdin) {
      in = SKIFF_TRY(MakePipe());
      io.in = in.r.get();
    }
    out = SKIFF_TRY(MakePipe());
    err = SKIFF_TRY(MakePipe());
    io.out = out.w.get();
    io.err = err.w.get();
    return Ok();
  };
  if (auto st = prepare(); !st) {
    undo_setup();
    return st.error();
  }
  std::vector<std::string> argv = RuntimeCmd({"create", "--bundle", cfg_.bundle, "--pid-file",
                                              Path(proto::kInitPidFile)});
  if (cfg_.tty) argv.insert(argv.end(), {"--console-socket", console_path});
  argv.push_back(cfg_.id);
  uint64_t offset = FileSize(Path(proto::kRuntimeLog));
  auto fail = [&](Error e) -> Result<Spawned> {
    // The runtime's state (and the init, if any) goes; then every child we have is reaped.
    RunRuntimeSync(RuntimeCmd({"delete", "--force", cfg_.id}));
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (console) ::unlink(console_path.c_str());
    undo_setup();
    return e;
  };
  auto pid = RunRuntime(argv, io);
  in.r.reset();
  out.w.reset();
  err.w.reset();
  if (!pid.ok()) return fail(pid.error());
  auto status = WaitChild(*pid);
  if (!status.ok()) return fail(status.error());
  if (*status != 0) return fail(RuntimeFailure(Path(proto::kRuntimeLog), offset, "runtime create", *status));
  auto init_pid = ReadPidFile(Path(proto::kInitPidFile));
  if (!init_pid.ok()) return fail(init_pid.error());
  UniqueFd master;
  if (cfg_.tty) {
    auto m = ReceiveConsole(console.get(), console_path);
    console.reset();
    ::unlink(console_path.c_str());
    if (!m.ok()) return fail(m.error());
    master = std::move(*m);
  }
  init_.pid = *init_pid;
  if (auto st = StartInitIo(std::move(in.w), std::move(out.r), std::move(err.r), std::move(master)); !st)
    return fail(st.error());
  OnChildExit(init_.pid, [this](int st) { InitReaped(st); });
  return Spawned{::getpid(), init_.pid};
}

Status Server::StartInitIo(UniqueFd in_w, UniqueFd out_r, UniqueFd err_r, UniqueFd master) {
  init_.io = std::make_unique<ProcessIo>(
      *loop_, cfg_.tty, !cfg_.tty && cfg_.stdin_once,
      [this](logs::Stream s, std::string_view d, std::chrono::system_clock::time_point t) { LogOutput(s, d, t); },
      [this] { InitDrained(); });
  if (cfg_.tty) {
    UniqueFd dup(::fcntl(master.get(), F_DUPFD_CLOEXEC, 3));
    if (!dup) return Error::Sys("dup pty master");
    SKIFF_TRY(init_.io->SetStdin(std::move(dup), true, cfg_.open_stdin));
    SKIFF_TRY(init_.io->AddOutput(std::move(master), logs::Stream::kStdout));
    return Ok();
  }
  if (in_w) SKIFF_TRY(init_.io->SetStdin(std::move(in_w), false, true));
  SKIFF_TRY(init_.io->AddOutput(std::move(out_r), logs::Stream::kStdout));
  SKIFF_TRY(init_.io->AddOutput(std::move(err_r), logs::Stream::kStderr));
  return Ok();
}

void Server::LogOutput(logs::Stream s, std::string_view data, std::chrono::system_clock::time_point t) {
  if (!log_) return;
  auto emit = [this, s](std::string_view msg, std::chrono::system_clock::time_point when) {
    if (!log_) return;
    if (auto st = log_->Write(s, msg, when); !st && !log_failed_) {
      log_failed_ = true;  // warn once; keep trying (the disk may recover)
      log::Warn("shim: container log {}: {}", cfg_.log.path, st.error().message());
    }
  };
  (s == logs::Stream::kStdout ? split_out_ : split_err_).Feed(data, t, emit);
}

// ---- children ----

Result<pid_t> Server::RunRuntime(const std::vector<std::string>& args, const ChildStdio& io) {
  pid_t pid = SKIFF_TRY(StartChild(args, io));
  orphans_.erase(pid);  // an old status under a reused pid is not this child's
  return pid;
}

int Server::RunRuntimeSync(const std::vector<std::string>& args) {
  auto pid = RunRuntime(args, ChildStdio{});
  if (!pid.ok()) return -1;
  auto st = WaitChild(*pid);
  return st.ok() ? *st : -1;
}

void Server::OnChildExit(pid_t pid, std::function<void(int)> cb) {
  if (auto it = orphans_.find(pid); it != orphans_.end()) {
    int st = it->second.status;
    orphans_.erase(it);
    cb(st);
    return;
  }
  children_[pid] = std::move(cb);
}

void Server::OnSignal() {
  struct signalfd_siginfo si;
  while (::read(signal_fd_.get(), &si, sizeof si) == sizeof si) {
  }
  Reap();
}

void Server::Reap() {
  auto now = Clock::now();
  for (auto it = orphans_.begin(); it != orphans_.end();)
    it = now - it->second.at > kOrphanKeep ? orphans_.erase(it) : std::next(it);
  for (;;) {
    int st = 0;
    pid_t pid = ::waitpid(-1, &st, WNOHANG);
    if (pid <= 0) break;
    auto it = children_.find(pid);
    if (it == children_.end()) {
      orphans_[pid] = Orphan{st, now};
      continue;
    }
    auto cb = std::move(it->second);
    children_.erase(it);
    cb(st);
  }
}

// ---- control connections ----

void Server::OnAccept() {
  for (;;) {
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) return;
    uint64_t id = next_conn_++;
    auto c = std::make_unique<Conn>();
    auto tok = loop_->Add(fd.get(), EPOLLIN | EPOLLRDHUP, [this, id](uint32_t ev) { OnConn(id, ev); });
    if (!tok.ok()) continue;
    c->fd = std::move(fd);
    c->token = *tok;
    conns_[id] = std::move(c);
  }
}

void Server::OnConn(uint64_t id, uint32_t ev) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  if (ev & EPOLLOUT) {
    FlushConn(id);
    return;
  }
  if (c.dispatched) {
    // Waiting for an answer: only a hang-up matters (the caller gave up: Wait cancelled).
    if (ev & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)) DropConn(id);
    return;
  }
  char buf[16384];
  ssize_t n = RecvWithFds(c.fd.get(), buf, sizeof buf, c.fds);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    DropConn(id);
    return;
  }
  c.in.append(buf, static_cast<size_t>(n));
  size_t nl = c.in.find('\n');
  if (nl == std::string::npos) {
    if (c.in.size() > proto::kMaxRequest) Answer(id, Error(Errc::kInvalidArgument, "shim: request too large"));
    return;
  }
  auto header = ParseJson(std::string_view(c.in).substr(0, nl), "shim request");
  if (!header.ok() || !header->is_object()) {
    Answer(id, header.ok() ? Error(Errc::kInvalidArgument, "shim request: expected an object") : header.error());
    return;
  }
  int64_t plen = proto::IntField(*header, "preamble_len", 0).value_or(-1);
  if (plen < 0 || static_cast<uint64_t>(plen) > proto::kMaxRequest) {
    Answer(id, Error(Errc::kInvalidArgument, "shim request: bad preamble_len"));
    return;
  }
  if (c.in.size() < nl + 1 + static_cast<size_t>(plen)) return;  // more to come
  Request req;
  req.header = std::move(*header);
  req.preamble = c.in.substr(nl + 1, static_cast<size_t>(plen));
  if (!c.fds.empty()) req.fd = std::move(c.fds.front());
  c.fds.clear();
  c.in.clear();
  c.dispatched = true;
  loop_->Modify(c.token, EPOLLRDHUP);
  Dispatch(id, std::move(req));
}

void Server::Answer(uint64_t id, const Result<Json>& r) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  c.out = r.ok() ? proto::OkReply(*r) : proto::ErrorReply(r.error());
  c.closing = true;
  c.dispatched = true;
  FlushConn(id);
}

void Server::FlushConn(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      loop_->Modify(c.token, EPOLLOUT);
      return;
    }
    break;  // the caller is gone
  }
  if (c.closing) DropConn(id);
}

void Server::DropConn(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  loop_->Remove(it->second->token);
  conns_.erase(it);
}

void Server::Dispatch(uint64_t id, Request req) {
  std::string op = proto::StringField(req.header, "op").value_or("");
  // Deferred requests answer later (or now, on error); the others answer at once.
  if (op == "start") {
    if (auto r = DoStart(id); !r.ok()) Answer(id, r);
    return;
  }
  if (op == "exec" || op == "exec_capture") {
    if (auto r = DoExec(id, req, op == "exec_capture"); !r.ok()) Answer(id, r);
    return;
  }
  if (op == "wait") {
    if (auto r = DoWait(id, req.header); !r.ok() || !r->is_null()) Answer(id, r);
    return;
  }
  Result<Json> r = Error(Errc::kInvalidArgument, fmt::format("shim: unknown request \"{}\"", op));
  if (op == "attach") r = DoAttach(req);
  else if (op == "resize") r = DoResize(req.header);
  else if (op == "close_stdin") r = DoCloseStdin(req.header);
  else if (op == "state") r = DoState();
  Answer(id, r);
}

// ---- requests ----

Result<Server::Proc*> Server::FindProc(const std::string& exec_id) {
  if (exec_id.empty()) return &init_;
  auto it = execs_.find(exec_id);
  if (it == execs_.end()) return Error(Errc::kNotFound, fmt::format("No such exec instance: {}", exec_id));
  return &it->second;
}

Result<Json> Server::DoStart(uint64_t id) {
  if (started_ || starting_) return Error(Errc::kConflict, fmt::format("container {} is already started", cfg_.id));
  if (init_.reaped) return Error(Errc::kConflict, fmt::format("container {} has exited", cfg_.id));
  starting_ = true;
  uint64_t offset = FileSize(Path(proto::kRuntimeLog));
  pid_t pid = SKIFF_TRY(RunRuntime(RuntimeCmd({"start", cfg_.id}), ChildStdio{}));
  OnChildExit(pid, [this, id, offset](int st) {
    starting_ = false;
    if (st != 0) {
      Answer(id, RuntimeFailure(Path(proto::kRuntimeLog), offset, "runtime start", st));
      return;
    }
    started_ = true;
    if (!init_.reaped) init_.running = true;
    Answer(id, Json::object());
  });
  return Json();
}

Result<Json> Server::DoAttach(Request& req) {
  if (!req.fd) return Error(Errc::kInvalidArgument, "attach: no connection fd was passed");
  if (!init_.io || init_.io->Drained() || finished_)
    return Error(Errc::kConflict, fmt::format("container {} has exited", cfg_.id));
  AttachOptions o = proto::AttachOptionsFromJson(req.header);
  SKIFF_TRY(init_.io->Attach(std::move(req.fd), req.preamble, o));
  return Json::object();
}

Result<Json> Server::DoResize(const Json& h) {
  std::string exec_id = SKIFF_TRY(proto::StringField(h, "exec_id"));
  int64_t height = SKIFF_TRY(proto::IntField(h, "height", 0));
  int64_t width = SKIFF_TRY(proto::IntField(h, "width", 0));
  if (height < 0 || width < 0 || height > 65535 || width > 65535)
    return Error(Errc::kInvalidArgument, fmt::format("resize: bad size {}x{}", height, width));
  Proc* p = SKIFF_TRY(FindProc(exec_id));
  if (p->io) SKIFF_TRY(p->io->Resize(static_cast<unsigned>(height), static_cast<unsigned>(width)));
  return Json::object();
}

Result<Json> Server::DoCloseStdin(const Json& h) {
  Proc* p = SKIFF_TRY(FindProc(SKIFF_TRY(proto::StringField(h, "exec_id"))));
  if (p->io) p->io->CloseStdin();
  return Json::object();
}

Result<Json> Server::DoState() {
  auto state = [](const Proc& p) {
    return proto::ProcessStateToJson(ProcessState{p.pid, p.running, p.exit});
  };
  Json execs = Json::object();
  for (const auto& [id, p] : execs_) execs[id] = state(p);
  return Json{{"init", state(init_)}, {"execs", execs}};
}

Result<Json> Server::DoWait(uint64_t id, const Json& h) {
  Proc* p = SKIFF_TRY(FindProc(SKIFF_TRY(proto::StringField(h, "exec_id"))));
  if (p->exit) return Json{{"exit", proto::ExitInfoToJson(*p->exit)}};
  p->waiters.push_back(id);
  return Json();  // answered by AnswerWaiters
}

void Server::AnswerWaiters(Proc& p) {
  if (!p.exit) return;
  Json r{{"exit", proto::ExitInfoToJson(*p.exit)}};
  for (uint64_t id : p.waiters) Answer(id, r);
  p.waiters.clear();
}

Result<Json> Server::DoExec(uint64_t id, Request& req, bool capture) {
  const Json& h = req.header;
  std::string exec_id = SKIFF_TRY(proto::StringField(h, "exec_id"));
  if (exec_id.empty()) return Error(Errc::kInvalidArgument, "exec: exec_id must not be empty");
  auto pit = h.find("process");
  if (pit == h.end() || !pit->is_object()) return Error(Errc::kInvalidArgument, "exec: process: expected an object");
  if (!started_ || !init_.running || finished_)
    return Error(Errc::kConflict, fmt::format("Container {} is not running", cfg_.id));
  if (execs_.contains(exec_id)) return Error(Errc::kAlreadyExists, fmt::format("exec {} already exists", exec_id));
  Json process = *pit;
  bool tty = !capture && process.value("terminal", false);
  if (capture) process["terminal"] = false;
  int64_t timeout_ms = SKIFF_TRY(proto::IntField(h, "timeout_ms", 0));

  auto pe = std::make_shared<PendingExec>();
  pe->io = proto::AttachOptionsFromJson(h);
  pe->client = std::move(req.fd);
  pe->preamble = std::move(req.preamble);
  bool attached = pe->client.valid();
  uint64_t seq = ++exec_seq_;
  pe->process_file = Path(fmt::format("exec-{}.json", seq).c_str());
  pe->pid_file = Path(fmt::format("exec-{}.pid", seq).c_str());
  ::unlink(pe->pid_file.c_str());
  SKIFF_TRY(WriteFileAtomic(pe->process_file, DumpJson(process), 0600, false));
  ChildStdio io;
  Pipe in, out, err;
  std::vector<std::string> argv = RuntimeCmd({"exec", "--detach", "--process", pe->process_file, "--pid-file",
                                              pe->pid_file});
  auto prepare = [&]() -> Status {
    if (tty) {
      pe->console_path = Path(fmt::format("c{}.sock", seq).c_str());
      pe->console_listener = SKIFF_TRY(ListenConsole(pe->console_path));
      argv.insert(argv.end(), {"--console-socket", pe->console_path});
      return Ok();
    }
    if (attached && pe->io.stdin) {
      in = SKIFF_TRY(MakePipe());
      io.in = in.r.get();
    }
    if (attached || capture) {  // a detached exec's output is discarded: /dev/null
      out = SKIFF_TRY(MakePipe());
      err = SKIFF_TRY(MakePipe());
      io.out = out.w.get();
      io.err = err.w.get();
    }
    return Ok();
  };
  auto cleanup = [&] {
    ::unlink(pe->process_file.c_str());
    if (!pe->console_path.empty()) ::unlink(pe->console_path.c_str());
  };
  if (auto st = prepare(); !st) {
    cleanup();
    return st.error();
  }
  argv.push_back(cfg_.id);
  pe->log_offset = FileSize(Path(proto::kRuntimeLog));
  auto pid = RunRuntime(argv, io);
  if (!pid.ok()) {
    cleanup();
    return pid.error();
  }
  pe->in_w = std::move(in.w);
  pe->out_r = std::move(out.r);
  pe->err_r = std::move(err.r);
  Proc& p = execs_[exec_id];
  p.exec_id = exec_id;
  p.tty = tty;
  p.capture = capture;
  p.request_conn = id;
  if (capture && timeout_ms > 0) {
    p.timeout_timer = loop_->AddTimer(Clock::now() + std::chrono::milliseconds(timeout_ms), [this, exec_id] {
      auto it = execs_.find(exec_id);
      if (it == execs_.end()) return;
      it->second.timeout_timer = 0;
      it->second.timed_out = true;
      if (it->second.running) ::kill(it->second.pid, SIGKILL);
    });
  }
  OnChildExit(*pid, [this, exec_id, pe](int st) { ExecStarted(exec_id, st, pe); });
  return Json();
}

void Server::ExecStarted(const std::string& exec_id, int status, const std::shared_ptr<PendingExec>& pe) {
  ::unlink(pe->process_file.c_str());
  auto it = execs_.find(exec_id);
  if (it == execs_.end()) return;
  Proc& p = it->second;
  auto fail = [&](Error e) {
    if (!pe->console_path.empty()) ::unlink(pe->console_path.c_str());
    ::unlink(pe->pid_file.c_str());
    loop_->CancelTimer(p.timeout_timer);
    uint64_t conn = p.request_conn;
    execs_.erase(it);
    Answer(conn, e);
  };
  if (status != 0) return fail(RuntimeFailure(Path(proto::kRuntimeLog), pe->log_offset, "runtime exec", status));
  auto pid = ReadPidFile(pe->pid_file);
  ::unlink(pe->pid_file.c_str());
  if (!pid.ok()) return fail(pid.error());
  UniqueFd master;
  if (p.tty) {
    auto m = ReceiveConsole(pe->console_listener.get(), pe->console_path);
    pe->console_listener.reset();
    ::unlink(pe->console_path.c_str());
    if (!m.ok()) {
      ::kill(*pid, SIGKILL);
      return fail(m.error());
    }
    master = std::move(*m);
  }
  ProcessIo::OutputFn capture_fn;
  if (p.capture) {
    capture_fn = [this, exec_id](logs::Stream, std::string_view d, std::chrono::system_clock::time_point) {
      auto e = execs_.find(exec_id);
      if (e == execs_.end()) return;
      std::string& c = e->second.captured;
      if (c.size() < proto::kCaptureLimit) c.append(d.substr(0, proto::kCaptureLimit - c.size()));
    };
  }
  p.io = std::make_unique<ProcessIo>(*loop_, p.tty, !p.tty, std::move(capture_fn), [this, exec_id] {
    // Deferred: the io object must not be destroyed from inside its own callback.
    loop_->AddTimer(Clock::now(), [this, exec_id] { ExecFinished(exec_id); });
  });
  auto setup = [&]() -> Status {
    if (master) {
      UniqueFd dup(::fcntl(master.get(), F_DUPFD_CLOEXEC, 3));
      if (!dup) return Error::Sys("dup pty master");
      SKIFF_TRY(p.io->SetStdin(std::move(dup), true, pe->io.stdin));
      SKIFF_TRY(p.io->AddOutput(std::move(master), logs::Stream::kStdout));
    } else {
      if (pe->in_w) SKIFF_TRY(p.io->SetStdin(std::move(pe->in_w), false, true));
      if (pe->out_r) SKIFF_TRY(p.io->AddOutput(std::move(pe->out_r), logs::Stream::kStdout));
      if (pe->err_r) SKIFF_TRY(p.io->AddOutput(std::move(pe->err_r), logs::Stream::kStderr));
    }
    if (pe->client) SKIFF_TRY(p.io->Attach(std::move(pe->client), pe->preamble, pe->io));
    return Ok();
  };
  if (auto st = setup(); !st) {
    ::kill(*pid, SIGKILL);  // reaped as an orphan
    return fail(st.error());
  }
  p.pid = *pid;
  p.running = true;
  if (p.timed_out) ::kill(p.pid, SIGKILL);
  OnChildExit(p.pid, [this, exec_id](int st) {
    auto e = execs_.find(exec_id);
    if (e == execs_.end()) return;
    e->second.running = false;
    e->second.reaped = true;
    e->second.wait_status = st;
    e->second.finished_at = NowRfc3339();
    loop_->CancelTimer(e->second.timeout_timer);
    e->second.timeout_timer = 0;
    if (e->second.io) e->second.io->ProcessExited(kDrainGrace);
  });
  if (!p.capture) {
    Answer(p.request_conn, Json{{"pid", p.pid}});
    p.request_conn = 0;
  }
}

void Server::ExecFinished(const std::string& exec_id) {
  auto it = execs_.find(exec_id);
  if (it == execs_.end()) return;
  Proc& p = it->second;
  p.exit = ExitInfo{ExitCodeOf(p.wait_status), p.finished_at, false};
  AnswerWaiters(p);
  if (p.capture) {
    Answer(p.request_conn, Json{{"exit_code", p.exit->exit_code}, {"output", p.captured},
                                {"timed_out", p.timed_out}});
    execs_.erase(it);  // nobody asks for a health check's record
    return;
  }
  p.io->CloseClients(kClientGrace);
  finished_execs_.push_back(exec_id);
  PruneExecs();
}

void Server::PruneExecs() {
  // Finished execs whose clients are gone release their io; the oldest records go beyond the cap.
  for (const auto& id : finished_execs_) {
    auto it = execs_.find(id);
    if (it != execs_.end() && it->second.io && it->second.io->NoClients()) it->second.io.reset();
  }
  while (finished_execs_.size() > kKeepFinishedExecs) {
    auto it = execs_.find(finished_execs_.front());
    if (it != execs_.end() && it->second.io && !it->second.io->NoClients()) break;
    if (it != execs_.end()) execs_.erase(it);
    finished_execs_.erase(finished_execs_.begin());
  }
}

// ---- init exit ----

void Server::InitReaped(int status) {
  init_.running = false;
  init_.reaped = true;
  init_.wait_status = status;
  init_.finished_at = NowRfc3339();
  if (kill_all_on_exit_) {
    // As containerd does for a container sharing a pid namespace: what the init left running goes now,
    // so its output pipes close and `delete` can remove the cgroup.
    auto pid = RunRuntime(RuntimeCmd({"kill", "--all", cfg_.id, "KILL"}), ChildStdio{});
    if (pid.ok()) OnChildExit(*pid, [](int) {});
    else log::Warn("shim: runtime kill --all: {}", pid.error().message());
  }
  init_.io->ProcessExited(kDrainGrace);
}

void Server::InitDrained() {
  auto now = std::chrono::system_clock::now();
  auto emit_to = [this](logs::Stream s) {
    return [this, s](std::string_view msg, std::chrono::system_clock::time_point t) {
      if (log_) (void)log_->Write(s, msg, t);
    };
  };
  split_out_.Flush(now, emit_to(logs::Stream::kStdout));
  split_err_.Flush(now, emit_to(logs::Stream::kStderr));
  log_.reset();

  ExitInfo e{ExitCodeOf(init_.wait_status), init_.finished_at, false};
  std::string root = cfg_.runtime_root.empty() ? kDefaultRuntimeRoot : cfg_.runtime_root;
  if (auto st = runtime::StateStore(root).Load(cfg_.id); st.ok()) {
    auto m = runtime::cgroups::Manager::FromJson(st->cgroup);
    if (m.ok()) {
      auto n = runtime::cgroups::OomKillCount(*m);
      if (n.ok()) e.oom_killed = *n > 0;
      else log::Warn("shim: oom counter of {}: {}", cfg_.id, n.error().message());
    }
  }
  if (auto st = WriteFileAtomic(Path(proto::kExitFile), DumpJson(proto::ExitInfoToJson(e)) + "\n"); !st)
    log::Err("shim: {}", st.error().message());
  init_exit_ = e;  // published (State, Wait) once the runtime state is gone too
  uint64_t offset = FileSize(Path(proto::kRuntimeLog));
  auto pid = RunRuntime(RuntimeCmd({"delete", "--force", cfg_.id}), ChildStdio{});
  if (!pid.ok()) {
    log::Err("shim: runtime delete: {}", pid.error().message());
    InitDeleted();
    return;
  }
  OnChildExit(*pid, [this, offset](int st) {
    if (st != 0)
      log::Warn("shim: runtime delete --force {}: {}", cfg_.id,
                RuntimeFailure(Path(proto::kRuntimeLog), offset, "runtime delete", st).message());
    InitDeleted();
  });
}

void Server::InitDeleted() {
  CloseControl();
  finished_ = true;
  init_.exit = init_exit_;
  AnswerWaiters(init_);
  init_.io->CloseClients(kClientGrace);
  exit_deadline_ = Clock::now() + kExitGrace;
  loop_->AddTimer(exit_deadline_, [] {});  // wakes the loop to re-check Done()
}

bool Server::Done() const {
  if (!finished_) return false;
  if (Clock::now() >= exit_deadline_) return true;
  if (!init_.io->NoClients() || !conns_.empty()) return false;
  for (const auto& [id, p] : execs_)
    if (p.running || (p.io && !p.io->NoClients())) return false;
  return true;
}

int Server::Run() {
  auto st = loop_->Run([this] { return Done(); });
  if (!st) {
    log::Err("shim: {}", st.error().message());
    return 1;
  }
  return 0;
}

// ---- entry point ----

int ShimMain(const std::string& dir) {
  ::signal(SIGPIPE, SIG_IGN);
  // The shim ends only when its container does: terminal and termination signals are ignored.
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  int ready = -1;
  if (const char* r = ::getenv(proto::kReadyFdEnv)) {
    if (auto v = ParseInt(r); v && *v >= 0 && ::fcntl(static_cast<int>(*v), F_SETFD, FD_CLOEXEC) == 0)
      ready = static_cast<int>(*v);
    ::unsetenv(proto::kReadyFdEnv);
  }
  int log_fd = ::open(JoinPath(dir, proto::kShimLog).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log_fd >= 0) log::Configure(log_fd, log::Format::kJson, log::Level::kInfo);
  auto report_failure = [&](const Error& e) {
    log::Err("shim: {}", e.message());
    // The pipe closes when this process exits, so Spawn returns only once the shim is gone.
    (void)ReadyWrite(ready, DumpJson(Json{{"ok", false}, {"error", proto::ErrorToJson(e)}}) + "\n");
    return 1;
  };
  auto cfg_json = ReadJsonFile(JoinPath(dir, proto::kConfigFile));
  if (!cfg_json.ok()) return report_failure(cfg_json.error());
  auto cfg = ShimConfig::FromJson(*cfg_json);
  if (!cfg.ok()) return report_failure(cfg.error());
  Server server(dir, std::move(*cfg));
  auto spawned = server.Create();
  if (!spawned.ok()) return report_failure(spawned.error());
  (void)ReadyWrite(ready, DumpJson(Json{{"ok", true}, {"shim_pid", spawned->shim_pid},
                                        {"init_pid", spawned->init_pid}}) + "\n");
  if (ready >= 0) ::close(ready);
  return server.Run();
}

}  // namespace skiff::daemon::shim
