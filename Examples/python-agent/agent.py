#!/usr/bin/env python3
"""A CommandHub crypto agent written with Python grpcio.

It speaks the wire contract in Protos/commandhub/v1/agent_link.proto and nothing
else, to show that any gRPC stack can be an agent. The Python stubs are
generated from that proto at start-up into a temporary directory, so no
generated code is committed.

Design (synchronous grpc API, three threads):
  * main thread   - parses options, installs SIGTERM/SIGINT handlers, waits.
  * link thread   - the reconnect loop: opens one AgentLink/Connect stream,
                    reads HubMessages and answers each Command with one ack.
  * heartbeat     - one per session; puts a Heartbeat on the outbox every
                    heartbeat_interval_ms until the session ends.
Everything sent to the hub goes through a per-session queue.Queue that the
request iterator drains, so only grpc's own thread ever writes the stream.
"""
from __future__ import annotations

import argparse, atexit, collections, logging, os, queue, random, shutil
import signal, sys, tempfile, threading, time, uuid
from pathlib import Path

import grpc

log = logging.getLogger("python-agent")
PROTO_ROOT = Path(__file__).resolve().parent / ".." / ".." / "Protos"
PROTO_FILE = "commandhub/v1/agent_link.proto"
VERSION = "py-1.0.0"
CAPABILITIES = ["pause", "resume", "ping", "sync_wallets", "request_status", "sell"]
# The paper wallet: money and quantities are decimal strings, never floats.
PAPER_WALLET = {"BTC": "1.5", "ETH": "12.25", "USDT": "25000"}
_CLOSE = object()  # ends a session's request iterator (half-closes the stream)


def load_stubs():
    """Generates agent_link_pb2(_grpc) into a temp dir on sys.path and imports them."""
    from grpc_tools import protoc
    import importlib.resources
    out = tempfile.mkdtemp(prefix="commandhub-stubs-")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    args = ["protoc", f"-I{PROTO_ROOT.resolve()}", f"-I{well_known}",
            f"--python_out={out}", f"--grpc_python_out={out}", PROTO_FILE]
    if protoc.main(args) != 0:
        sys.exit(f"error: could not generate stubs from {PROTO_ROOT / PROTO_FILE}")
    sys.path.insert(0, out)
    from commandhub.v1 import agent_link_pb2, agent_link_pb2_grpc
    return agent_link_pb2, agent_link_pb2_grpc


def now_ms() -> int:
    return int(time.time() * 1000)


