"""A local cluster for the cluster tests and scripts/cluster.sh: the simulators
(`voip-migration-sim`), N adapter instances on free loopback ports, and HAProxy
(Debian's) in front of them with the configuration the docs recommend
(deploy/haproxy.cfg, only its addresses replaced, and optionally its check
timings).

Every process runs in its own process group and is killed with its parent
(PR_SET_PDEATHSIG), so a test killed by its time-out leaves nothing behind;
Cluster.stop() (also on the way out of a `with` block) stops them all, in
reverse order, and removes the working directory. Every wait is bounded.
Run with /usr/bin/python3 (Debian's).
"""
import collections
import ctypes
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
DEPLOY_HAPROXY_CFG = os.path.join(SOURCE_DIR, "deploy", "haproxy.cfg")
START_LIMIT_S = 20
STOP_LIMIT_S = 40

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _own_group_dying_with_parent():
    """preexec_fn: a new session (process group), and SIGKILL when the parent dies."""
    os.setsid()
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds, step=0.02):
    """Polls `condition` every `step` s for at most `seconds`; whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def accepting(port):
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def http_get(port, path, timeout=5):
    """(status, body bytes) of GET http://127.0.0.1:PORT/PATH; (None, error text) when it failed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    except OSError as error:
        return None, str(error).encode()
    finally:
        connection.close()


class Process:
    """A child process in its own group, its output in `log_path`."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         preexec_fn=_own_group_dying_with_parent, env=env)

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def send(self, number):
        if self.running():
            os.kill(self.proc.pid, number)

    def wait(self, seconds):
        """The exit code, or None when still running after `seconds`."""
        try:
            return self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, seconds=STOP_LIMIT_S, number=signal.SIGTERM):
        """`number` to the process, SIGKILL to its group after `seconds`; the exit code."""
        if self.running():
            self.send(number)
            if self.wait(seconds) is None:
                self.kill()
        self._kill_group()
        return self.proc.wait()

    def kill(self):
        """kill -9 the process and whatever is left of its group."""
        self.send(signal.SIGKILL)
        self.proc.wait()
        self._kill_group()

    def _kill_group(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def output(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()


class Simulators(Process):
    """voip-migration-sim on `port` (0: a free one, kept for restarts); base: its URL."""

    def __init__(self, binary, workdir, port=0, name="sim", extra=()):
        self.port = port or free_port()
        log_path = os.path.join(workdir, f"{name}.log")
        super().__init__(name, [binary, "--listen", f"127.0.0.1:{self.port}", *extra], log_path)
        if not wait_for(lambda: "listening on" in self.output() or not self.running(), START_LIMIT_S):
            pass
        if "listening on" not in self.output():
            self.kill()
            raise RuntimeError(f"{name} did not start:\n{self.output()}")
        self.base = f"http://127.0.0.1:{self.port}"

    def received(self):
        """What the simulators received (GET /__sim/received, docs/simulators.md)."""
        status, body = http_get(self.port, "/__sim/received")
        if status != 200:
            raise RuntimeError(f"{self.name}: GET /__sim/received answered {status}: {body!r}")
        return json.loads(body)


class Instance:
    """One adapter instance on a fixed port, its log (stdout and stderr) in the working directory.

    Started again by start() on the same port and database after a stop or a kill.
    """

    def __init__(self, binary, index, workdir, args):
        self.binary = binary
        self.index = index
        self.name = f"adapter{index}"
        self.port = free_port()
        self.args = list(args)
        self.workdir = workdir
        self.runs = 0
        self.process = None

    def start(self):
        """Starts a new run; waits (bounded) until it prints its banner."""
        self.runs += 1
        log_path = os.path.join(self.workdir, f"{self.name}.run{self.runs}.log")
        argv = [self.binary, "--listen", f"127.0.0.1:{self.port}", *self.args]
        self.process = Process(f"{self.name}.run{self.runs}", argv, log_path)
        if not wait_for(lambda: "\ntry:" in self.process.output() or not self.process.running(), START_LIMIT_S):
            self.process.kill()
        if "\ntry:" not in self.process.output():
            self.process.kill()
            raise RuntimeError(f"{self.name} did not start: {argv}\n{self.process.output()}")
        return self

    def log_events(self, run=None):
        """The JSON log lines of run `run` (default: the current one)."""
        path = os.path.join(self.workdir, f"{self.name}.run{run or self.runs}.log")
        with open(path, encoding="utf-8", errors="replace") as log:
            return [json.loads(line) for line in log if line.startswith("{")]

    def requests_served(self, run=None):
        """Request log lines (one per finished CreateVOIPMigrationWorkOrder) of run `run`."""
        return [line for line in self.log_events(run) if line.get("event") == "request"]


class HaProxy(Process):
    """HAProxy in the foreground with deploy/haproxy.cfg for `instances`; port: its front end."""

    def __init__(self, workdir, instances, check=None, port=0):
        self.port = port or free_port()
        self.socket_path = os.path.join(workdir, "haproxy.sock")
        config_path = os.path.join(workdir, "haproxy.cfg")
        with open(config_path, "w", encoding="utf-8") as config:
            config.write(cluster_haproxy_config(self.port, self.socket_path, instances, check))
        check_run = subprocess.run(["haproxy", "-c", "-q", "-f", config_path], capture_output=True, text=True,
                                   timeout=START_LIMIT_S)
        if check_run.returncode != 0:
            raise RuntimeError(f"haproxy -c refused the cluster config:\n{check_run.stderr}")
        super().__init__("haproxy", ["haproxy", "-db", "-f", config_path], os.path.join(workdir, "haproxy.log"))
        # HAProxy binds its stats socket under a temporary name and renames it: wait for both.
        serving = lambda: accepting(self.port) and os.path.exists(self.socket_path)  # noqa: E731
        if not wait_for(lambda: serving() or not self.running(), START_LIMIT_S):
            pass
        if not self.running() or not serving():
            self.kill()
            raise RuntimeError(f"haproxy did not start:\n{self.output()}")
        self.base = f"http://127.0.0.1:{self.port}"

    def command(self, line):
        """One command on HAProxy's stats socket; its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(5)
            client.connect(self.socket_path)
            client.sendall(line.encode() + b"\n")
            chunks = []
            while True:
                chunk = client.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_rows(self):
        """{server name: its `show stat` row} of the adapters' back end: `status` (UP, DOWN,
        UP 1/2, ...), `check_status` (L7OK, L7STS: a wrong HTTP status, L4CON: refused, ...)."""
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == "voip_migration_adapters" and row.get("svname") not in ("BACKEND", None):
                rows[row["svname"]] = row
        return rows

    def server_states(self):
        """{server name: HAProxy's status (UP, DOWN, UP 1/2, ...)} of the adapters' back end."""
        return {name: row["status"] for name, row in self.server_rows().items()}

    def wait_for_state(self, server, state, seconds):
        """Whether HAProxy's check reports `server` in `state` (exactly) within `seconds`."""
        return wait_for(lambda: self.server_states().get(server) == state, seconds, step=0.05)


