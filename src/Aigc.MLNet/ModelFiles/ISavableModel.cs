using System.Text.Json.Nodes;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.Torch;

namespace Aigc.MLNet.ModelFiles;

/// <summary>A trained transformer that can be written to a model file.</summary>
public interface ISavableModel : ITransformer
{
    /// <summary>The family name its loader is registered under.</summary>
    string Family { get; }

    /// <summary>What goes into the file. The weights are read during the save, not kept.</summary>
    ModelContents GetContents();
}

/// <summary>The parts of a model file that a model supplies.</summary>
/// <param name="Options">Architecture and settings, enough to rebuild the model.</param>
/// <param name="InputSchema">The columns it reads.</param>
/// <param name="OutputSchema">The columns it adds.</param>
/// <param name="Training">How it was trained.</param>
/// <param name="Weights">Its state dict.</param>
/// <param name="Files">Extra files (tokenizer vocabularies, ...).</param>
public sealed record ModelContents(JsonObject Options, IReadOnlyList<(string Name, DataViewType Type)> InputSchema,
    IReadOnlyList<(string Name, DataViewType Type)> OutputSchema,
    TrainingSummary Training, IReadOnlyDictionary<string, Tensor> Weights, IReadOnlyDictionary<string, byte[]>? Files = null);
