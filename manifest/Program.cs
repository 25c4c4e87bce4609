return await TeamsBot.Manifest.ManifestPacker.RunAsync(args, Console.Out, Console.Error);
