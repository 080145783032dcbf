using Aigc.MLNet.Data;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Pipeline;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// An exported model as an ML.NET transformer on ONNX Runtime, with the columns of the libtorch
/// transformer it came from: a GAN or diffusion model reads a "Seed" column (an integer per row:
/// that seed's noise, so a seed gives the libtorch transformer's image) and, when conditional, the
/// label column, and adds "GeneratedImage" (values in [-1, 1]); a VAE reads the image column (Single
/// values in [0, 1]) and adds the reconstruction, "Mu" and "LogVar"; an image classifier adds
/// "Scores" and "Features"; a language model completes the prompt column (text) into the completion column and
/// "CompletionTokens" with its exported generation settings, seed 0. Rows are computed in batches,
/// lazily, and a prediction engine serves one row at a time.
/// </summary>
public sealed class OnnxGenerativeTransformer : ITransformer, IDisposable
{
    private const string SeedColumn = "Seed", GeneratedColumn = "GeneratedImage";
    private readonly OnnxVae? _vae;
    private readonly OnnxGan? _gan;
    private readonly OnnxDiffusion? _diffusion;
    private readonly OnnxImageClassifier? _classifier;
    private readonly OnnxLanguageModel? _language;

    private OnnxGenerativeTransformer(string family, IDisposable model, string imageColumn, string reconstructionColumn, string? labelColumn,
        string promptColumn, string completionColumn)
    {
        Family = family;
        (_vae, _gan, _diffusion, _classifier, _language) = (model as OnnxVae, model as OnnxGan, model as OnnxDiffusion, model as OnnxImageClassifier, model as OnnxLanguageModel);
        (ImageColumn, ReconstructionColumn, LabelColumn, PromptColumn, CompletionColumn) = (imageColumn, reconstructionColumn, labelColumn, promptColumn, completionColumn);
        if ((NumClasses is null) != (labelColumn is null))
            throw new ArgumentException(NumClasses is null
                ? $"This {family} model is not conditional: leave the label column unset."
                : $"This {family} model is class-conditional: name the label column.", nameof(labelColumn));
    }

