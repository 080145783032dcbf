using Aigc.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Pipeline;

/// <summary>Batch mappings whose model is a tensor function: a Single vector column in, Single vector
/// columns out (image generators, encoders, classifiers).</summary>
internal static class TensorMapping
{
    /// <summary>Maps <paramref name="source"/> (stacked to (batch, shape...)) through <paramref name="model"/>,
    /// which returns one (batch, ...) tensor per output. It runs without gradients inside a dispose scope;
    /// with <paramref name="labelColumn"/> it also gets the batch's 0-based classes as an Int64 tensor.
    /// A Byte source is scaled to <paramref name="byteScale"/> first.</summary>
    public static BatchMapping Create(DataViewSchema input, string source, IReadOnlyList<(string Name, DataViewType Type)> outputs,
        Device device, Transforms.PixelScale byteScale, Func<Tensor, Tensor?, Tensor[]> model, string? labelColumn = null, int batchSize = 256) =>
        new(input, labelColumn is null ? [source] : [source, labelColumn], outputs, batchSize, batch =>
        {
            using var noGrad = Engine.NoGrad();
            using var scope = DisposeScope.Enter();
            var x = batch.Floats(source, device, byteScale);
            var labels = labelColumn is null ? null : Tensor.FromArray(batch.Labels(labelColumn)).To(device);
            return model(x, labels).Select(t => (Array)RowBatch.VectorRows(t)).ToArray();
        });
}