class Agent:
    def __init__(self, opts, pb, pb_grpc):
        self.opts, self.pb, self.pb_grpc = opts, pb, pb_grpc
        self.status = pb.AGENT_STATUS_ACTIVE
        self.started = time.time()
        self.wallets_synced = 0
        self.sync_requests = 0
        self.last_sync: float | None = None
        self.handled = 0            # commands answered (replays included)
        self.failed = 0             # executed commands with success=false
        self.finished = collections.OrderedDict()  # command_id -> ack, for replays
        self.stop = threading.Event()
        self.exit_code = 0
        self.welcomed = False       # did the hub welcome the current/last session?
        self._call = None           # the live stream, so shutdown() can cancel it
        self._outbox: queue.Queue | None = None

    # ------------------------------------------------------------- the link
    def channel(self) -> grpc.Channel:
        """A plaintext channel, or TLS when --tls or a --ca-file/--cert-file asks for it."""
        opts = self.opts
        if not (opts.tls or opts.ca_file or opts.cert_file):
            return grpc.insecure_channel(opts.hub)

        def read(path):
            with open(path, "rb") as file:
                return file.read()

        credentials = grpc.ssl_channel_credentials(
            root_certificates=read(opts.ca_file) if opts.ca_file else None,  # None: grpcio's roots
            private_key=read(opts.key_file) if opts.key_file else None,
            certificate_chain=read(opts.cert_file) if opts.cert_file else None,
        )
        options = [("grpc.ssl_target_name_override", opts.server_name)] if opts.server_name else []
        return grpc.secure_channel(opts.hub, credentials, options=options)

    def run(self) -> int:
        """Connects, serves and reconnects until stopped. Returns the exit code."""
        attempt = 0
        metadata = [("authorization", f"Bearer {self.opts.token}")] if self.opts.token else []
        while not self.stop.is_set():
            with self.channel() as channel:
                connect = self.pb_grpc.AgentLinkStub(channel).Connect
                self.welcomed = False
                try:
                    self.session(connect, metadata)
                except grpc.RpcError as error:
                    if error.code() == grpc.StatusCode.UNAUTHENTICATED:
                        print(f"error: the hub refused our token (UNAUTHENTICATED): {error.details()}",
                              file=sys.stderr, flush=True)
                        self.exit_code = 2
                        self.stop.set()
                        break
                    if not self.stop.is_set():
                        log.warning("stream failed: %s %s", error.code().name, error.details())
            if self.stop.is_set():
                break
            # Exponential backoff with full jitter: uniform in [0, min(5, 0.2 * 2^n)];
            # a session the hub welcomed starts the sequence over.
            attempt = 1 if self.welcomed else attempt + 1
            delay = random.uniform(0, min(5.0, 0.2 * 2 ** min(attempt - 1, 10)))
            log.info("reconnecting in %.2fs (attempt %d)", delay, attempt)
            self.stop.wait(delay)
        return self.exit_code

    def session(self, connect, metadata):
        """Runs one stream to its end; sets self.welcomed once the hub accepts us."""
        outbox: queue.Queue = queue.Queue()
        session_over = threading.Event()

        def requests():  # grpc's request thread drains this; _CLOSE half-closes
            while True:
                item = outbox.get()
                if item is _CLOSE:
                    return
                yield item

        outbox.put(self.pb.AgentMessage(hello=self.pb.Hello(
            agent_id=self.opts.agent_id, name=self.opts.name, version=VERSION, exchange="paper",
            labels=self.opts.labels, capabilities=CAPABILITIES, status=self.status)))
        self._outbox = outbox
        self._call = call = connect(requests(), metadata=metadata)
        if self.stop.is_set():  # a signal arrived while we were connecting
            self.shutdown()
        try:
            for message in call:
                kind = message.WhichOneof("kind")
                if kind == "welcome" and not self.welcomed:
                    self.welcomed = True
                    interval = max(message.welcome.heartbeat_interval_ms, 100) / 1000
                    print(f"connected session={message.welcome.session_id}", file=sys.stderr, flush=True)
                    threading.Thread(target=self.heartbeats, args=(outbox, interval, session_over),
                                     name="heartbeat", daemon=True).start()
                elif kind == "command":
                    outbox.put(self.pb.AgentMessage(ack=self.answer(message.command)))
                    if self.opts.exit_after_commands and self.handled >= self.opts.exit_after_commands:
                        log.info("handled %d commands; exiting", self.handled)
                        self.shutdown()  # half-close after the ack; the hub then ends the stream
            if not self.stop.is_set():
                log.warning("hub ended the stream")
        finally:
            session_over.set()
            outbox.put(_CLOSE)  # release grpc's request thread if it still waits
            self._call = None

    def heartbeats(self, outbox, interval, session_over):
        while not session_over.wait(interval):
            outbox.put(self.pb.AgentMessage(heartbeat=self.pb.Heartbeat(
                status=self.status, wallets_synced=self.wallets_synced, sync_requests=self.sync_requests,
                last_sync_ms=int(self.last_sync * 1000) if self.last_sync else 0, sent_at_ms=now_ms())))

    def shutdown(self):
        """Stops the agent: half-closes the stream so queued acks are still flushed."""
        self.stop.set()
        if self._outbox is not None:
            self._outbox.put(_CLOSE)

    def cancel(self):
        """Cancels the live stream outright (used when a graceful close takes too long)."""
        call = self._call
        if call is not None:
            call.cancel()

    # ------------------------------------------------------------- commands
    def answer(self, command):
        """Returns exactly one ack for the command; a known id is replayed, not re-run."""
        cid = command.command_id
        action = command.WhichOneof("action") or "unknown"
        previous = self.finished.get(cid)
        if previous is not None:
            ack = self.pb.CommandAck()
            ack.CopyFrom(previous)
            ack.replayed = True
        else:
            ack = self.execute(command, action)
            ack.command_id = cid
            ack.status = self.status
            if not ack.success:
                self.failed += 1
            self.finished[cid] = ack
            while len(self.finished) > 10_000:  # bounded memory
                self.finished.popitem(last=False)
        self.handled += 1
        log.info("handled %s %s success=%s%s", action, cid, ack.success, " (replayed)" if ack.replayed else "")
        return ack

    def execute(self, command, action):
        pb = self.pb
        ok = lambda message, **result: pb.CommandAck(success=True, message=message, **result)
        refuse = lambda code, message: pb.CommandAck(success=False, error_code=code, message=message)
        if action == "pause":
            if self.status == pb.AGENT_STATUS_PAUSED:
                return ok("Client already paused")
            self.status = pb.AGENT_STATUS_PAUSED
            return ok("Client paused successfully")
        if action == "resume":
            if self.status == pb.AGENT_STATUS_ACTIVE:
                return ok("Client already active")
            self.status = pb.AGENT_STATUS_ACTIVE
            return ok("Client resumed successfully")
        if action == "ping":
            return ok("Pong received", pong=pb.Pong(agent_time_ms=now_ms(), issued_at_ms=command.issued_at_ms))
        if action == "sync_wallets":
            if self.status == pb.AGENT_STATUS_PAUSED:
                return refuse("paused", "Client is paused; resume it first")
            symbols = [s.upper() for s in command.sync_wallets.symbols] or sorted(PAPER_WALLET)
            balances = [pb.Balance(asset=s, free=PAPER_WALLET.get(s, "0"), locked="0") for s in symbols]
            self.sync_requests += 1
            self.last_sync = time.time()
            self.wallets_synced = len(balances) if not command.sync_wallets.symbols \
                else max(self.wallets_synced, len(balances))
            return ok(f"Wallet sync completed for {len(balances)} coins",
                      balances=pb.Balances(balances=balances, synced_at_ms=int(self.last_sync * 1000)))
        if action == "request_status":
            status = pb.AgentStatus.Name(self.status).removeprefix("AGENT_STATUS_")
            ago = f"{int(time.time() - self.last_sync)}s ago" if self.last_sync else "never"
            uptime_ms = int((time.time() - self.started) * 1000)
            report = pb.StatusReport(
                status=self.status, wallets_synced=self.wallets_synced, sync_requests=self.sync_requests,
                last_sync_ms=int(self.last_sync * 1000) if self.last_sync else 0, uptime_ms=uptime_ms,
                commands_handled=self.handled, commands_failed=self.failed)
            if command.request_status.include_stats:
                report.stats.update({"exchange": "paper", "implementation": f"python-grpcio {grpc.__version__}",
                                     "commands_handled": str(self.handled), "commands_failed": str(self.failed),
                                     "sync_requests": str(self.sync_requests),
                                     "uptime_seconds": str(uptime_ms // 1000)})
            return ok(f"Status: {status}, Wallets: {self.wallets_synced}, Last sync: {ago}", status_report=report)
        if action == "sell":
            return refuse("unsupported", "sell is not supported by the python example agent")
        return refuse("unsupported", f"unknown action {action!r}")


# ----------------------------------------------------------------- entry point
def parse_args(argv=None):
    def label(text):
        key, sep, value = text.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"expected k=v, got {text!r}")
        return key, value

    def agent_uuid(text):
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a UUID: {text!r}") from None

    p = argparse.ArgumentParser(description="A CommandHub crypto agent in Python (grpcio), paper wallet only.")
    p.add_argument("--hub", default=os.environ.get("CRYPTO_AGENT_HUB", "127.0.0.1:50051"),
                   help="hub gRPC address host:port (env CRYPTO_AGENT_HUB; default %(default)s)")
    p.add_argument("--token", default=os.environ.get("CRYPTO_AGENT_TOKEN"),
                   help="bearer token sent as 'authorization: Bearer <token>' (env CRYPTO_AGENT_TOKEN)")
    p.add_argument("--agent-id", type=agent_uuid, default=os.environ.get("CRYPTO_AGENT_AGENT_ID"),
                   help="this agent's stable UUID (env CRYPTO_AGENT_AGENT_ID; default: a new random UUID)")
    p.add_argument("--name", default="python-agent", help="display name shown by the hub (default %(default)s)")
    p.add_argument("--label", action="append", type=label, default=[], metavar="K=V",
                   help="a label to announce in Hello; repeatable")
    p.add_argument("--tls", action="store_true", default=os.environ.get("CRYPTO_AGENT_TLS", "").lower() in ("1", "true", "yes"),
                   help="connect with TLS (env CRYPTO_AGENT_TLS); implied by --ca-file and --cert-file")
    p.add_argument("--ca-file", default=os.environ.get("CRYPTO_AGENT_TLS_CA_FILE"),
                   help="CA certificates (PEM) the hub's certificate must chain to (env CRYPTO_AGENT_TLS_CA_FILE)")
    p.add_argument("--cert-file", default=os.environ.get("CRYPTO_AGENT_TLS_CERT_FILE"),
                   help="client certificate (PEM) for a hub with mutual TLS (env CRYPTO_AGENT_TLS_CERT_FILE)")
    p.add_argument("--key-file", default=os.environ.get("CRYPTO_AGENT_TLS_KEY_FILE"),
                   help="private key (PEM) of --cert-file (env CRYPTO_AGENT_TLS_KEY_FILE)")
    p.add_argument("--server-name", default=os.environ.get("CRYPTO_AGENT_TLS_SERVER_NAME"),
                   help="name expected in the hub's certificate, if not the host of --hub (env CRYPTO_AGENT_TLS_SERVER_NAME)")
    p.add_argument("--exit-after-commands", type=int, metavar="N",
                   help="exit with status 0 after answering N commands (for tests)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                   help="stderr log verbosity (default %(default)s)")
    opts = p.parse_args(argv)
    if bool(opts.cert_file) != bool(opts.key_file):
        p.error("--cert-file and --key-file go together")
    opts.agent_id = agent_uuid(opts.agent_id) if opts.agent_id else str(uuid.uuid4())
    opts.labels = dict(opts.label)
    return opts


def main(argv=None) -> int:
    opts = parse_args(argv)
    logging.basicConfig(level=opts.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    pb, pb_grpc = load_stubs()
    agent = Agent(opts, pb, pb_grpc)
    log.info("agent %s (%s) connecting to %s", opts.agent_id, opts.name, opts.hub)

    # Signal handlers only set a flag; the main thread does the closing outside them.
    signalled = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: signalled.set())
    # A parent may hand us a mask with these blocked (test runners and thread pools often do);
    # a daemon must still stop on SIGTERM, so unblock them explicitly.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    link = threading.Thread(target=agent.run, name="link", daemon=True)
    link.start()
    while link.is_alive() and not signalled.wait(0.2):
        pass
    if signalled.is_set():
        log.info("signal received; closing the stream")
        agent.shutdown()
        link.join(2.0)      # let the hub end the stream after our half-close
        agent.cancel()      # otherwise cut it
        link.join(2.0)
        return 0
    return agent.exit_code


if __name__ == "__main__":
    sys.exit(main())
