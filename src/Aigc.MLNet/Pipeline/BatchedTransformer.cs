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
public abstract class BatchedTransformer : ITransformer
{
    private protected BatchedTransformer()
    {
    }

    /// <summary>Validates <paramref name="input"/> and describes the computation over it.</summary>
    /// <exception cref="Data.SchemaMismatchException">A needed column is missing or mistyped.</exception>
    private protected abstract BatchMapping CreateMapping(DataViewSchema input);

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

    /// <summary>ML.NET's own model format cannot hold libtorch weights; save with
    /// <see cref="ModelOperationsCatalogExtensions.SaveGenerative"/> instead.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException($"{GetType().Name} cannot be saved by mlContext.Model.Save; use mlContext.Model.SaveGenerative(model, path) (using Aigc.MLNet) to write an .aigc model file.");
}