def cluster_haproxy_config(port, socket_path, instances, check=None):
    """deploy/haproxy.cfg with its listener on 127.0.0.1:`port`, a stats socket at `socket_path`,
    the example servers replaced by `instances`, and (when `check` is given, e.g. "inter 500ms
    fall 2 rise 2") those check timings instead of the shipped ones."""
    with open(DEPLOY_HAPROXY_CFG, encoding="utf-8") as shipped:
        text = shipped.read()
    text = text.replace("    log stdout format raw local0\n",
                        f"    log stdout format raw local0\n    stats socket {socket_path} level admin\n", 1)
    # HAProxy needs about two descriptors a connection and refuses to start when its global maxconn
    # needs more than the hard limit allows (20,000 here, under a container's limit): lowered to fit.
    hard_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard_limit != resource.RLIM_INFINITY:
        fitting = min(20000, (hard_limit - 200) // 2)
        text = re.sub(r"(?m)^(global\n(?:    .*\n)*?)    maxconn (\d+)$", rf"\g<1>    maxconn {fitting}", text, 1)
    text, binds = re.subn(r"(?m)^    bind :8080$", f"    bind 127.0.0.1:{port}", text)
    text, examples = re.subn(r"(?m)^    server adapter\d+ .*\n", "", text)
    if binds != 1 or examples == 0:
        raise RuntimeError("deploy/haproxy.cfg no longer has the 'bind :8080' and 'server adapterN' lines "
                           "tests/cluster/cluster.py replaces")
    if check:
        text, checks = re.subn(r"inter \S+ fall \d+ rise \d+", check, text)
        if checks != 1:
            raise RuntimeError("deploy/haproxy.cfg no longer has one 'inter X fall N rise N'")
    servers = "".join(f"    server {i.name} 127.0.0.1:{i.port}\n" for i in instances)
    return text.rstrip("\n") + "\n" + servers


class Cluster:
    """Simulators, `size` adapter instances and HAProxy, started in that order.

    adapter_args: given to every instance (after --listen and the backend URLs). Without
    --database among them, each instance gets its own SQLite file in the working directory.
    check: HAProxy check timings replacing the shipped ones (None: deploy/haproxy.cfg's).
    separate_midas: MIDAS from a second simulator process (`midas_sim`), which a test can stop
    and start again on its port (restart_midas) while the work-order system stays up.
    port: HAProxy's front end (0: a free one).
    """

    def __init__(self, adapter_binary, sim_binary, size=3, adapter_args=(), check=None, sim_args=(),
                 separate_midas=False, port=0):
        self.workdir = tempfile.mkdtemp(prefix="voip-cluster-")
        self.sim_binary = sim_binary
        self.sim = None
        self.midas_sim = None
        self.instances = []
        self.haproxy = None
        try:
            self.sim = Simulators(sim_binary, self.workdir, extra=sim_args)
            self.midas_sim = Simulators(sim_binary, self.workdir, name="midas-sim") if separate_midas else self.sim
            for index in range(1, size + 1):
                args = ["--workorder-url", self.sim.base + "/workorder", "--midas-url",
                        self.midas_sim.base + "/midas", "--auth", "none", *adapter_args]
                if "--database" not in adapter_args:
                    args += ["--database", os.path.join(self.workdir, f"adapter{index}.db")]
                self.instances.append(Instance(adapter_binary, index, self.workdir, args).start())
            self.haproxy = HaProxy(self.workdir, self.instances, check, port)
            if not all(self.haproxy.wait_for_state(i.name, "UP", START_LIMIT_S) for i in self.instances):
                raise RuntimeError(f"HAProxy never saw every instance UP: {self.haproxy.server_states()}")
        except BaseException:
            self.stop()
            raise

    @property
    def base(self):
        return self.haproxy.base

    def restart_midas(self):
        """Starts the separate MIDAS simulator again on its port (its record starts empty)."""
        self.midas_sim.stop(5)
        self.midas_sim = Simulators(self.sim_binary, self.workdir, port=self.midas_sim.port, name="midas-sim-2")

    def stop(self, keep_workdir=False):
        """Stops HAProxy, the instances, then the simulators (each bounded); removes the working directory."""
        if self.haproxy:
            self.haproxy.stop(5)
        for instance in self.instances:
            if instance.process:
                instance.process.stop(STOP_LIMIT_S, signal.SIGINT)
        if self.midas_sim and self.midas_sim is not self.sim:
            self.midas_sim.stop(5)
        if self.sim:
            self.sim.stop(5)
        if not keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *rest):
        # On failure, keep the logs for the test to print (it removes them itself).
        self.stop(keep_workdir=exc_type is not None)


