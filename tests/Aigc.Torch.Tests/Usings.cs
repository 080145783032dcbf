global using Aigc.Torch;
global using Aigc.Torch.Nn;
global using Xunit;
