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


def system_blas():
    """How the system's OpenBLAS (the libblas.so.3 alternative libtorch loads) runs its threads:
    'openmp' (in libtorch's OpenMP pool; scripts/setup.sh selects it) or 'pthread' (its own pool)."""
    path = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    return "openmp" if "openblas-openmp" in path else "pthread"


def thread_env(threads, blas=None):
    """The same intra-op threads for libtorch on both sides, and the BLAS threads our process tuning
    gives the BLAS build in use: all of them for the OpenMP build, which shares libtorch's pool, and
    one for the pthreads build, whose own pool would fight it. `blas` ('openmp' or 'pthread') points
    the process at that build through LD_LIBRARY_PATH instead of the system's choice."""
    t = str(threads)
    env = dict(os.environ, OMP_NUM_THREADS=t, AIGC_NUM_THREADS=t)
    if blas is not None:
        env["LD_LIBRARY_PATH"] = f"/usr/lib/x86_64-linux-gnu/openblas-{blas}"
    blas_threads = t if (blas or system_blas()) == "openmp" else "1"
    return dict(env, OPENBLAS_NUM_THREADS=blas_threads, AIGC_BLAS_THREADS=blas_threads)
