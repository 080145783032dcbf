using Aigc.Cli;

return Cli.Run(args);
