global using Aigc.Torch;
global using Xunit;
