using System.Buffers.Binary;
using System.IO.Compression;

namespace Aigc.MLNet.Data;

/// <summary>An unsigned-byte array read from an IDX file, with its dimensions.</summary>
/// <param name="Data">The elements in row-major order.</param>
/// <param name="Shape">The dimensions, outermost first (e.g. [60000, 28, 28]).</param>
public sealed record IdxArray(byte[] Data, int[] Shape)
{
    /// <summary>The size of the first dimension (the number of items).</summary>
    public int Count => Shape[0];

    /// <summary>Elements per item (product of the remaining dimensions).</summary>
    public int ItemSize => Data.Length / Math.Max(1, Count);
}

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST, raw or gzipped (detected by the gzip
/// magic bytes). Layout: two zero bytes, a type code (0x08 = unsigned byte), the number of
/// dimensions, each dimension as a big-endian int32, then the elements.
/// </summary>
public static class IdxFile
{
    /// <summary>Largest element count accepted (guards against lying headers).</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid unsigned-byte IDX file;
    /// the message names the file and the problem.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        try
        {
            using var stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            return Read(stream);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: file ends before the data its header declares (truncated?)", e);
        }
    }

    /// <summary>Reads an uncompressed IDX stream.</summary>
    /// <exception cref="InvalidDataException">The stream is not a valid unsigned-byte IDX file, or ends early.</exception>
    public static IdxArray Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return ReadChecked(stream);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("file ends before the data its header declares (truncated?)", e);
        }
    }

    private static IdxArray ReadChecked(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        stream.ReadExactly(head);
        if (head[0] != 0 || head[1] != 0) throw new InvalidDataException("not an IDX file (bad magic number)");
        if (head[2] != 0x08) throw new InvalidDataException($"IDX element type 0x{head[2]:X2} is not supported (only 0x08, unsigned byte)");
        int dims = head[3];
        if (dims is < 1 or > 4) throw new InvalidDataException($"IDX file declares {dims} dimensions (1 to 4 supported)");
        var shape = new int[dims];
        long count = 1;
        Span<byte> word = stackalloc byte[4];
        for (int i = 0; i < dims; i++)
        {
            stream.ReadExactly(word);
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (shape[i] <= 0) throw new InvalidDataException($"IDX dimension {i} is {shape[i]}");
            count *= shape[i];
            if (count > MaxElements) throw new InvalidDataException($"IDX file declares more than {MaxElements} elements");
        }
        var data = new byte[count];
        stream.ReadExactly(data);
        return new IdxArray(data, shape);
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int n = file.Read(magic);
        file.Position = 0;
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }
}
