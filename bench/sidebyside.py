"""Helpers shared by the side-by-side benchmark runners: command lines for the C# and PyTorch
sides, option parsing, running a side and reading its JSON lines, and the thread settings both
sides get."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def dotnet(project):
    """The command that runs a built bench project (Release)."""
    return ["dotnet", os.path.join(HERE, f"{project}/bin/Release/net10.0/{project}.dll")]


def python(script):
    """The command that runs a PyTorch script with Debian's python3 (which has torch)."""
    return ["/usr/bin/python3", os.path.join(HERE, script)]


def arg(name, fallback):
    """The value after option `name` on the command line, or `fallback`."""
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else fallback


def run(cmd, env):
    """Runs one side and returns the JSON objects it printed, one per line starting with '{'."""
    print("$", " ".join(cmd[1:]), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def thread_env(threads):
    """The same intra-op threads for libtorch on both sides, single-threaded BLAS."""
    t = str(threads)
    return dict(os.environ, OMP_NUM_THREADS=t, AIGC_NUM_THREADS=t, OPENBLAS_NUM_THREADS="1", AIGC_BLAS_THREADS="1")
