using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/TeamsBot.Cards.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(TeamsBot.Cards.Bench.BindBenchmarks).Assembly).Run(args);
