using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Pipeline;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet;

/// <summary>
/// The base of Aigc.MLNet's transformers: an ML.NET <see cref="ITransformer"/> whose output columns
/// are computed in batches. <see cref="Transform"/> is lazy and batched; <see cref="GetRowToRowMapper"/>
/// (what <c>mlContext.Model.CreatePredictionEngine</c> uses) runs batches of one.
/// </summary>
public abstract class BatchedTransformer : ISavableModel
{
    private protected BatchedTransformer()
    {
    }

    /// <summary>Validates <paramref name="input"/> and describes the computation over it.</summary>
    /// <exception cref="Data.SchemaMismatchException">A needed column is missing or mistyped.</exception>
    private protected abstract BatchMapping CreateMapping(DataViewSchema input);

    /// <inheritdoc />
    public abstract string Family { get; }

    /// <inheritdoc />
    public abstract ModelContents GetContents();

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return CreateMapping(inputSchema).OutputSchema;
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchMappedDataView(input, CreateMapping(input.Schema));
    }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new BatchRowMapper(CreateMapping(inputSchema));
    }

    /// <summary>ML.NET's own model format cannot hold libtorch weights: a pipeline holding this
    /// transformer is saved with <c>mlContext.Model.SaveGenerative(model, inputSchema, path)</c>, which
    /// has ML.NET save a stub here and stores the model beside ML.NET's entries.</summary>
    /// <exception cref="NotSupportedException">Called by a plain <c>mlContext.Model.Save</c>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        if (!PipelineFile.Saving)
            throw new NotSupportedException($"{GetType().Name} cannot be saved by mlContext.Model.Save; use mlContext.Model.SaveGenerative(model, inputSchema, path) for a whole pipeline, or SaveGenerative(model, path) for this model alone (using Aigc.MLNet).");
        ((ICanSaveModel)PipelineFile.Stub()).Save(ctx);
    }
}
