using Aigc.MLNet.Data;
using Aigc.Torch;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Pipeline;

/// <summary>The parts of <see cref="RowBatch"/> that make and read tensors (kept out of RowBatch.cs,
/// which the ONNX package compiles too).</summary>
internal sealed partial class RowBatch
{
    /// <summary>A fixed-size Single vector column as a (rows, dims...) tensor on <paramref name="device"/>;
    /// a Byte column (pixels) is scaled to <paramref name="byteScale"/>.</summary>
    public Tensor Floats(string column, Device device, Transforms.PixelScale byteScale = Transforms.PixelScale.ZeroToOne)
    {
        var col = _schema[column];
        var type = (VectorDataViewType)col.Type;
        var flat = new float[Count * type.Size];
        if (_buffers[col.Index].Values is VBuffer<byte>[] bytes)
        {
            var pixels = new byte[type.Size];
            var (factor, offset) = byteScale == Transforms.PixelScale.ZeroToOne ? (1 / 255f, 0f) : (1 / 127.5f, -1f);
            for (int i = 0; i < Count; i++)
            {
                Vector<byte>(column, i, pixels);
                for (int k = 0; k < pixels.Length; k++) flat[i * type.Size + k] = pixels[k] * factor + offset;
            }
        }
        else
        {
            var values = (VBuffer<float>[])_buffers[col.Index].Values;
            for (int i = 0; i < Count; i++)
            {
                if (values[i].Length != type.Size)
                    throw new InvalidDataException($"Column '{column}' should hold {type.Size} values per row ({type}); a row has {values[i].Length}.");
                ValueCopy.ToDense(values[i], flat.AsSpan(i * type.Size, type.Size));
            }
        }
        return Tensor.FromArray(flat, [Count, .. type.Dimensions.Select(d => (long)d)]).To(device);
    }

    /// <summary>Per-row Single vectors from a (rows, ...) tensor, as an output column.</summary>
    public static VBuffer<float>[] VectorRows(Tensor t)
    {
        var values = t.To(Device.Cpu, ScalarType.Float32).Contiguous().ToArray<float>();
        int rows = (int)t.Shape[0];
        return VectorRows(values, rows, rows == 0 ? 0 : values.Length / rows);
    }
}
