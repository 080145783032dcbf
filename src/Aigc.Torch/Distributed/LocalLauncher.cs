using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Aigc.Torch.Distributed;

/// <summary>
/// Starts a group of worker processes on this machine, as torchrun does for one node: each gets
/// torchrun's variables (MASTER_ADDR=127.0.0.1, a free MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK),
/// their output is passed on line by line, and when one fails the others are stopped, so a crashed
/// worker never leaves the rest waiting.
/// </summary>
public static partial class LocalLauncher
{
    private const int SigInt = 2;

    /// <summary>How long the other workers get to stop on their own (their collectives fail and they
    /// report it) after one failed, before they are killed.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="workers"/> copies of <paramref name="fileName"/> with <paramref name="arguments"/>
    /// and returns their exit codes in rank order.</summary>
    /// <param name="fileName">The program (e.g. <see cref="Environment.ProcessPath"/>).</param>
    /// <param name="arguments">Its arguments, the same for every worker.</param>
    /// <param name="workers">How many processes (ranks).</param>
    /// <param name="output">Receives (rank, line, isError) for every line a worker writes; null discards.</param>
    /// <param name="port">The rendezvous port; null picks a free one.</param>
    /// <param name="environment">Extra variables for every worker.</param>
    /// <param name="cancellationToken">Kills the workers when cancelled.</param>
    /// <param name="interrupt">When signalled, sends each worker SIGINT, as Ctrl+C at a terminal does, so they
    /// can stop on their own terms (the aigc tool agrees on a step and writes its checkpoint).</param>
    public static async Task<int[]> RunAsync(string fileName, IReadOnlyList<string> arguments, int workers,
        Action<int, string, bool>? output = null, int? port = null, IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default, CancellationToken interrupt = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        int masterPort = port ?? FreePort();
        var processes = new Process[workers];
        try
        {
            for (int rank = 0; rank < workers; rank++)
            {
                var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in arguments) start.ArgumentList.Add(a);
                foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
                foreach (var (k, v) in new DistributedEnvironment("127.0.0.1", masterPort, rank, workers, rank).ToVariables())
                    start.Environment[k] = v;
                var p = new Process { StartInfo = start };
                int r = rank;
                p.OutputDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke(r, e.Data, false); };
                p.ErrorDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke(r, e.Data, true); };
                p.Start();
                p.BeginOutputReadLine();
                p.BeginErrorReadLine();
                processes[rank] = p;
            }
            using var forward = interrupt.Register(() =>
            {
                foreach (var p in processes)
                    if (!p.HasExited) _ = Kill(p.Id, SigInt);
            });
            var pending = processes.Select(p => p.WaitForExitAsync(cancellationToken)).ToList();
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending).ConfigureAwait(false);
                await done.ConfigureAwait(false); // throws when cancelled
                pending.Remove(done);
                if (processes.Any(p => p.HasExited && p.ExitCode != 0) && pending.Count > 0)
                {
                    // One worker failed: the others learn it from their collectives; give them time to say so.
                    var all = Task.WhenAll(pending);
                    if (await Task.WhenAny(all, Task.Delay(GracePeriod, cancellationToken)).ConfigureAwait(false) != all) Kill(processes);
                    await Task.WhenAll(processes.Select(p => p.WaitForExitAsync(CancellationToken.None))).ConfigureAwait(false);
                    break;
                }
            }
            foreach (var p in processes) p.WaitForExit(); // drains the output readers
            return [.. processes.Select(p => p.ExitCode)];
        }
        finally
        {
            Kill(processes);
            foreach (var p in processes) p?.Dispose();
        }
    }

    /// <summary>A TCP port free on the loopback interface now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LibraryImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private static void Kill(Process?[] processes)
    {
        foreach (var p in processes)
        {
            try
            {
                if (p is { HasExited: false }) p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // never started, or exited meanwhile
            }
        }
    }
}
