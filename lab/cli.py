"""`python -m lab up|down|status|fail|recover|load`."""
import argparse
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from . import files

DEFAULT_WORKDIR = ".lab"
START_TIMEOUT = 120


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lab", description="The workload.availability lab")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start a lab (in the background unless --foreground)")
    up.add_argument("--scenario", default="small")
    up.add_argument("--nodes", type=int)
    up.add_argument("--vms", type=int)
    up.add_argument("--seed", type=int, default=0)
    up.add_argument("--preset", default="fast", choices=["fast", "realistic"])
    up.add_argument("--tls", action="store_true")
    up.add_argument("--port", type=int, default=0)
    up.add_argument("--components", help="comma-separated component names (default: all)")
    up.add_argument("--no-bmc", action="store_true")
    up.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a preset value (repeatable)")
    up.add_argument("--foreground", action="store_true")
    for name in ("up", "down", "status"):
        target = up if name == "up" else sub.add_parser(name, help=f"{name} the lab in the work directory")
        target.add_argument("--workdir", default=DEFAULT_WORKDIR)
    sub.choices["status"].add_argument("--json", action="store_true")
    fail = sub.add_parser("fail", help="fail a node: power-off|kubelet-stop|partition|bmc-down")
    fail.add_argument("node")
    fail.add_argument("--mode", required=True,
                      help="what breaks: power-off (the machine), kubelet-stop, partition (its network), bmc-down")
    recover = sub.add_parser("recover", help="undo the failures of a node")
    recover.add_argument("node")
    load = sub.add_parser("load", help="set a node's external load (fractions 0..1)")
    load.add_argument("node")
    load.add_argument("--cpu", type=float)
    load.add_argument("--memory", type=float)
    for target in (fail, recover, load):
        target.add_argument("--workdir", default=DEFAULT_WORKDIR)
    return parser


def _overrides(pairs) -> dict:
    result = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            result[key] = json.loads(value)
        except ValueError:
            result[key] = value
    return result


def _alive(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _request(state, method, path, body=None, timeout=10):
    context = None
    if state.get("ca_file"):
        context = ssl.create_default_context(cafile=state["ca_file"])
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(state["url"] + path, data=data, method=method, headers={
        "Authorization": f"Bearer {state['token']}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        return json.loads(response.read() or b"null")


def _running_state(workdir):
    state = files.read_state(workdir)
    if state and _alive(state.get("pid", 0)):
        return state
    return None


def up(args) -> int:
    workdir = os.path.abspath(args.workdir)
    running = _running_state(workdir)
    if running:
        print(f"a lab is already running in {workdir} (pid {running['pid']}); run `python -m lab down` first",
              file=sys.stderr)
        return 1
    if args.foreground:
        return _up_foreground(args, workdir)
    return _up_background(args, workdir)


def _up_foreground(args, workdir) -> int:
    from .lab import Lab
    components = [c for c in args.components.split(",") if c] if args.components is not None else None
    lab = Lab(scenario=args.scenario, nodes=args.nodes, vms=args.vms, seed=args.seed, workdir=workdir,
              tls=args.tls, preset=args.preset, overrides=_overrides(args.set), bmc=not args.no_bmc,
              components=components, port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lab.start()
    print(f"lab up: {lab.url}  kubeconfig {lab.kubeconfig_path}  (pid {os.getpid()})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        lab.stop()
        try:
            os.unlink(os.path.join(workdir, "lab.json"))
        except OSError:
            pass
        print("lab down", flush=True)
    return 0


def _up_background(args, workdir) -> int:
    os.makedirs(workdir, exist_ok=True)
    try:
        os.unlink(os.path.join(workdir, "lab.json"))
    except OSError:
        pass
    argv = [sys.executable, "-m", "lab", "up", "--foreground", "--workdir", workdir,
            "--scenario", args.scenario, "--seed", str(args.seed), "--preset", args.preset,
            "--port", str(args.port)]
    argv += ["--nodes", str(args.nodes)] if args.nodes is not None else []
    argv += ["--vms", str(args.vms)] if args.vms is not None else []
    argv += ["--tls"] if args.tls else []
    argv += ["--no-bmc"] if args.no_bmc else []
    argv += ["--components", args.components] if args.components is not None else []
    for pair in args.set:
        argv += ["--set", pair]
    log_path = os.path.join(workdir, "lab.log")
    with open(log_path, "ab") as log:
        child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True, cwd=os.getcwd(),
                                 env=dict(os.environ, PYTHONPATH=_package_root() + os.pathsep +
                                          os.environ.get("PYTHONPATH", "")))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            print(f"the lab exited with status {child.returncode}; see {log_path}:", file=sys.stderr)
            print(_tail(log_path), file=sys.stderr)
            return 1
        state = files.read_state(workdir)
        if state and state.get("pid") == child.pid:
            try:
                _request(state, "GET", "/version", timeout=2)
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
                continue
            print(f"lab up: {state['url']}\n  kubeconfig {state['kubeconfig']}\n  inventory  "
                  f"{state['inventory']}\n  pid {child.pid}, log {log_path}")
            if not state.get("tls"):
                print("  note: kubectl sends bearer tokens only over HTTPS; start the lab with --tls to use kubectl")
            if state.get("missing_components"):
                print(f"  components not available yet: {', '.join(state['missing_components'])}")
            return 0
        time.sleep(0.1)
    print(f"the lab did not answer within {START_TIMEOUT} s; see {log_path}", file=sys.stderr)
    child.terminate()
    return 1


def _package_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tail(path, lines=30) -> str:
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


def down(args) -> int:
    workdir = os.path.abspath(args.workdir)
    state = files.read_state(workdir)
    if not state:
        print(f"no lab running in {workdir}")
        return 0
    pid = state.get("pid", 0)
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    try:
        os.unlink(os.path.join(workdir, "lab.json"))
    except OSError:
        pass
    print(f"lab down ({workdir})")
    return 0


def status(args) -> int:
    state = _running_state(os.path.abspath(args.workdir))
    if not state:
        print(f"no lab running in {os.path.abspath(args.workdir)}")
        return 1
    body = _request(state, "GET", "/lab/v1/status?render=1")
    if args.json:
        print(json.dumps(body["status"], indent=2, sort_keys=True))
    else:
        print(body["text"])
    return 0


def _control(args, name, payload) -> int:
    state = _running_state(os.path.abspath(args.workdir))
    if not state:
        print(f"no lab running in {os.path.abspath(args.workdir)}", file=sys.stderr)
        return 1
    try:
        body = _request(state, "POST", f"/lab/v1/{name}", payload, timeout=60)
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}")
        print(f"lab {name} failed: {detail.get('message', error)}", file=sys.stderr)
        return 1
    print(json.dumps(body))
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "up":
        return up(args)
    if args.command == "down":
        return down(args)
    if args.command == "status":
        return status(args)
    if args.command == "fail":
        return _control(args, "fail", {"node": args.node, "mode": args.mode})
    if args.command == "recover":
        return _control(args, "recover", {"node": args.node})
    return _control(args, "load", {"node": args.node, "cpu": args.cpu, "memory": args.memory})
