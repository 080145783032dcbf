namespace Aigc.Torch.Distributed;

/// <summary>A collective or the rendezvous failed: a peer stopped, timed out, or could not be
/// reached. The message names this rank and, when it could tell, the peer that stopped.</summary>
public sealed class DistributedException : Exception
{
    /// <summary>Creates the exception for <paramref name="rank"/>.</summary>
    public DistributedException(int rank, string message, Exception? inner = null) : base(message, inner) => Rank = rank;

    /// <summary>The rank that raised it.</summary>
    public int Rank { get; }
}
