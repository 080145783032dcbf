global using Aigc.MLNet.Data;
global using Aigc.Torch;
global using Microsoft.ML;
global using Microsoft.ML.Data;
global using Xunit;
