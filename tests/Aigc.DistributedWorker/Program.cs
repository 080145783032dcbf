using System.Globalization;
using System.Text.Json;
using Aigc.DistributedWorker;
using Aigc.Torch.Distributed;

// One rank of a test run: joins the group torchrun's variables describe, runs a recipe and writes
// what it trained as JSON to OUT.rankN.json. Exit code 0 on success, 3 on a DistributedException
// (its message on stderr), 5 when the ranks were given different runs. FAIL_AT kills this process (SIGKILL) in the middle of that step on rank 1.
//   regression OUT BATCH STEPS [CHECKPOINT EVERY FAIL_AT]
//   gpt OUT BATCH STEPS CORPUS
int Arg(int i) => int.Parse(args[i], CultureInfo.InvariantCulture);
try
{
    using var group = ProcessGroup.FromEnvironment(TimeSpan.FromSeconds(20));
    string output = $"{args[1]}.rank{group?.Rank ?? 0}.json";
    object result = args[0] switch
    {
        "regression" => Recipes.Regression(group, Arg(2), Arg(3), args.Length > 4 ? args[4] : null, args.Length > 5 ? Arg(5) : 0, args.Length > 6 ? Arg(6) : -1),
        "gpt" => Recipes.Gpt(group, Arg(2), Arg(3), args[4]),
        _ => throw new ArgumentException($"unknown recipe '{args[0]}'"),
    };
    File.WriteAllText(output, JsonSerializer.Serialize(result));
    return 0;
}
catch (DistributedException e)
{
    Console.Error.WriteLine(e.Message);
    return 3;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 5;
}