    /// <summary>Opens the exported folder (see <see cref="ExportedModel.Family"/>).</summary>
    /// <param name="directory">A folder written by <c>ExportToOnnx</c>.</param>
    /// <param name="imageColumn">The input column of a VAE or an image classifier.</param>
    /// <param name="reconstructionColumn">A VAE's reconstruction column.</param>
    /// <param name="labelColumn">The label column of a class-conditional GAN or diffusion model.</param>
    /// <param name="promptColumn">A language model's prompt column (text).</param>
    /// <param name="completionColumn">A language model's completion column (and, with "Tokens" appended, its token ids).</param>
    /// <param name="options">ONNX Runtime session options (threads, providers) for the image families.</param>
    /// <exception cref="ArgumentException">The folder holds no exported model, or the label column does not fit it.</exception>
    public static OnnxGenerativeTransformer Load(string directory, string imageColumn = "Image", string reconstructionColumn = "Reconstruction",
        string? labelColumn = null, string promptColumn = "Prompt", string completionColumn = "Completion", SessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        foreach (var (value, name) in new[] { (imageColumn, nameof(imageColumn)), (reconstructionColumn, nameof(reconstructionColumn)), (promptColumn, nameof(promptColumn)), (completionColumn, nameof(completionColumn)) })
            ArgumentException.ThrowIfNullOrEmpty(value, name);
        var family = ExportedModel.Family(directory);
        IDisposable opened = family switch
        {
            "vae" => OnnxVae.Load(directory, options),
            "gan" => OnnxGan.Load(directory, options),
            "diffusion" => OnnxDiffusion.Load(directory, options),
            "image-classifier" => OnnxImageClassifier.Load(directory, options),
            "causal-lm" => OnnxLanguageModel.Load(directory),
            _ => throw new ArgumentException($"'{directory}' holds no exported model.", nameof(directory)),
        };
        try
        {
            return new OnnxGenerativeTransformer(family, opened, imageColumn, reconstructionColumn, labelColumn, promptColumn, completionColumn);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    /// <summary>"vae", "gan" or "diffusion".</summary>
    public string Family { get; }

    /// <summary>A VAE's input column.</summary>
    public string ImageColumn { get; }

    /// <summary>A VAE's reconstruction column.</summary>
    public string ReconstructionColumn { get; }

    /// <summary>The label column of a conditional model, else null.</summary>
    public string? LabelColumn { get; }

    /// <summary>A language model's prompt column.</summary>
    public string PromptColumn { get; }

    /// <summary>A language model's completion column.</summary>
    public string CompletionColumn { get; }

    private int? NumClasses => _gan?.NumClasses ?? _diffusion?.NumClasses;

    private (int C, int H, int W) Shape => _vae?.ImageShape ?? _gan?.ImageShape ?? _classifier?.ImageShape ?? _diffusion!.ImageShape;

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Mapping(inputSchema).OutputSchema;

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchMappedDataView(input, Mapping(input.Schema));
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new BatchRowMapper(Mapping(inputSchema));

    /// <summary>Not supported: the exported folder is the model; load it again with <see cref="Load"/>.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("An ONNX-backed transformer is not saved into an ML.NET model: the exported folder is the model; open it again with OnnxGenerativeTransformer.Load.");

    private BatchMapping Mapping(DataViewSchema input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_language is { } lm)
        {
            input.Require(ColumnRequirement.Text(PromptColumn));
            var settings = lm.DefaultGeneration with { Seed = 0 };
            return new BatchMapping(input, [PromptColumn], [(CompletionColumn, TextDataViewType.Instance), (CompletionColumn + "Tokens", new VectorDataViewType(NumberDataViewType.Int32))],
                batchSize: 16, batch =>
                {
                    var results = batch.Texts(PromptColumn).Select(prompt => lm.Generate(prompt, settings)).ToList();
                    return [RowBatch.TextRows(results.Select(r => r.Text)), RowBatch.TokenRows(results.Select(r => r.Tokens))];
                });
        }
        var (c, h, w) = Shape;
        int size = c * h * w;
        var imageType = new VectorDataViewType(NumberDataViewType.Single, c, h, w);
        if (_vae is { } vae)
        {
            input.Require(ColumnRequirement.SingleVector(ImageColumn, size));
            var latent = new VectorDataViewType(NumberDataViewType.Single, vae.LatentDim);
            return new BatchMapping(input, [ImageColumn], [(ReconstructionColumn, imageType), ("Mu", latent), ("LogVar", latent)], batchSize: 256, batch =>
            {
                var pixels = new float[batch.Count * size];
                for (int i = 0; i < batch.Count; i++) batch.Vector<float>(ImageColumn, i, pixels.AsSpan(i * size, size));
                var (mu, logVar) = vae.Encode(new ImageBatch(pixels, batch.Count, c, h, w, 0, 1));
                var reconstruction = vae.Decode(mu).Pixels;
                return [RowBatch.VectorRows(reconstruction, batch.Count, size), RowBatch.VectorRows(mu, batch.Count, vae.LatentDim), RowBatch.VectorRows(logVar, batch.Count, vae.LatentDim)];
            });
        }
        if (_classifier is { } classifier)
        {
            input.Require(ColumnRequirement.SingleVector(ImageColumn, size));
            return new BatchMapping(input, [ImageColumn],
                [("Scores", new VectorDataViewType(NumberDataViewType.Single, classifier.NumClasses)), ("Features", new VectorDataViewType(NumberDataViewType.Single, classifier.FeatureDim))],
                batchSize: 256, batch =>
                {
                    var pixels = new float[batch.Count * size];
                    for (int i = 0; i < batch.Count; i++) batch.Vector<float>(ImageColumn, i, pixels.AsSpan(i * size, size));
                    var (_, scores, features) = classifier.Classify(new ImageBatch(pixels, batch.Count, c, h, w, 0, 1));
                    return [RowBatch.VectorRows(scores, batch.Count, classifier.NumClasses), RowBatch.VectorRows(features, batch.Count, classifier.FeatureDim)];
                });
        }
        input.Require(ColumnRequirement.Integer(SeedColumn, "an integer seed per row"));
        if (LabelColumn is not null) input.Require(ColumnRequirement.Label(LabelColumn));
        string[] sources = LabelColumn is null ? [SeedColumn] : [SeedColumn, LabelColumn];
        int noise = _gan?.LatentDim ?? size;
        return new BatchMapping(input, sources, [(GeneratedColumn, imageType)], batchSize: _gan is null ? 64 : 256, batch =>
        {
            // Each row's noise comes from its own seed, as in the libtorch transformers.
            var values = batch.Integers(SeedColumn).SelectMany(seed => Gaussian.Sample(noise, unchecked((int)seed))).ToArray();
            long[]? labels = LabelColumn is null ? null : batch.Labels(LabelColumn);
            var images = _gan is { } gan ? gan.GenerateFromLatents(values, labels) : _diffusion!.GenerateFromNoise(values, labels);
            return [RowBatch.VectorRows(images.Pixels, batch.Count, size)];
        });
    }

    /// <summary>Closes the ONNX Runtime sessions.</summary>
    public void Dispose()
    {
        _vae?.Dispose();
        _gan?.Dispose();
        _diffusion?.Dispose();
        _classifier?.Dispose();
        _language?.Dispose();
    }
}
