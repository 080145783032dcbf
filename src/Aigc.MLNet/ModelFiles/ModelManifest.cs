using System.Text.Json.Nodes;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.ModelFiles;

/// <summary>The manifest.json of a model file: everything needed to rebuild and check the model.
/// The layout is documented in docs/model-format.md.</summary>
public sealed record ModelManifest
{
    /// <summary>Always "aigc-model".</summary>
    public string Format { get; init; } = ModelFile.FormatName;

    /// <summary>The layout version; readers refuse versions newer than they know.</summary>
    public int FormatVersion { get; init; } = ModelFile.CurrentFormatVersion;

    /// <summary>The Aigc.MLNet version that wrote the file.</summary>
    public string LibraryVersion { get; init; } = typeof(ModelManifest).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>The model family ("vae", "gan", "causal-lm", ...), which selects the loader.</summary>
    public required string Family { get; init; }

    /// <summary>The family's options (architecture and generation settings), as JSON.</summary>
    public JsonObject Options { get; init; } = new();

    /// <summary>The columns the model reads.</summary>
    public List<ColumnInfo> InputSchema { get; init; } = [];

    /// <summary>The columns the model adds.</summary>
    public List<ColumnInfo> OutputSchema { get; init; } = [];

    /// <summary>How the model was trained.</summary>
    public TrainingSummary Training { get; init; } = new();

    /// <summary>Every tensor in weights.safetensors, by name.</summary>
    public Dictionary<string, TensorInfo> Weights { get; init; } = [];

    /// <summary>Names of extra files under "files/" (e.g. tokenizer vocabularies).</summary>
    public List<string> Files { get; init; } = [];

    /// <summary>The SHA-256 of every payload entry ("weights.safetensors", "files/NAME"), as lower-case
    /// hex; checked at load so altered weights fail with the entry's name (format version 2 and later).</summary>
    public Dictionary<string, string> Sha256 { get; init; } = [];
}

/// <summary>A column in a manifest.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Type">The type as ML.NET prints it, e.g. "Vector&lt;Single, 1, 28, 28&gt;".</param>
public sealed record ColumnInfo(string Name, string Type)
{
    /// <summary>Describes a schema's columns.</summary>
    public static List<ColumnInfo> From(IEnumerable<(string Name, DataViewType Type)> columns) => columns.Select(c => new ColumnInfo(c.Name, $"{c.Type}")).ToList();
}

/// <summary>A weight's element type (safetensors code) and shape.</summary>
public sealed record TensorInfo(string DType, long[] Shape);

/// <summary>What training did.</summary>
public sealed record TrainingSummary
{
    /// <summary>Optimiser steps taken.</summary>
    public long Steps { get; init; }

    /// <summary>Epochs completed (fractional when stopped mid-epoch).</summary>
    public double Epochs { get; init; }

    /// <summary>The last value of each named loss.</summary>
    public Dictionary<string, double> FinalLosses { get; init; } = [];

    /// <summary>The seed.</summary>
    public long Seed { get; init; }

    /// <summary>A fingerprint of the training data (hash of its schema and row count).</summary>
    public string DataFingerprint { get; init; } = "";

    /// <summary>When training ended (UTC).</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}
