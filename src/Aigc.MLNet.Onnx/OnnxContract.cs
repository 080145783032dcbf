namespace Aigc.MLNet.Onnx;

/// <summary>
/// What an exported folder holds, shared by the exporter (in Aigc.MLNet, on libtorch) and the
/// runners (in Aigc.MLNet.Onnx, on ONNX Runtime): file names, input/output names and the metadata
/// keys each <c>.onnx</c> file carries. Compiled into both assemblies from this one file, so the two
/// sides cannot drift apart.
/// </summary>
internal static class OnnxContract
{
    /// <summary>The version of this layout, in every file's metadata.</summary>
    public const string FormatVersion = "1";

    public static class Files
    {
        public const string VaeDecoder = "decoder.onnx";
        public const string VaeEncoder = "encoder.onnx";
        public const string GanGenerator = "generator.onnx";
        public const string Classifier = "classifier.onnx";
        public const string Denoiser = "denoiser.onnx";
    }

    public static class Keys
    {
        public const string Format = "aigc.format";
        public const string Family = "aigc.family";
        public const string Graph = "aigc.graph";
        public const string Channels = "aigc.channels";
        public const string Height = "aigc.height";
        public const string Width = "aigc.width";
        public const string LatentDim = "aigc.latent_dim";
        public const string NumClasses = "aigc.num_classes";
        public const string FeatureDim = "aigc.feature_dim";
        public const string PixelRange = "aigc.pixel_range";
        public const string Timesteps = "aigc.timesteps";
        public const string Betas = "aigc.betas";
        public const string Prediction = "aigc.prediction";
        public const string Sampler = "aigc.sampler";
        public const string SamplingSteps = "aigc.sampling_steps";
        public const string Eta = "aigc.eta";
        public const string GuidanceScale = "aigc.guidance_scale";
        public const string ClipDenoised = "aigc.clip_denoised";
        public const string Tokenizer = "aigc.tokenizer";
    }

    public static class Names
    {
        public const string Latent = "latent";
        public const string Label = "label";
        public const string Image = "image";
        public const string Mu = "mu";
        public const string LogVar = "logvar";
        public const string Logits = "logits";
        public const string Scores = "scores";
        public const string Features = "features";
        public const string NoisyImage = "noisy_image";
        public const string Timestep = "timestep";
        public const string Prediction = "prediction";
    }

    /// <summary>Names of the decoder graph of a language model, in ONNX Runtime GenAI's layout
    /// (format strings take the layer index).</summary>
    public static class LanguageModel
    {
        public const string File = "model.onnx";
        public const string GenAIConfig = "genai_config.json";
        /// <summary>What GenAI's files do not say: {"architecture": "gpt" | "lstm", "tokenizer": "char" | "bpe" | "tiktoken", "tiktokenModel": name,
        /// "maxNewTokens": n, "stopSequences": [...]} (the last two: the model's generation defaults).</summary>
        public const string Manifest = "aigc-lm.json";
        /// <summary>A character tokenizer's vocabulary (not named tokenizer.json, the file GenAI's own tokenizer reads).</summary>
        public const string CharVocabulary = "char-vocabulary.json";
        public const string InputIds = "input_ids";
        public const string AttentionMask = "attention_mask";
        public const string PositionIds = "position_ids";
        public const string PastKey = "past_key_values.{0}.key";
        public const string PastValue = "past_key_values.{0}.value";
        public const string Logits = "logits";
        public const string PresentKey = "present.{0}.key";
        public const string PresentValue = "present.{0}.value";
        /// <summary>The LSTM's state, in and out, (layers, batch, hidden).</summary>
        public const string Hidden = "hidden", Cell = "cell", HiddenOut = "hidden_out", CellOut = "cell_out";
    }

    /// <summary>Values of <see cref="Keys.PixelRange"/>.</summary>
    public const string ZeroToOne = "0,1", MinusOneToOne = "-1,1";

    /// <summary>Values of <see cref="Keys.Prediction"/> and <see cref="Keys.Sampler"/>.</summary>
    public const string Epsilon = "epsilon", Velocity = "v", Ddim = "ddim", Ddpm = "ddpm";
}