def migration_body(number):
    """A valid request body for customer `number` (its own telephone and account numbers)."""
    return json.dumps({"telephoneNumber": f"4478{number:08d}",
                       "accountIdentification": {"accountNumber": f"{number:09d}", "siteReference": 42}})


# One answer a SteadyLoad client got: status None (and error set) when the exchange failed;
# at: time.monotonic() when it arrived; port: where it was sent.
Answer = collections.namedtuple("Answer", "status body error retry_after at port")


class SteadyLoad:
    """`clients` threads, each POSTing one request after another (a pause of `pause_s` between
    them) through one kept-alive connection, client i to ports[i % len(ports)] on 127.0.0.1,
    until stop(). Every answer is kept (Answer)."""

    def __init__(self, ports, clients=8, pause_s=0.05, headers=None):
        self.ports = list(ports)
        self.pause_s = pause_s
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.results = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._next = 0
        self._threads = [threading.Thread(target=self._client, args=(self.ports[i % len(self.ports)],), daemon=True)
                         for i in range(clients)]
        for thread in self._threads:
            thread.start()

    def count(self):
        with self._lock:
            return len(self.results)

    def answers(self):
        with self._lock:
            return list(self.results)

    def _number(self):
        with self._lock:
            self._next += 1
            return self._next

    def _exchange(self, connection, port):
        connection.request("POST", "/CreateVOIPMigrationWorkOrder", migration_body(self._number()), self.headers)
        response = connection.getresponse()
        raw = response.read()
        retry_after = response.getheader("Retry-After")
        try:
            return Answer(response.status, json.loads(raw), None, retry_after, time.monotonic(), port)
        except ValueError:
            return Answer(response.status, None, f"not JSON: {raw[:200]!r}", retry_after, time.monotonic(), port)

    def _client(self, port):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        while not self._stopping.is_set():
            try:
                result = self._exchange(connection, port)
            except (OSError, http.client.HTTPException) as error:
                result = Answer(None, None, f"{type(error).__name__}: {error}", None, time.monotonic(), port)
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            with self._lock:
                self.results.append(result)
            self._stopping.wait(self.pause_s)
        connection.close()

    def stop(self):
        self._stopping.set()
        for thread in self._threads:
            thread.join(30)
        return self.answers()


def order_number(body):
    """The orderNumber of a success envelope; None for anything else."""
    return ((body or {}).get("CreateVOIPMigrationWorkOrder") or {}).get("success", {}).get("orderNumber")
