using System.CommandLine;
using System.Globalization;
using Aigc.MLNet;

namespace Aigc.Cli;

/// <summary><c>aigc export model.aigc --out DIR</c>: the model's inference graphs as ONNX files.</summary>
internal static class ExportCommand
{
    private static readonly Argument<string> ModelPath = new("model") { Description = "A model file written by aigc train or ctx.Model.SaveGenerative" };
    private static readonly Option<string> Out = new("--out") { Description = "Folder for the .onnx files", DefaultValueFactory = _ => "onnx" };

    public static Command Create()
    {
        var command = new Command("export", """
            Write a model's inference graphs as ONNX files (opset 17) for ONNX Runtime, ML.NET's ApplyOnnxModel
            and the Aigc.MLNet.Onnx package, none of which needs libtorch. A VAE writes decoder.onnx and
            encoder.onnx; a GAN, generator.onnx; a diffusion model, denoiser.onnx (its noise schedule in the
            metadata); an image classifier, classifier.onnx; a GPT, model.onnx with past key/values and the
            genai_config.json that ONNX Runtime GenAI reads; an LSTM, model.onnx with its state as inputs and
            outputs. Language models add their tokenizer files. 'aigc generate DIR' samples images from the folder.
            Examples:
              aigc export vae.aigc --out vae-onnx
              aigc generate vae-onnx --count 16 --out samples
            """) { ModelPath, Out, CommonOptions.Verbose };
        command.SetAction(r => CommonOptions.Guard(r, () => Run(r)));
        return command;
    }

    private static int Run(ParseResult r)
    {
        var path = r.GetValue(ModelPath)!;
        var ctx = new Microsoft.ML.MLContext().Generative(new GenerativeOptions { Device = Torch.Device.Cpu });
        var model = CommonOptions.LoadModel(ctx, path, "export");
        using var owned = (IDisposable)model;
        var folder = r.GetValue(Out)!;
        // A folder holding another model's export would end up holding two, and 'aigc generate' could not tell them apart.
        var family = ((Aigc.MLNet.ModelFiles.ISavableModel)model).Family;
        if (Directory.Exists(folder) && Aigc.MLNet.Onnx.ExportedModel.Family(folder) is { } existing && existing != family)
            throw new CliException($"--out {folder} already holds an exported {existing} model; export this {family} model into another folder.");
        var files = ctx.MLContext.Model.ExportToOnnx(model, folder);
        foreach (var file in files)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {file} ({new FileInfo(file).Length / 1024.0:F0} KiB)"));
        return 0;
    }
}
